/**
 * Cases' histories kept on the device, so the case page shows them with no signal: fetched in
 * the background after each sync for every case on the device (`#lib/sync/case-histories.ts`)
 * and again when a case is opened online. Each is kept with the case version it describes and
 * the names of the crews and departments it mentions, so nobody reads a raw id, offline too.
 */
import { liveQuery, type Observable } from 'dexie';
import { isOpen, type CaseEvent, type CaseRecord, type Names, type ServiceType } from '@fieldfix/shared';
import { db, type CaseHistoryRow } from './database.ts';

/** A stored history with what this module adds to the table's row (rows from older versions lack both). */
export interface StoredHistory extends CaseHistoryRow {
  /** The case's version the history is complete up to; missing on rows stored before it was kept. */
  version?: number;
  /** Names of the crews and departments the server knew when it sent the history. */
  names?: Names;
}

/** A history as the server sends it (`GET /api/cases/:id`, `POST /api/cases/histories`). */
export interface HistoryFromServer {
  caseId: string;
  version: number;
  events: CaseEvent[];
  names: Names;
}

export const NO_NAMES: Names = { crews: {}, departments: {} };

/** A case's history as last received from the server (`null` until it has been fetched once). */
export function watchCaseHistory(caseId: string): Observable<StoredHistory | null> {
  return liveQuery(async () => ((await db().caseHistory.get(caseId)) as StoredHistory | undefined) ?? null);
}

/** The stored history of one case, read once. */
export async function getCaseHistory(caseId: string): Promise<StoredHistory | null> {
  return ((await db().caseHistory.get(caseId)) as StoredHistory | undefined) ?? null;
}

function row(h: HistoryFromServer, fetchedAt: string): StoredHistory {
  return { caseId: h.caseId, events: h.events, version: h.version, names: h.names, fetchedAt };
}

/** Keeps one case's history from the server for offline reading. */
export async function saveCaseHistory(h: HistoryFromServer, fetchedAt = new Date().toISOString()): Promise<void> {
  await db().caseHistory.put(row(h, fetchedAt));
}

/**
 * Keeps several histories in one transaction. Only for cases still on the device (one may
 * have left while the request was out), and never over a newer one (a case page may have
 * stored its history meanwhile). Answers how many were stored.
 */
export async function saveCaseHistories(
  histories: Omit<HistoryFromServer, 'names'>[],
  names: Names,
  fetchedAt = new Date().toISOString(),
): Promise<number> {
  const d = db();
  return d.transaction('rw', [d.cases, d.caseHistory], async () => {
    const ids = histories.map((h) => h.caseId);
    const [cases, stored] = await Promise.all([d.cases.bulkGet(ids), d.caseHistory.bulkGet(ids)]);
    const rows: StoredHistory[] = [];
    histories.forEach((h, i) => {
      const old = stored[i] as StoredHistory | undefined;
      if (!cases[i]) return;
      if (old?.version !== undefined && (old.version > h.version || old.fetchedAt > fetchedAt)) return;
      rows.push(row({ ...h, names }, fetchedAt));
    });
    await d.caseHistory.bulkPut(rows);
    return rows.length;
  });
}

/**
 * The cases on the device whose stored history is missing or out of date, open cases first
 * (they are the day's work), then by id. Out of date: older than the case's version, or
 * received before one of this device's changes to it was applied (a note or a photo adds to
 * the history without moving the case's version).
 */
export async function historiesMissing(): Promise<string[]> {
  const d = db();
  return d.transaction('r', [d.cases, d.caseHistory, d.outcomes], async () => {
    const [cases, stored, outcomes] = await Promise.all([
      d.cases.toArray(),
      d.caseHistory.toArray(),
      d.outcomes.filter((o) => o.outcome === 'applied' || o.outcome === 'merged').toArray(),
    ]);
    const have = new Map((stored as StoredHistory[]).map((h) => [h.caseId, h]));
    const lastApplied = new Map<string, string>();
    for (const o of outcomes) {
      const id = o.landedOnCaseId ?? o.caseId;
      if ((lastApplied.get(id) ?? '') < o.at) lastApplied.set(id, o.at);
    }
    const stale = (c: CaseRecord) => {
      const h = have.get(c.id);
      if (!h || (h.version ?? 0) < c.version) return true;
      const applied = lastApplied.get(c.id);
      return applied !== undefined && applied > h.fetchedAt;
    };
    const closed = (c: CaseRecord) => (isOpen(c.state) ? 0 : 1);
    return cases
      .filter(stale)
      .sort((a, b) => closed(a) - closed(b) || Number(a.id) - Number(b.id))
      .map((c) => c.id);
  });
}

/** One service type from the stored catalogue (a case read from the server, not on the device). */
export async function serviceTypeFor(code: string): Promise<ServiceType | null> {
  return (await db().serviceTypes.get(code)) ?? null;
}
