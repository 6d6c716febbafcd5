import { dateIn, haversineMetres, hideContactDetails, type ResidentNotificationTemplate } from '@fieldfix/shared';
import type { NoticeFacts, NoticePhoto } from './notice.repo.ts';

/** What one notice says, in one language, before it is put into the email templates. */
export type NoticeContent = {
  lang: 'en' | 'es';
  subject: string;
  headline: string;
  paragraphs: string[];
  /** A quoted note from the crew or the city, shown apart from our own words. */
  note: string | null;
  /** Proof of the fix, in plain words: where and when the after-photo was taken. */
  proof: string | null;
  links: { href: string; label: string }[];
  footer: string;
  unsubscribeLabel: string;
  photoAlt: string;
};

/** The links a notice carries; `stillAProblemUntil`: the last second its "still a problem?" link works. */
export type NoticeLinks = { track: string; stillAProblem: string | null; stillAProblemUntil: Date | null };

const CLOSE_REASONS_ES: Record<string, string> = {
  duplicate: 'Es un duplicado de otro caso',
  not_city_responsibility: 'No es responsabilidad de la ciudad',
  cannot_locate: 'No se pudo encontrar el problema',
  no_action_needed: 'No hace falta ninguna acción',
};

/**
 * The demo catalogue's types in Spanish: the names the residents' pages give them
 * (`svc_*` in field-app/messages/es.json; a test keeps the two the same). A type the city
 * added later, with no Spanish name here, keeps its catalogue name.
 */
export const SERVICE_NAMES_ES: Record<string, string> = {
  POTHOLE: 'Bache',
  SIDEWALK: 'Acera dañada',
  DEBRIS: 'Escombros en la calle',
  MISSED_PICKUP: 'Basura no recogida',
  DUMPING: 'Vertido ilegal',
  GRAFFITI: 'Grafiti',
  FALLEN_LIMB: 'Rama caída',
  TREE_TRIM: 'Poda de árboles',
  STREETLIGHT: 'Farola apagada',
  SIGNAL: 'Semáforo con problemas',
  SIGN: 'Señal de tráfico dañada',
};

/** The type's name in the notice's language. */
export const serviceNameIn = (facts: Pick<NoticeFacts, 'serviceCode' | 'serviceName'>, lang: 'en' | 'es'): string =>
  (lang === 'es' ? SERVICE_NAMES_ES[facts.serviceCode] : undefined) ?? facts.serviceName;

/**
 * Someone's words quoted in a notice (a crew's note on a fix or a close): followers
 * are anyone who confirmed an email address, so no contact details, as on the public pages.
 */
function quoted(v: unknown): string | null {
  return typeof v === 'string' && v.trim() ? hideContactDetails(v.trim()) : null;
}

