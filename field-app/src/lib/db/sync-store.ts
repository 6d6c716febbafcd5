/**
 * What the sync loop writes: pulled pages, the catalogue, the cursor, and pruning. Each pulled
 * page is applied in one transaction together with its cursor, so a reload or a crash between
 * pages resumes exactly where the device stopped.
 */
import { v7 as uuidv7 } from 'uuid';
import {
  CLOSED_KEPT_MS,
  isOpen,
  type PullResponse,
  type ServiceType,
  type StaffUser,
  PROTOCOL_VERSION,
} from '@fieldfix/shared';
import { db, type MetaRow } from './database.ts';
import { outcomeRow } from './outbox.ts';

/** Outcomes nobody needs to see again go after a week. */
const OUTCOMES_KEPT_MS = 7 * 24 * 60 * 60 * 1000;

export interface DeviceFacts {
  clientId: string;
  /** Where the next pull starts for this person; `'0'` primes the device. */
  cursor: string;
  /** The device is priming: from `'0'`, or a priming cut off before its last page. */
  priming: boolean;
}

/**
 * Whose cases a cursor counts: a person in one role, crew and department. A person moved to
 * another crew or department (or role) starts again from nothing, so the device gets every
 * case of the new scope, not only those that change after the move.
 */
export type CursorScope = Pick<StaffUser, 'id' | 'role' | 'crewId' | 'departmentId'>;

function cursorOwner(u: CursorScope): string {
  return `${u.id}|${u.role}|${u.crewId ?? ''}|${u.departmentId ?? ''}@v${PROTOCOL_VERSION}`;
}

/** This device's id (created on first use) and the cursor for the person's scope. */
export async function deviceFacts(user: CursorScope): Promise<DeviceFacts> {
  const d = db();
  return d.transaction('rw', [d.meta], async () => {
    const [idRow, cursorRow, ownerRow, primingRow] = await Promise.all([
      d.meta.get('clientId'),
      d.meta.get('cursor'),
      d.meta.get('cursorUserId'),
      d.meta.get('priming'),
    ]);
    let clientId = idRow?.value as string | undefined;
    if (!clientId) {
      clientId = uuidv7();
      await d.meta.put({ key: 'clientId', value: clientId });
    }
    // A cursor is good for one person's scope under one protocol version; otherwise prime again
    // (a new protocol may carry fields the stored cases lack).
    const mine = ownerRow?.value === cursorOwner(user);
    const cursor = mine ? ((cursorRow?.value as string | undefined) ?? '0') : '0';
    return { clientId, cursor, priming: cursor === '0' || (mine && primingRow?.value === true) };
  });
}

/** How many cases that left the device have their last version remembered (newest kept). */
const LEFT_VERSIONS_KEPT = 500;

/**
 * Applies one pulled page in one transaction: upserts cases; drops departed cases unless the
 * device still has work on them (those go once the work is sent); records outcomes and
 * deletes their pending mutations; saves the cursor. The first page of a priming pull
 * (cursor `'0'`) replaces the device's cases: the server is sending all of them.
 */
