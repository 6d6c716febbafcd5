import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { ResidentNotificationsResponse } from '@fieldfix/shared';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { listResidentNotifications, queueResidentNotifications } from './resident-notification.repo.ts';

// Resident notifications (SPEC.md R10): queued once per event, read by administrators only.

let t: TestApp;
let caseId: string;

beforeAll(async () => {
  t = await createTestApp();
  const [row] = await t.db.sql<{ id: string }[]>`
    insert into cases (service_code, description, lat, long, address, state, version)
    values ('SIDEWALK', 'Test case', 42.35, -86.97, '100 Test St', 'new', 1)
    returning id::text`;
  caseId = row!.id;
});
afterAll(async () => {
  if (quietLogger.errors.length) console.error('server errors:', quietLogger.errors);
  await t?.close();
});

describe('queueing resident notifications', () => {
  it('[R10] queues a notification once per change and template, with when the change happened', async () => {
    const mutationId = uuidv7();
    const happenedAt = '2026-06-09T08:30:00.000Z';
    const fixed = { caseId, template: 'fixed', mutationId, happenedAt } as const;
    await queueResidentNotifications(t.db.sql, [fixed]);
    await queueResidentNotifications(t.db.sql, [fixed]); // a replay
    await queueResidentNotifications(t.db.sql, [{ ...fixed, template: 'closed' }]);
    await queueResidentNotifications(t.db.sql, []);
    const queued = (await listResidentNotifications(t.db.sql, { caseId })).filter((n) => n.mutationId === mutationId);
    expect(queued.map((n) => [n.template, n.happenedAt, n.sentAt, n.attempts]).sort()).toEqual([
      ['closed', happenedAt, null, 0],
      ['fixed', happenedAt, null, 0],
    ]);
  });
});

describe('GET /api/admin/outbox', () => {
  it('[R10] lists a case’s notifications to admins, in the shared shape, and to nobody else', async () => {
    await queueResidentNotifications(t.db.sql, [
      { caseId, template: 'scheduled', mutationId: uuidv7(), happenedAt: new Date().toISOString() },
    ]);
    const admin = await t.login('admin@riverton.example');
    const res = await t.app.request(`/api/admin/outbox?caseId=${caseId}`, { headers: admin });
    expect(res.status).toBe(200);
    const body = ResidentNotificationsResponse.parse(await res.json());
    expect(body.notices.length).toBeGreaterThan(0);
    expect(body.notices.every((n) => n.caseId === caseId)).toBe(true);
    expect(JSON.stringify(body)).not.toMatch(/@|email|phone/);

    const lead = await t.login('lead@riverton.example');
    const worker = await t.login('worker@riverton.example');
    expect((await t.app.request('/api/admin/outbox', { headers: lead })).status).toBe(403);
    expect((await t.app.request('/api/admin/outbox?caseId=x', { headers: worker })).status).toBe(403);
    expect((await t.app.request('/api/admin/outbox')).status).toBe(401);
    expect((await t.app.request('/api/admin/outbox?caseId=x', { headers: admin })).status).toBe(400);
  });
});
