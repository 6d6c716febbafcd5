import { expect, request, test } from '@playwright/test';
import { LEAD, row, serverDay, signIn, synced, uuidv7 } from '../support/app.ts';

// A crew's tablet that is online hears of a lead's change as it commits (`/api/sync/live`)
// and pulls it at once: the day list shows it within seconds, not at the next poll (every
// 30 s, and every 2 minutes while the hints flow).

test("a lead's change shows on an open tablet within seconds, without waiting for the poll", async ({ page }) => {
  const hintStreams: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/sync/live') hintStreams.push(r.url());
  });
  await signIn(page);
  await synced(page);
  const day = await serverDay(page.request);
  const target = day.find((c) => c.state === 'assigned' || c.state === 'in_progress');
  expect(target, 'the demo crew has an open case').toBeTruthy();
  await expect(row(page, target!.id)).not.toContainText('Urgent');
  // Let the first sync's own triggers settle, so only the hint can bring the change.
  await page.waitForTimeout(1_500);

  const lead = await request.newContext({ baseURL: test.info().project.use.baseURL });
  expect((await lead.post('/api/auth/login', { data: LEAD })).status()).toBe(200);
  const { case: current } = (await (await lead.get(`/api/cases/${target!.id}`)).json()) as {
    case: { version: number };
  };
  const clientId = `e2e-hints-${Date.now()}`;
  const changedAt = Date.now();
  const res = await lead.post('/api/sync/push', {
    headers: { 'fieldfix-protocol': '4' },
    data: {
      clientId,
      sentAt: new Date().toISOString(),
      mutations: [
        {
          id: uuidv7(),
          clientId,
          seq: 0,
          caseId: target!.id,
          baseVersion: current.version,
          deviceTime: new Date().toISOString(),
          kind: 'set_priority',
          payload: { priority: 'urgent' },
        },
      ],
    },
  });
  expect(res.status(), await res.text()).toBe(200);
  await expect(row(page, target!.id)).toContainText('Urgent', { timeout: 10_000 });
  const seconds = (Date.now() - changedAt) / 1000;
  console.log(`The lead's change was on the tablet ${seconds.toFixed(1)} s after it was pushed`);
  // The poll would take up to 30 s; the hint a second or two.
  expect(seconds).toBeLessThan(4);
  expect(hintStreams.length).toBeGreaterThan(0);
  await lead.dispose();
});
