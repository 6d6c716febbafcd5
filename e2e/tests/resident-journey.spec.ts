import { expect, test } from '@playwright/test';
import {
  WORKER,
  WORKER_B,
  apiSession,
  bigJpeg,
  devicePhotos,
  offlineReady,
  openCase,
  potholeJpeg,
  row,
  serverCase,
  serverDay,
  setSignal,
  signIn,
  stateBadge,
  synced,
} from '../support/app.ts';
import { linkIn, mailsTo, waitForMail } from '../support/mail.ts';

// The residents' whole journey, against the real server and real Chromium (issue 13's proof):
// a resident on a phone, in Spanish and with no signal, reports a pothole with a photo; it is
// sent when the signal returns and routed to the Streets crew of the place; that crew's tablet
// fixes it with no signal, with an after-photo; the resident gets exactly one Spanish "fixed"
// email over SMTP with the photo; its link shows the fix on /track, and "¿Sigue el problema?"
// reopens the case, which is routed back to the crew, and the crew's tablet shows it again.

// Old Town, on Cedar Ave: Streets Crew A's district.
const OLD_TOWN = { latitude: 42.35595, longitude: -86.9808 };

type FullCase = {
  id: string;
  state: string;
  crewId: string | null;
  assignedDay: string | null;
  address: string;
  reportPhotoIds: string[];
  version: number;
};

/** Width and height of a JPEG, from its start-of-frame marker. */
function jpegSize(bytes: Buffer): { width: number; height: number } | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  for (let i = 2; i + 9 < bytes.length;) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1]!;
    const length = bytes.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc3)
      return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
    i += 2 + length;
  }
  return null;
}

