import { serve, type ServerType } from '@hono/node-server';
import { v7 as uuidv7 } from 'uuid';
import { PROTOCOL_HEADER, PROTOCOL_VERSION, type Mutation, type Outcome, type PullResponse } from '@fieldfix/shared';
import type { TestApp } from './test-app.ts';

/** Serves a test app on a loopback port: sync is tested over real HTTP. */
export async function listen(t: TestApp): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

type Payloads = { [K in Mutation['kind']]: Extract<Mutation, { kind: K }>['payload'] };

/** An `attach_photo` payload for a crew's "after" photo taken with no place or time recorded. */
export function afterPhoto(p: {
  photoId: string;
  byteSize: number;
  width: number;
  height: number;
  contentType?: Payloads['attach_photo']['contentType'];
}): Payloads['attach_photo'] {
  const { contentType = 'image/jpeg', ...rest } = p;
  return { tag: 'after', contentType, ...rest, takenAt: null, lat: null, long: null };
}

/**
 * A new case of Streets Crew A (assigned, in the database), pulled by `device`, with an
 * after-photo of `photo`'s size attached to it by that device (synced, no bytes yet).
 */
export async function photoOnNewCase(
  sql: TestApp['db']['sql'],
  device: TestDevice,
  photo: Omit<Parameters<typeof afterPhoto>[0], 'photoId'>,
  description = 'Photo test',
): Promise<{ caseId: string; photoId: string }> {
  const [row] = await sql<{ id: string }[]>`
    insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day, route_position, version)
    values ('SIDEWALK', ${description}, 42.35, -86.97, '100 Test St', 'assigned', 'streets-a', '2026-06-10', 97, 2)
    returning id::text`;
  await device.pullAll();
  const photoId = uuidv7();
  const [outcome] = await device.send(device.make('attach_photo', row!.id, afterPhoto({ photoId, ...photo })));
  if (outcome?.outcome !== 'applied') throw new Error(`attach_photo was ${outcome?.outcome}: ${outcome?.message}`);
  return { caseId: row!.id, photoId };
}

/** A device: its id, its session, its sequence, and the versions it last saw. */
export class TestDevice {
  readonly clientId: string;
  seq = 0;
  readonly seen = new Map<string, number>();
  readonly baseUrl: string;
  readonly headers: Record<string, string>;

  constructor(baseUrl: string, headers: Record<string, string>, name: string) {
    this.baseUrl = baseUrl;
    this.headers = headers;
    this.clientId = `${name}-${uuidv7().slice(-8)}`;
  }

  /** Builds a mutation against the version this device last saw of the case. */
  make<K extends Mutation['kind']>(kind: K, caseId: string, payload: Payloads[K]): Mutation {
    return {
      id: uuidv7(),
      clientId: this.clientId,
      seq: this.seq++,
      caseId,
      baseVersion: this.seen.get(caseId) ?? 0,
      deviceTime: new Date().toISOString(),
      kind,
      payload,
    } as Mutation;
  }

  async push(
    mutations: Mutation[],
    protocol: number = PROTOCOL_VERSION,
  ): Promise<{ status: number; outcomes: Outcome[]; body: unknown }> {
    const res = await fetch(`${this.baseUrl}/api/sync/push`, {
      method: 'POST',
      headers: { ...this.headers, 'content-type': 'application/json', [PROTOCOL_HEADER]: String(protocol) },
      body: JSON.stringify({ clientId: this.clientId, mutations }),
    });
    // A proxy's error page (a 502 from nginx) is no JSON: kept as text.
    const text = await res.text();
    let body: { outcomes?: Outcome[] } | string;
    try {
      body = JSON.parse(text) as { outcomes?: Outcome[] };
    } catch {
      body = text;
    }
    return { status: res.status, outcomes: typeof body === 'string' ? [] : (body.outcomes ?? []), body };
  }

  /** Pushes and expects a 200. */
  async send(...mutations: Mutation[]): Promise<Outcome[]> {
    const r = await this.push(mutations);
    if (r.status !== 200) throw new Error(`push failed ${r.status}: ${JSON.stringify(r.body)}`);
    return r.outcomes;
  }

  /**
   * A pull as a device that knows it is behind (`behind=1`, as after a hint or "Sync now"):
   * the tests that change something and pull check the database's answer. `{ behind: false }`
   * is a device polling, which an instance may answer from memory (`quiet-pull.pg.test.ts`).
   */
  async pull(cursor = '0', limit = 500, { behind = true, prime = cursor === '0' } = {}): Promise<PullResponse> {
    const q = `cursor=${cursor}&limit=${limit}&clientId=${this.clientId}${behind ? '&behind=1' : ''}${prime ? '&prime=1' : ''}`;
    const res = await fetch(`${this.baseUrl}/api/sync/pull?${q}`, {
      headers: { ...this.headers, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
    });
    if (res.status !== 200) throw new Error(`pull failed ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as PullResponse;
    for (const c of page.cases) this.seen.set(c.id, c.version);
    for (const id of page.departures) this.seen.delete(id); // the case left this crew
    return page;
  }

  /** Pulls every page from `cursor` to the head. */
  async pullAll(cursor = '0'): Promise<{ cursor: string; pages: PullResponse[] }> {
    const pages: PullResponse[] = [];
    for (;;) {
      const page = await this.pull(cursor);
      pages.push(page);
      cursor = page.cursor;
      if (!page.hasMore) return { cursor, pages };
    }
  }
}
