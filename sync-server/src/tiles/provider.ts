/** What `/tiles/meta.json` answers: enough for a client to set up the map and cache tiles. */
export type TileMeta = {
  /** Changes whenever the basemap changes; tile URLs carry it, so a new basemap replaces old tiles. */
  version: string;
  minzoom: number;
  maxzoom: number;
  bounds: [west: number, south: number, east: number, north: number];
  center: [lng: number, lat: number];
  attribution: string;
  /** The vector layers in the tiles. */
  layers: string[];
};

/** A tile's MVT bytes; `compressed` means they are already gzipped. */
export type TileData = { data: Uint8Array; compressed: boolean };

/** Where tiles come from: the embedded demo city or a PMTiles archive. */
export type TileProvider = {
  kind: 'demo' | 'pmtiles';
  meta(): Promise<TileMeta>;
  /** null: no tile there (outside the data). Only called for z within [minzoom, maxzoom]. */
  tile(z: number, x: number, y: number): Promise<TileData | null>;
};