export async function applyPullPage(
  page: PullResponse,
  o: { user: CursorScope; replaceCases: boolean; priming?: boolean },
): Promise<void> {
  const d = db();
  const now = new Date().toISOString();
  await d.transaction('rw', [d.cases, d.pending, d.outcomes, d.meta], async () => {
    const departedRow = await d.meta.get('departed');
    const departed = new Set((departedRow?.value as string[] | undefined) ?? []);
    const left = new Map(((await d.meta.get('leftVersions'))?.value as [string, number][] | undefined) ?? []);
    // A case leaves the device; the version it had is remembered (see `leftVersion`).
    const drop = async (id: string) => {
      const gone = await d.cases.get(id);
      if (gone) {
        left.delete(id); // newest last
        left.set(id, gone.version);
      }
      await d.cases.delete(id);
    };
    let withWork = new Set((await d.pending.orderBy('caseId').uniqueKeys()).map(String));

    if (o.replaceCases) {
      const keep = new Set([...withWork]);
      await d.cases.filter((c) => !keep.has(c.id)).delete();
      for (const id of departed) if (!withWork.has(id)) departed.delete(id);
    }

    // A case closed longer ago than the device keeps closed ones (a crew-mate's fix the tablet
    // hears of after a weekend off) is not stored, to be pruned after its photos and history
    // were fetched: the device lets it go (unless it still holds work on it).
    const closedBefore = Date.now() - CLOSED_KEPT_MS;
    const stale = (c: PullResponse['cases'][number]) =>
      !isOpen(c.state) && Date.parse(c.closedAt ?? c.updatedAt) < closedBefore && !withWork.has(c.id);
    await d.cases.bulkPut(page.cases.filter((c) => !stale(c)));
    for (const c of page.cases) {
      departed.delete(c.id);
      left.delete(c.id);
      if (stale(c)) await d.cases.delete(c.id);
    }

    for (const id of page.departures) {
      if (withWork.has(id)) departed.add(id);
      else await drop(id);
    }

    for (const outcome of page.outcomes) {
      const [sent, known] = await Promise.all([
        d.pending.where('id').equals(outcome.mutationId).first(),
        d.outcomes.get(outcome.mutationId),
      ]);
      await d.outcomes.put(outcomeRow(outcome, sent, known, now));
      if (sent) await d.pending.delete(sent.seq);
    }

    // Departed cases whose work has now been acknowledged leave the device.
    withWork = new Set((await d.pending.orderBy('caseId').uniqueKeys()).map(String));
    for (const id of [...departed]) {
      if (!withWork.has(id)) {
        await drop(id);
        departed.delete(id);
      }
    }

    const meta: MetaRow[] = [
      { key: 'cursor', value: page.cursor },
      { key: 'cursorUserId', value: cursorOwner(o.user) },
      { key: 'departed', value: [...departed] },
      { key: 'leftVersions', value: [...left].slice(-LEFT_VERSIONS_KEPT) },
      // A priming cut off goes on priming where it stopped.
      { key: 'priming', value: !!o.priming && page.hasMore },
    ];
    if (!page.hasMore) meta.push({ key: 'lastSyncedAt', value: page.serverTime });
    await d.meta.bulkPut(meta);
  });
}

/** True when the catalogue is missing, or lacks a type one of the device's cases has. */
export async function serviceTypesMissing(): Promise<boolean> {
  const d = db();
  const [codes, caseCodes] = await Promise.all([
    d.serviceTypes.toCollection().primaryKeys(),
    d.cases.toArray((cs) => cs.map((c) => c.serviceCode)),
  ]);
  if (codes.length === 0) return true;
  const known = new Set(codes);
  return caseCodes.some((code) => !known.has(code));
}

/** Replaces the catalogue. */
export async function saveServiceTypes(types: ServiceType[]): Promise<void> {
  const d = db();
  await d.transaction('rw', [d.serviceTypes], async () => {
    await d.serviceTypes.clear();
    await d.serviceTypes.bulkPut(types);
  });
}

/**
 * Drops what the device no longer needs: closed cases last changed more than a day ago with
 * no work waiting on them, outcomes older than a week that are applied or dismissed, and
 * uploaded photos of cases no longer on the device.
 */
export async function prune(now = new Date()): Promise<void> {
  const d = db();
  const closedBefore = now.getTime() - CLOSED_KEPT_MS;
  const outcomesBefore = new Date(now.getTime() - OUTCOMES_KEPT_MS).toISOString();
  await d.transaction('rw', [d.cases, d.pending, d.outcomes, d.photos, d.caseHistory, d.serverPhotos], async () => {
    const withWork = new Set((await d.pending.orderBy('caseId').uniqueKeys()).map(String));
    await d.cases
      .filter((c) => !isOpen(c.state) && Date.parse(c.closedAt ?? c.updatedAt) < closedBefore && !withWork.has(c.id))
      .delete();
    await d.outcomes.filter((r) => r.at < outcomesBefore && (r.dismissed || r.outcome === 'applied')).delete();
    // Photos stay while their case is on the device (the crew looks at them offline), and
    // until their bytes are on the server. One the server did not take is never dropped
    // here: it is listed for the worker, who deletes it when it is no longer needed.
    const onDevice = new Set((await d.cases.toCollection().primaryKeys()).map(String));
    await d.photos.filter((p) => !onDevice.has(p.caseId) && !withWork.has(p.caseId) && p.state === 'done').delete();
    // A history goes with its case.
    await d.caseHistory.filter((h) => !onDevice.has(h.caseId)).delete();
    // So do the server's photos of it (the resident's, and history thumbnails).
    await d.serverPhotos.filter((p) => !onDevice.has(p.caseId)).delete();
  });
}