test('a resident reports a pothole offline in Spanish, gets one Spanish "fixed" email with the photo, and reopens the case from it', async ({
  browser,
  context: tablet,
  page: crew,
  playwright,
  baseURL,
  request,
}) => {
  test.setTimeout(150_000);

  // 1. The resident's phone, in Spanish, at the pothole.
  const phoneContext = await browser.newContext({
    locale: 'es-ES',
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    geolocation: OLD_TOWN,
    permissions: ['geolocation'],
  });
  const phone = await phoneContext.newPage();
  await phone.goto('/report');
  await expect(phone.getByRole('heading', { level: 1 })).toHaveText('Reportar un problema');
  await expect(phone.locator('html')).toHaveAttribute('lang', 'es');
  const potholePhoto = await potholeJpeg(phone);

  // No signal, for the page and for the service worker.
  await setSignal(phoneContext, false);
  await phone.getByLabel('Buscar el tipo de problema').fill('bache');
  await phone.getByText('Bache', { exact: true }).click();
  await expect(phone.getByRole('radio', { name: 'Bache' })).toBeChecked();
  await phone.getByText('Más grande que una llanta').click();
  await phone.getByRole('button', { name: 'Usar mi ubicación' }).click();
  await expect(phone.getByTestId('report-place')).toContainText('Lugar: su ubicación');
  await phone.getByLabel('¿Qué pasa y qué debe buscar la cuadrilla?').fill('Bache hondo frente a la panadería.');
  await phone
    .getByTestId('report-photo-input')
    .setInputFiles({ name: 'bache.jpg', mimeType: 'image/jpeg', buffer: potholePhoto });
  await expect(phone.getByRole('img', { name: 'Foto 1 del problema' })).toBeVisible({ timeout: 20_000 });
  const email = `vecina.${Date.now()}@example.org`;
  await phone.getByLabel('Su correo electrónico').fill(email);
  await expect(phone.getByRole('radio', { name: 'Español' })).toBeChecked();
  await phone.getByRole('button', { name: 'Enviar el reporte' }).click();
  const status = phone.getByTestId('report-status');
  await expect(status.getByRole('heading')).toHaveText('En espera de envío');
  await expect(status).toContainText('se enviará cuando vuelva la señal');

  // The signal returns: the report goes by itself, and the phone shows its case number.
  await setSignal(phoneContext, true);
  await expect(status.getByRole('heading')).toHaveText(/^Enviado\. Su número de caso es #\d+\.$/, { timeout: 45_000 });
  const caseId = /#(\d+)/.exec((await status.getByRole('heading').textContent()) ?? '')![1]!;

  // 2. Routed to Streets Crew A (potholes are Streets' work; Old Town is crew A's district),
  // on its day, with the resident's photo. Crew B may not even read it.
  const crewApi = await apiSession(playwright, baseURL!, WORKER);
  const routed = (await (await crewApi.get(`/api/cases/${caseId}`)).json()) as { case: FullCase };
  expect(routed.case).toMatchObject({ id: caseId, state: 'assigned', crewId: 'streets-a' });
  expect(routed.case.assignedDay).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  expect(routed.case.address).toMatch(/Cedar Ave/);
  expect(routed.case.reportPhotoIds).toHaveLength(1);
  expect((await serverDay(crewApi)).map((c) => c.id)).toContain(caseId);
  const crewBApi = await apiSession(playwright, baseURL!, WORKER_B);
  expect((await crewBApi.get(`/api/cases/${caseId}`)).status()).toBe(403);
  await crewBApi.dispose();
  // One "received" email so far, in Spanish.
  const received = await waitForMail(email, (m) => m.notice?.template === 'received');
  expect(received.subject).toBe(`Recibimos su reporte (caso #${caseId})`);

  // 3. The crew's tablet syncs and has the case in its day.
  await tablet.grantPermissions(['geolocation']);
  await tablet.setGeolocation(OLD_TOWN);
  await signIn(crew, WORKER);
  await synced(crew);
  await offlineReady(crew);
  await synced(crew);
  await expect(row(crew, caseId)).toContainText('Pothole');
  const afterJpeg = await bigJpeg(crew, 31);

  // No signal: start, take the after-photo, fix.
  await setSignal(tablet, false);
  await expect(crew.getByTestId('offline-indicator')).toBeVisible();
  await openCase(crew, caseId);
  await crew.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(stateBadge(crew)).toContainText('In progress');
  await expect(crew.getByRole('radio', { name: 'After' })).toBeChecked();
  await crew
    .getByTestId('photo-camera')
    .setInputFiles({ name: 'after.jpg', mimeType: 'image/jpeg', buffer: afterJpeg });
  await expect(crew.getByTestId('photo')).toHaveCount(1, { timeout: 20_000 });
  await crew.getByRole('button', { name: 'Fix', exact: true }).click();
  await expect(crew.getByTestId('fix-photos').getByRole('checkbox', { name: /After photo/ })).toBeChecked();
  await crew.getByRole('group', { name: 'What was done?' }).getByRole('radio').first().check();
  await crew.getByRole('button', { name: 'Save fix' }).click();
  await expect(crew.getByTestId('action-saved')).toContainText('Fix saved on this device');
  await expect(stateBadge(crew)).toContainText('Fixed');
  const [afterPhoto] = (await devicePhotos(crew)).filter((p) => p.caseId === caseId);
  expect(afterPhoto?.tag).toBe('after');
  // Nothing reached the server yet.
  expect((await serverCase(crewApi, caseId)).case.state).toBe('assigned');

  // The signal returns: the fix and its photo go up.
  await setSignal(tablet, true);
  await synced(crew, 60_000);
  await expect(crew.getByTestId('photo')).toHaveAttribute('data-state', 'done');
  const fixed = await serverCase(crewApi, caseId);
  expect(fixed.case.state).toBe('fixed');
  expect(fixed.events.filter((e) => e.kind === 'fixed').map((e) => e.data.photoIds)).toEqual([[afterPhoto!.id]]);
  await crew.getByRole('link', { name: /back to my day/i }).click();
  await expect(row(crew, caseId)).toContainText('Fixed');

  // 4. The mail server receives one Spanish "fixed" email for the case, with the after-photo.
  const fixedMail = await waitForMail(email, (m) => m.notice?.template === 'fixed', 60_000);
  expect(fixedMail.notice!.caseId).toBe(caseId);
  expect(fixedMail.lang).toBe('es');
  expect(fixedMail.subject).toBe(`Resuelto: Bache en ${routed.case.address} (caso #${caseId})`);
  expect(fixedMail.text).toContain('Su reporte está resuelto');
  expect(fixedMail.text).toContain(`El equipo terminó el trabajo en Bache en ${routed.case.address}.`);
  expect(fixedMail.text).toContain('¿Sigue el problema?');
  expect(fixedMail.text).toMatch(/Foto tomada a /);
  expect(fixedMail.text).not.toMatch(/\b(Fixed|Your report|The crew)\b/);
  // Its "still a problem?" page speaks Spanish too, read in an English browser (opening it
  // changes nothing: mail scanners open links).
  const stillPage = await request.get(linkIn(fixedMail, /\/still-a-problem\?token=/), {
    headers: { 'accept-language': 'en-US,en;q=0.9' },
  });
  expect(stillPage.status()).toBe(200);
  const stillHtml = await stillPage.text();
  expect(stillHtml).toContain('<html lang="es">');
  expect(stillHtml).toContain(`¿Sigue el problema del caso #${caseId}?`);
  expect(stillHtml).toContain('Sí, el problema sigue');
  // The photo travels inside the email, shown in its HTML, and is the crew's after-photo
  // (the server's thumbnail of it, byte for byte).
  expect(fixedMail.attachments).toHaveLength(1);
  const attached = fixedMail.attachments[0]!;
  expect(attached.contentType).toBe('image/jpeg');
  expect(fixedMail.html).toContain(`src="cid:${attached.cid}"`);
  expect(fixedMail.html).toContain('alt="Foto del trabajo terminado"');
  const size = jpegSize(attached.content);
  expect(size, 'a JPEG the mail client can show').not.toBeNull();
  expect(size!.width).toBeGreaterThan(0);
  const thumb = await crewApi.get(`/api/photos/${afterPhoto!.id}/thumb`);
  expect(thumb.status()).toBe(200);
  expect(Buffer.compare(await thumb.body(), attached.content)).toBe(0);
  // One so far (counted again at the end, once the reopening's notice came after it).
  const fixedMails = (await mailsTo(email)).filter((m) => m.notice?.template === 'fixed');
  expect(fixedMails.map((m) => m.notice!.caseId)).toEqual([caseId]);

  // 5. The email's link opens the case on the phone: fixed, in Spanish, with the crew's photo.
  await phone.goto(linkIn(fixedMail, new RegExp(`/track/${caseId}\\?k=`)));
  await expect(phone.getByRole('heading', { level: 1 })).toContainText(`Caso #${caseId}`);
  await expect(phone.getByTestId('case-state')).toHaveText('Estado: Arreglado');
  await expect(phone.getByText('Arreglado.', { exact: true })).toBeVisible();
  const fixPhoto = phone.getByRole('img', { name: 'Foto de la cuadrilla del trabajo terminado' });
  await expect(fixPhoto).toBeVisible();
  expect(await fixPhoto.getAttribute('src')).toContain(afterPhoto!.id);
  await expect.poll(() => fixPhoto.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
  // The key from the link stays on the phone, not in the address bar.
  expect(phone.url()).not.toContain('k=');

  // 6. "¿Sigue el problema?": the resident reopens it.
  await expect(phone.getByRole('heading', { name: '¿Sigue el problema?' })).toBeVisible();
  await phone.getByRole('button', { name: 'Sí, el problema sigue' }).click();
  await expect(phone.getByRole('status')).toContainText('El caso está abierto otra vez');
  // Routed again as a new report is: back with the district's crew, for today.
  await expect(phone.getByTestId('case-state')).toHaveText('Estado: Programado');
  await expect(phone.getByText('Reabierto: el problema seguía ahí.')).toBeVisible();

  // The crew's tablet syncs, and the case is open again in its day, with nobody at the desk.
  await crew.getByTestId('sync-now').click();
  await expect(row(crew, caseId)).toContainText('Assigned');
  await synced(crew);
  await openCase(crew, caseId);
  await expect(stateBadge(crew)).toContainText('Assigned');
  const reopened = (await (await crewApi.get(`/api/cases/${caseId}`)).json()) as {
    case: FullCase;
    events: { kind: string; data: Record<string, unknown> }[];
  };
  expect(reopened.case).toMatchObject({ state: 'assigned', crewId: 'streets-a' });
  expect(reopened.events.filter((e) => e.kind === 'reopened').map((e) => e.data.source)).toEqual(['resident']);

  // The resident was told of the reopening, in Spanish; still one "fixed" email, and one of
  // each other kind.
  const reopenedMail = await waitForMail(email, (m) => m.notice?.template === 'reopened');
  expect(reopenedMail.subject).toBe(`Reabrimos su caso #${caseId}`);
  const all = await mailsTo(email);
  expect(all.every((m) => m.notice?.caseId === caseId && m.lang === 'es')).toBe(true);
  expect(all.map((m) => m.notice?.template).sort()).toEqual(['fixed', 'received', 'reopened']);

  await crewApi.dispose();
  await phoneContext.close();
});