/** Builds the words of a notice from its facts. Pure: the clock and the zone are passed in. */
export function noticeContent(
  template: ResidentNotificationTemplate,
  facts: NoticeFacts,
  lang: 'en' | 'es',
  links: NoticeLinks,
  timeZone: string,
): NoticeContent {
  const es = lang === 'es';
  // The address as the reporter typed it goes to every follower: no contact details in it, as on the public pages.
  const address = facts.address ? hideContactDetails(facts.address) : '';
  const what = `${serviceNameIn(facts, lang)}${address ? (es ? ` en ${address}` : ` at ${address}`) : ''}`;
  const id = facts.caseId;
  const data = facts.event?.data ?? {};
  const note = quoted(data.note);
  const track = { href: links.track, label: es ? 'Ver el estado del caso' : 'See where your case stands' };
  const base = {
    lang,
    note: null as string | null,
    proof: null as string | null,
    footer: es
      ? `Recibe este mensaje porque reportó o sigue el caso #${id} de la ciudad.`
      : `You receive this because you reported or follow city case #${id}.`,
    unsubscribeLabel: es ? 'Dejar de recibir avisos de este caso' : 'Stop notices about this case',
    photoAlt: es ? 'Foto del trabajo terminado' : 'Photo of the finished work',
  };
  switch (template) {
    case 'received':
      return {
        ...base,
        subject: es ? `Recibimos su reporte (caso #${id})` : `We received your report (case #${id})`,
        headline: es ? 'Recibimos su reporte' : 'We received your report',
        // Routed straight to a crew (the city's routing rules), it is scheduled already: said
        // here, as no "scheduled" notice follows.
        paragraphs: facts.scheduled
          ? [
              es
                ? `Su reporte de ${what} es el caso #${id}. ${facts.scheduled.crewName} tiene previsto trabajar en él el ${formatDay(facts.scheduled.day, lang)}. Le avisaremos cuando esté resuelto.`
                : `Your report of ${what} is case #${id}. ${facts.scheduled.crewName} plans to work on it on ${formatDay(facts.scheduled.day, lang)}. We will tell you when it is fixed.`,
            ]
          : [
              es
                ? `Su reporte de ${what} es el caso #${id}. Le avisaremos cuando tenga fecha y cuando esté resuelto.`
                : `Your report of ${what} is case #${id}. We will tell you when it is scheduled and when it is fixed.`,
            ],
        links: [track],
      };
    case 'scheduled': {
      const day = typeof data.day === 'string' ? formatDay(data.day, lang) : null;
      const crew = facts.crewName ?? (es ? 'Un equipo de la ciudad' : 'A city crew');
      return {
        ...base,
        subject: es ? `Su caso #${id} tiene fecha` : `Your case #${id} is scheduled`,
        headline: es ? 'Su caso tiene fecha' : 'Your case is scheduled',
        paragraphs: [
          day
            ? es
              ? `${crew} tiene previsto trabajar en ${what} el ${day}.`
              : `${crew} plans to work on ${what} on ${day}.`
            : es
              ? `${crew} trabajará en ${what}.`
              : `${crew} will work on ${what}.`,
        ],
        links: [track],
      };
    }
    case 'fixed': {
      const photo = facts.photos.find((p) => p.complete) ?? facts.photos[0] ?? null;
      // The city's last day the link works (it lasts to that day's end).
      const until = links.stillAProblemUntil ? formatDay(dateIn(links.stillAProblemUntil, timeZone), lang) : null;
      return {
        ...base,
        note,
        proof: photo ? photoProof(photo, facts, lang, timeZone) : null,
        subject: es ? `Resuelto: ${what} (caso #${id})` : `Fixed: ${what} (case #${id})`,
        headline: es ? 'Su reporte está resuelto' : 'Your report is fixed',
        paragraphs: [
          es ? `El equipo terminó el trabajo en ${what}.` : `The crew finished the work on ${what}.`,
          ...(links.stillAProblem
            ? [
                es
                  ? `¿Sigue el problema? Díganos${until ? ` antes del ${until}` : ''} y reabriremos el caso.`
                  : `Still a problem? Tell us${until ? ` by ${until}` : ''} and we will reopen the case.`,
              ]
            : []),
        ],
        links: [
          ...(links.stillAProblem
            ? [{ href: links.stillAProblem, label: es ? 'Todavía hay un problema' : 'It is still a problem' }]
            : []),
          track,
        ],
      };
    }
    case 'closed': {
      // Merged as a duplicate: the work goes on under the other case, whose notices follow.
      const into = facts.event?.kind === 'merged' && typeof data.intoCaseId === 'string' ? data.intoCaseId : null;
      if (into) {
        return {
          ...base,
          subject: es ? `Su caso #${id} sigue en el caso #${into}` : `Your case #${id} continues as case #${into}`,
          headline: es ? 'Su reporte se unió a otro caso' : 'Your report joined another case',
          paragraphs: [
            es
              ? `Otra persona ya había reportado ${what}: es el caso #${into}. Cerramos el caso #${id} como duplicado y seguimos el trabajo en el caso #${into}. Le avisaremos de ese caso, también cuando esté resuelto.`
              : `${what} was already reported as case #${into}. We closed case #${id} as a duplicate and follow the work on case #${into}. You will get that case's notices, including when it is fixed.`,
          ],
          links: [track],
        };
      }
      const code = typeof data.reason === 'string' ? data.reason : null;
      const reason = (es && code ? CLOSE_REASONS_ES[code] : null) ?? facts.closeReasonLabel ?? code;
      return {
        ...base,
        note,
        subject: es ? `Caso #${id} cerrado sin arreglo` : `Case #${id} closed without a fix`,
        headline: es ? 'Cerramos su caso sin arreglo' : 'We closed your case without a fix',
        paragraphs: [
          reason
            ? es
              ? `Cerramos el caso de ${what}. El motivo: ${lowerFirst(reason)}.`
              : `We closed the case of ${what}. The reason: ${lowerFirst(reason)}.`
            : es
              ? `Cerramos el caso de ${what}.`
              : `We closed the case of ${what}.`,
        ],
        links: [track],
      };
    }
    case 'reopened': {
      // A lead's reason to reopen is staff's words, not published (as on the public page);
      // a resident's "still a problem" is said in the notice's own language.
      const byResident = data.source === 'resident';
      return {
        ...base,
        subject: es ? `Reabrimos su caso #${id}` : `Your case #${id} is open again`,
        headline: es ? 'Reabrimos su caso' : 'Your case is open again',
        paragraphs: [
          es ? `Volvemos a trabajar en ${what}.` : `We are working on ${what} again.`,
          ...(byResident
            ? [
                es
                  ? 'Un vecino nos dijo que el problema sigue, y el caso vuelve a la cola de trabajo.'
                  : 'A resident told us it is still a problem, so the case is back in the queue.',
              ]
            : []),
        ],
        links: [track],
      };
    }
  }
}

