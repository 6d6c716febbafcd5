/**
 * The residents' pages as an app of their own on the same origin: their manifest (in the
 * reader's language, starting at /report) and a service worker that keeps the report form on
 * the phone (`/service-worker.js?for=residents`: only the residents' files, none of the crew
 * app), registered for `/report` alone, so it never stands in the crew app's way: a crew's
 * tablet keeps its own worker at `/`.
 */
import { dev } from '$app/env';

const MANIFESTS = { en: '/residents.webmanifest', es: '/residents.es.webmanifest' } as const;

/**
 * Points the page's manifest at the residents' app in `lang`; the function returned puts the
 * crew app's back (app.html's), for when the person leaves for a staff page.
 */
export function useResidentManifest(lang: string): () => void {
  const link = document.querySelector<HTMLLinkElement>('link[rel="manifest"]');
  if (!link) return () => {};
  const crew = link.getAttribute('href');
  link.setAttribute('href', lang === 'es' ? MANIFESTS.es : MANIFESTS.en);
  return () => {
    if (crew) link.setAttribute('href', crew);
  };
}

export const RESIDENT_SCOPE = '/report';

/** Registers the residents' worker for `/report` (again: the browser checks for a new version). */
export async function registerResidentWorker(): Promise<void> {
  if (dev || typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  try {
    await navigator.serviceWorker.register('/service-worker.js?for=residents', {
      type: 'module',
      scope: RESIDENT_SCOPE,
    });
  } catch (err) {
    // No worker (private mode, blocked): the pages work online; the report still waits on the phone.
    console.warn('The offline copy of these pages could not be installed', err);
  }
}
