/**
 * Live reads for pages: each emits again whenever a table it read changes, in this tab or
 * another (Dexie's liveQuery), so the optimistic view is recomputed on every change.
 */
import { liveQuery, type Observable } from 'dexie';
import type { CaseRecord, ServiceType, SessionResponse } from '@fieldfix/shared';
import { db, getMeta, type OutcomeRow, type PendingRow } from './database.ts';

/** Everything the device holds about cases: what the day list is computed from. */
export interface DeviceCases {
  cases: CaseRecord[];
  pending: PendingRow[];
  /** Outcomes of this device's changes (to bridge applied ones until the pull). */
  outcomes: OutcomeRow[];
  serviceTypes: Record<string, ServiceType>;
  lastSyncedAt: string | null;
}

export function watchDeviceCases(): Observable<DeviceCases> {
  return liveQuery(async () => {
    const d = db();
    const [cases, pending, outcomes, types, lastSyncedAt] = await Promise.all([
      d.cases.toArray(),
      d.pending.orderBy('seq').toArray(),
      d.outcomes.filter((o) => o.outcome === 'applied' || o.outcome === 'merged').toArray(),
      d.serviceTypes.toArray(),
      getMeta('lastSyncedAt'),
    ]);
    return {
      cases,
      pending,
      outcomes,
      serviceTypes: Object.fromEntries(types.map((t) => [t.code, t])),
      lastSyncedAt: lastSyncedAt ?? null,
    };
  });
}

export interface CaseData {
  record: CaseRecord | null;
  serviceType: ServiceType | null;
  /** This case's changes waiting to sync, oldest first. */
  pending: PendingRow[];
  /** Outcomes of this device's changes to this case (or that landed on it), newest first. */
  outcomes: OutcomeRow[];
}

/** One case, its service type, its pending changes and outcomes. */
export function watchCase(id: string): Observable<CaseData> {
  return liveQuery(async () => {
    const d = db();
    const [record, pending, outcomes] = await Promise.all([
      d.cases.get(id),
      d.pending.where('caseId').equals(id).sortBy('seq'),
      d.outcomes.filter((o) => o.caseId === id || o.landedOnCaseId === id).toArray(),
    ]);
    const serviceType = record ? ((await d.serviceTypes.get(record.serviceCode)) ?? null) : null;
    outcomes.sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0) || b.at.localeCompare(a.at));
    return { record: record ?? null, serviceType, pending, outcomes };
  });
}

export interface OutboxSummary {
  /** Every change waiting on the device. */
  pending: number;
  /** Those made by someone other than `userId` (they sync when that person signs in). */
  others: { name: string; count: number }[];
  /** `userId`'s changes the server refused as malformed; they stay until tried again or discarded. */
  blocked: PendingRow[];
  lastSyncedAt: string | null;
}

export function watchOutbox(userId: string | null): Observable<OutboxSummary> {
  return liveQuery(async () => {
    const d = db();
    const [rows, lastSyncedAt] = await Promise.all([d.pending.orderBy('seq').toArray(), getMeta('lastSyncedAt')]);
    const others = new Map<string, { name: string; count: number }>();
    for (const r of rows) {
      if (r.userId === userId) continue;
      const o = others.get(r.userId) ?? { name: r.userName, count: 0 };
      o.count++;
      others.set(r.userId, o);
    }
    return {
      pending: rows.length,
      others: [...others.values()],
      blocked: rows.filter((r) => r.blocked && r.userId === userId),
      lastSyncedAt: lastSyncedAt ?? null,
    };
  });
}

/**
 * Outcomes `userId` should read: of their changes (or of no one known), not applied, not
 * dismissed; newest first. Another person's wait for them to sign in here again.
 */
export function watchAttention(userId: string | null): Observable<OutcomeRow[]> {
  return liveQuery(async () => {
    const rows = await db()
      .outcomes.filter((o) => o.outcome !== 'applied' && !o.dismissed && (o.userId ?? userId) === userId)
      .toArray();
    return rows.sort((a, b) => b.at.localeCompare(a.at) || (b.seq ?? 0) - (a.seq ?? 0));
  });
}

/** When the device last finished a sync (server clock, ISO). */
export function watchLastSyncedAt(): Observable<string | null> {
  return liveQuery(async () => (await getMeta('lastSyncedAt')) ?? null);
}

/** The stored session; emits again when someone signs in or out. */
export function watchSession(): Observable<SessionResponse | null> {
  return liveQuery(async () => (await db().session.get('current'))?.session ?? null);
}
