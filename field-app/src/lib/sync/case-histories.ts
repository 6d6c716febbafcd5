/**
 * After each sync: keeps the history of every case on the device, so a case's history shows
 * with no signal even when it was never opened online. Asks the server (`POST
 * /api/cases/histories`, at most `MAX_HISTORIES` cases a request) for the cases whose stored
 * history is missing or older than the case, and stores each answer with the names of the
 * crews and departments it mentions. Background work: a batch that cannot be fetched now is
 * asked for after the next sync; the caller logs a failure and never lets it fail the sync.
 */
import { MAX_HISTORIES } from '@fieldfix/shared';
import { fetchCaseHistories, type ApiFailure } from '#lib/api/index.ts';
import { historiesMissing, saveCaseHistories } from '#lib/db/index.ts';

/** A request the server refused or did not understand: the caller logs it. */
export class HistoryFetchError extends Error {
  readonly failure: ApiFailure;
  constructor(failure: ApiFailure) {
    super(`Case histories: ${failure.message}`);
    this.failure = failure;
  }
}

/** Answers how many histories were stored; stops quietly when the signal goes. */
export async function keepCaseHistories(): Promise<number> {
  const ids = await historiesMissing();
  let stored = 0;
  for (let i = 0; i < ids.length; i += MAX_HISTORIES) {
    if (typeof navigator !== 'undefined' && navigator.onLine === false) break;
    const res = await fetchCaseHistories(ids.slice(i, i + MAX_HISTORIES));
    if (!res.ok) {
      if (res.error.kind === 'network') break; // no signal: the next sync asks again
      throw new HistoryFetchError(res.error);
    }
    stored += await saveCaseHistories(res.data.histories, res.data.names);
  }
  return stored;
}
