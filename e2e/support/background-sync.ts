import { expect, type BrowserContext, type Page } from '@playwright/test';

/**
 * Background Sync with the page closed. Where the browser schedules it (Chromium with the API
 * on), the page must have registered `tag`, and the browser's own scheduling delivers the
 * `sync` event once the signal returns. Headless builds that refuse the API ("Background Sync
 * is disabled", the npm-registry one among them) get the same event from DevTools
 * (`ServiceWorker.dispatchSyncEvent`), fired from a blank tab with no page of the app open.
 *
 * `closeApp(page, tag)` checks the registration, opens a blank tab with DevTools on the
 * service workers, closes `page`, and returns `fire()`: call it once the signal is back.
 */
export async function closeAppForBackgroundSync(
  context: BrowserContext,
  page: Page,
  tag: string,
  opts: { mustSchedule?: boolean } = {},
): Promise<{ fire: () => Promise<void>; scheduled: boolean }> {
  const tags = () =>
    page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      const sync = (reg as unknown as { sync?: { getTags(): Promise<string[]> } })?.sync;
      try {
        return sync ? await sync.getTags() : 'no Background Sync API';
      } catch (err) {
        return String(err);
      }
    });
  const first = await tags();
  let scheduled = typeof first !== 'string';
  if (scheduled && (opts.mustSchedule ?? true)) await expect.poll(tags).toContain(tag);
  else if (scheduled) {
    // Not required (`mustSchedule: false`): a tag the browser does not list is fired by hand.
    await expect
      .poll(tags, { timeout: 10_000 })
      .toContain(tag)
      .catch(() => undefined);
    const listed = await tags();
    scheduled = typeof listed !== 'string' && listed.includes(tag);
    if (!scheduled) console.log(`The browser lists no "${tag}" sync: firing the sync event through DevTools`);
  } else
    console.log(`This Chromium refuses Background Sync (${String(first)}): firing the sync event through DevTools`);

  const origin = new URL(page.url()).origin;
  const scope = (await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.scope)) ?? '';
  const blank = await context.newPage();
  const cdp = await context.newCDPSession(blank);
  const registration = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const r = registrations.find((x) => x.scopeURL === scope && !x.isDeleted);
      if (r) resolve(r.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  const registrationId = await registration;
  await page.close();
  expect(context.pages().map((p) => p.url())).toEqual(['about:blank']);
  return {
    scheduled,
    fire: async () => {
      if (!scheduled)
        await cdp.send('ServiceWorker.dispatchSyncEvent', { origin, registrationId, tag, lastChance: false });
    },
  };
}
