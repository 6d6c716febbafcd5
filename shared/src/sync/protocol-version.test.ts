import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PROTOCOL_VERSION } from './protocol-version.ts';
import { Mutation } from './mutation.ts';
import { Outcome } from './outcome.ts';
import { PushRequest, PushResponse } from './push.ts';
import { PullQuery, PullResponse } from './pull.ts';

/**
 * The hash of every sync message's JSON Schema, per protocol version. When this test fails,
 * the wire format changed: bump PROTOCOL_VERSION (with a line in its history) and pin the
 * new hash here. Old devices are then told to update instead of failing in odd ways.
 */
const PINNED: Record<number, string> = {
  1: '636c1ae2c501b03307a9deb2b7f62f2eb945279e01c8e03726413fc08c4076b7',
  2: '0d0be4ea5ed96ca903aebc24fd18486b2dcd1ec285b99761eb60a84c2f0903ec',
  3: '0a088a01616bd2da821c7cdd8a70def130df356b085108cab5be0041ec4237be',
  4: 'd5dbf95dfe87f4be6440d1b18d682d68199fdb1ba48f1486a820ad14b6b3af3f',
  5: '1468677ce9c3a5431badf019bbe9a4d6aa77d023879617783d78b4e0678e66ba',
  6: '8b034c43b0260646f9dfa3a8f403a3edbdcb7e66f8663b0df58102285fa20e71',
  7: '7a9a2e29602c702c4ac97133f607bff4ae140dc9ca7a8dec671cd9f21e824a41',
};

async function wireHash(): Promise<string> {
  const schemas = { Mutation, Outcome, PushRequest, PushResponse, PullQuery, PullResponse };
  const json = Object.entries(schemas).map(([name, s]) => [
    name,
    z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }),
  ]);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(json)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

describe('sync protocol version', () => {
  it('changes whenever the wire format changes', async () => {
    expect(
      await wireHash(),
      `wire format changed: bump PROTOCOL_VERSION (now ${PROTOCOL_VERSION}) and pin the new hash`,
    ).toBe(PINNED[PROTOCOL_VERSION]);
  });
});
