/**
 * The residents' pages as an app of their own on the same origin: their manifest (in the
 * reader's language, starting at /report) and a service worker that keeps /report and /track
 * on the phone (`/service-worker.js?for=residents`: only those pages' files, none of the crew
 * app). A phone that already has a worker (a crew's tablet) keeps it: the crew's worker keeps
 * the residents' pages too, once opened.
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

/** Registers the residents' worker where no worker is installed yet. */
export async function registerResidentWorker(): Promise<void> {
  if (dev || typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  try {
    if (await navigator.serviceWorker.getRegistration('/')) return;
    await navigator.serviceWorker.register('/service-worker.js?for=residents', { type: 'module', scope: '/' });
  } catch (err) {
    // No worker (private mode, blocked): the pages work online; the report still waits on the phone.
    console.warn('The offline copy of these pages could not be installed', err);
  }
}
