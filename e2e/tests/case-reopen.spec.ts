import { expect, test } from '@playwright/test';
import { LEAD, apiSession, pushOne, serverCase, signIn, stateBadge, synced } from '../support/app.ts';
import { waitForMail } from '../support/mail.ts';

// A lead reopens a closed case from its page (R10), against the real server: the case, read
// from the server (it is on no device), offers "Reopen" to its department's lead; the reason
// is asked; the case goes back to new with no crew, and the resident who reported it gets a
// "reopened" email from the SMTP server on loopback. The case is the test's own.

test('a lead reopens a cancelled case from its page: back to new with no crew, and the resident is told', async ({
  page,
  playwright,
  baseURL,
  request,
}) => {
  const email = `reopen.${Date.now()}@example.org`;
  const made = await request.post('/open311/v2/requests.json', {
    form: {
      api_key: 'fieldfix-demo-open311-key',
      service_code: 'SIDEWALK',
      lat: '42.3571',
      long: '-86.9731',
      description: 'Cracked slab by the bus stop, reopen test',
      email,
      'attribute[hazard]': 'no',
    },
  });
  expect(made.status(), await made.text()).toBe(200);
  const id = ((await made.json()) as { service_request_id: string }[])[0]!.service_request_id;
  const api = await apiSession(playwright, baseURL!, LEAD);
  expect(await pushOne(api, id, 'cancel', { reason: 'no_action_needed', note: '' })).toBe('applied');
  await waitForMail(email, (m) => m.notice?.template === 'closed');

  await signIn(page, LEAD);
  await page.goto(`/cases/${id}`);
  await expect(stateBadge(page)).toContainText('Closed');
  // Its name gains a ▾ while its form is open.
  const reopen = page.getByTestId('case-actions').getByRole('button', { name: /^Reopen( ▾)?$/ });
  await reopen.click();
  await expect(reopen).toHaveAttribute('aria-expanded', 'true');
  await page.getByLabel('Why is the case being reopened?').fill('The resident called: the slab is still cracked.');
  await page.getByRole('button', { name: 'Reopen the case' }).click();
  await expect(page.getByTestId('action-saved')).toContainText('Reopen saved on this device');
  await synced(page);

  expect((await serverCase(api, id)).case).toMatchObject({ state: 'new', crewId: null, cancelled: false });
  await expect(page.getByTestId('action-saved')).toHaveText('Reopen saved on this device, and synced.');
  await expect(stateBadge(page)).toContainText('New');
  // Open again: nothing to reopen.
  await expect(reopen).toHaveCount(0);
  await waitForMail(email, (m) => m.notice?.template === 'reopened');
  // The public page says the city reopened it: not the resident's "still there", nor the lead's words.
  const track = await page.context().browser()!.newPage({ locale: 'en-US' });
  await track.goto(`${baseURL}/track/${id}`);
  await expect(track.getByText('Reopened by the city: the case is open again.')).toBeVisible();
  await expect(track.getByText('the problem was still there')).toHaveCount(0);
  await expect(track.getByText('slab is still cracked')).toHaveCount(0);
  await track.close();

  // Leaves the city's queue as it found it for the tests that follow.
  expect(await pushOne(api, id, 'cancel', { reason: 'no_action_needed', note: 'Test case' })).toBe('applied');
  await api.dispose();
});