/** "Photo taken 12 m from your report, at 10:42." from the photo's position and time. */
export function photoProof(
  photo: NoticePhoto,
  place: { lat: number; long: number },
  lang: 'en' | 'es',
  timeZone: string,
) {
  const es = lang === 'es';
  const at = photo.takenAt
    ? new Intl.DateTimeFormat(es ? 'es' : 'en-US', {
        timeZone,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23', // 00:05 after midnight (`hour12: false` says 24:05 in English)
      }).format(photo.takenAt)
    : null;
  if (photo.lat === null || photo.long === null) {
    if (!at) return es ? 'La foto no tiene ni hora ni lugar.' : 'The photo has no time or place.';
    return es ? `Foto tomada a las ${at} (sin posición).` : `Photo taken at ${at} (no position recorded).`;
  }
  const far = distanceWords(metersBetween(photo, place));
  if (!at) return es ? `Foto tomada a ${far} de su reporte.` : `Photo taken ${far} from your report.`;
  return es ? `Foto tomada a ${far} de su reporte, a las ${at}.` : `Photo taken ${far} from your report, at ${at}.`;
}

/** Great-circle distance in metres: the shared haversine (a missing position is the caller's to rule out). */
export function metersBetween(
  a: { lat: number | null; long: number | null },
  b: { lat: number; long: number },
): number {
  return haversineMetres({ lat: a.lat!, long: a.long! }, b);
}

function distanceWords(m: number): string {
  if (m < 1000) return `${Math.round(m)} m`;
  return `${(m / 1000).toFixed(1)} km`;
}

function formatDay(isoDay: string, lang: 'en' | 'es'): string {
  const d = new Date(`${isoDay}T12:00:00Z`);
  if (Number.isNaN(d.getTime())) return isoDay;
  return new Intl.DateTimeFormat(lang === 'es' ? 'es' : 'en-US', {
    timeZone: 'UTC',
    weekday: 'long',
    day: 'numeric',
    month: 'long',
  }).format(d);
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
