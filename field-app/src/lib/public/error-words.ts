/**
 * The error page's words for a resident, in their language (English or Spanish).
 *
 * SvelteKit loads the root error page with every page, so `/track` pays for whatever it
 * imports (its budget is 50 KB). The words load only when the error page shows, from the
 * network or, with no signal, from a resident's phone, which keeps this module
 * (`RESIDENT_LAZY_SOURCES` in tools/precache-plan.ts).
 *
 * Its words are its own (`error_*`), though some read as the residents' menu does: a message
 * this module shared with the pages would be split into a chunk of its own, and /track would
 * load one more file.
 */
import { m } from './paraglide/messages.js';
import { getLocale } from './paraglide/runtime.js';

export interface ErrorWords {
  lang: string;
  title: string;
  body: string;
  /** "Try again", for a page that could not load (not for an address with no page). */
  retry: string | null;
  report: string;
  track: string;
}

/** `offline`: the browser knows it has no signal (the map and the figures need one). */
export function errorWords(notFound: boolean, offline: boolean): ErrorWords {
  return {
    lang: getLocale(),
    title: notFound ? m.error_not_found_title() : offline ? m.error_offline_title() : m.error_title(),
    body: notFound ? m.error_not_found_body() : offline ? m.error_offline_body() : m.error_body(),
    retry: notFound ? null : m.error_retry(),
    report: m.error_report(),
    track: m.error_track(),
  };
}
