/**
 * The map's tile protocol against a real (in-memory) IndexedDB: a stored tile is answered
 * from the device; a map still showing a replaced basemap gets the active version's tile at
 * the same place; with no network a missing tile is empty and counted, so the map can ask
 * again when the signal returns. (Node has no `navigator.onLine`: the protocol sees no signal.)
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { freshDb } from '../../../test/fresh-db.ts';
import { receiveBasemap, storeTile } from '#lib/db/tiles.ts';
import type { BasemapMeta, BasemapStyle } from './basemap.ts';
import { missedOffline, tileProtocol } from './protocol.ts';

const meta = (version: string): BasemapMeta => ({
  version,
  minzoom: 0,
  maxzoom: 16,
  bounds: [-87.2, 42.2, -86.8, 42.5],
  center: [-86.97, 42.355],
  attribution: 'test',
  layers: [],
});
const style = (version: string): BasemapStyle => ({
  version: 8,
  sources: { basemap: { type: 'vector', tiles: [`/tiles/${version}/{z}/{x}/{y}.pbf`] } },
  layers: [],
});

async function ask(url: string): Promise<number[]> {
  const res = await tileProtocol({ url, type: 'arrayBuffer' } as never, new AbortController());
  return [...new Uint8Array(res.data as ArrayBuffer)];
}

beforeEach(async () => {
  await freshDb();
  missedOffline();
  await receiveBasemap(meta('b2'), style('b2')); // the first basemap is active at once
  await storeTile({
    key: 'b2/14/4321/6000',
    version: 'b2',
    z: 14,
    x: 4321,
    y: 6000,
    bytes: new Uint8Array([2, 2, 2]).buffer,
    area: 'day',
  });
});

describe('the fftiles protocol', () => {
  it('answers a stored tile from the device', async () => {
    expect(await ask('fftiles://b2/14/4321/6000')).toEqual([2, 2, 2]);
    expect(missedOffline()).toBe(0);
  });

  it('answers a replaced version’s tile with the active version’s at the same place', async () => {
    expect(await ask('fftiles://b1/14/4321/6000')).toEqual([2, 2, 2]);
  });

  it('answers a missing tile empty with no signal, and counts it once', async () => {
    expect(await ask('fftiles://b2/14/4321/6001')).toEqual([]);
    expect(await ask('fftiles://b1/15/1/1')).toEqual([]);
    expect(missedOffline()).toBe(2);
    expect(missedOffline()).toBe(0);
  });
});
