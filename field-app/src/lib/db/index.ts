/**
 * Everything the app keeps on the device, in IndexedDB (Dexie). No other module touches
 * IndexedDB: pages and state classes call the functions below.
 *
 * Tables
 * - `session`: the signed-in person (one row, key `'current'`). The session token itself is an
 *   HttpOnly cookie the app never sees.
 * - `cases`: the crew's cases, as the server last sent them.
 * - `serviceTypes`: the catalogue, to show names, icons and attribute labels.
 * - `meta`: small key/value facts (`lastSyncedAt`, `day`).
 */
import { Dexie, liveQuery, type EntityTable, type Observable } from 'dexie';
import type { CaseRecord, Crew, DayResponse, ServiceType, SessionResponse } from '@fieldfix/shared';

export interface SessionRow {
  key: 'current';
  session: SessionResponse;
  savedAt: string;
}

/** What the last sync said about the day, besides its cases. */
export interface DayMeta {
  crew: Crew;
  date: string;
}

interface MetaValues {
  lastSyncedAt: string;
  day: DayMeta;
}
type MetaKey = keyof MetaValues;
interface MetaRow {
  key: MetaKey;
  value: unknown;
}

class FieldfixDb extends Dexie {
  session!: EntityTable<SessionRow, 'key'>;
  cases!: EntityTable<CaseRecord, 'id'>;
  serviceTypes!: EntityTable<ServiceType, 'code'>;
  meta!: EntityTable<MetaRow, 'key'>;

  constructor() {
    super('fieldfix');
    this.version(1).stores({
      session: 'key',
      cases: 'id, crewId',
      serviceTypes: 'code',
      meta: 'key',
    });
  }
}

let instance: FieldfixDb | undefined;
/** Opened on first use, so importing this module (e.g. during the build) opens nothing. */
function db(): FieldfixDb {
  instance ??= new FieldfixDb();
  return instance;
}

async function getMeta<K extends MetaKey>(key: K): Promise<MetaValues[K] | undefined> {
  const row = await db().meta.get(key);
  return row?.value as MetaValues[K] | undefined;
}

// ---- session ---------------------------------------------------------------------------

export async function getSession(): Promise<SessionResponse | undefined> {
  return (await db().session.get('current'))?.session;
}

export async function saveSession(session: SessionResponse): Promise<void> {
  await db().session.put({ key: 'current', session, savedAt: new Date().toISOString() });
}

/** Forgets who is signed in. Cases stay: they are the crew's, not the person's. */
export async function clearSession(): Promise<void> {
  await db().session.delete('current');
}

/** True while the session's shift has not ended (the device may keep working offline). */
export function sessionIsActive(session: SessionResponse | undefined, now = new Date()): session is SessionResponse {
  return !!session && Date.parse(session.expiresAt) > now.getTime();
}

// ---- the day ---------------------------------------------------------------------------

/**
 * Writes a fresh day from the server in one transaction: the crew's cases are replaced
 * (cases no longer on its list go), the catalogue is replaced, and the sync time is kept.
 */
export async function replaceDay(day: DayResponse): Promise<void> {
  const d = db();
  await d.transaction('rw', [d.cases, d.serviceTypes, d.meta], async () => {
    await d.cases.where('crewId').equals(day.crew.id).delete();
    await d.cases.bulkPut(day.cases);
    await d.serviceTypes.clear();
    await d.serviceTypes.bulkPut(day.serviceTypes);
    await d.meta.bulkPut([
      { key: 'lastSyncedAt', value: day.serverTime },
      { key: 'day', value: { crew: day.crew, date: day.date } satisfies DayMeta },
    ]);
  });
}

/** Route order: assigned day (carried-over work first), then position on the route. */
export function compareRouteOrder(a: CaseRecord, b: CaseRecord): number {
  return (
    compareNullable(a.assignedDay, b.assignedDay) ||
    compareNullable(a.routePosition, b.routePosition) ||
    compareNullable(a.requestedAt, b.requestedAt) ||
    a.id.localeCompare(b.id, 'en', { numeric: true })
  );
}

function compareNullable<T extends string | number>(a: T | null, b: T | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

export interface DayView {
  /** The crew whose day this is: the session's crew, else the one last synced. */
  crew: Crew | null;
  /** The day the server last sent (`YYYY-MM-DD`), if it was this crew's. */
  date: string | null;
  cases: CaseRecord[];
  serviceTypes: Record<string, ServiceType>;
  lastSyncedAt: string | null;
}

async function readDay(crewHint: Crew | null): Promise<DayView> {
  const d = db();
  const [meta, lastSyncedAt, types] = await Promise.all([getMeta('day'), getMeta('lastSyncedAt'), d.serviceTypes.toArray()]);
  const crew = crewHint ?? meta?.crew ?? null;
  const cases = crew ? await d.cases.where('crewId').equals(crew.id).toArray() : [];
  cases.sort(compareRouteOrder);
  return {
    crew,
    date: meta && crew && meta.crew.id === crew.id ? meta.date : null,
    cases,
    serviceTypes: Object.fromEntries(types.map((t) => [t.code, t])),
    lastSyncedAt: lastSyncedAt ?? null,
  };
}

/** The crew's day as stored on the device; emits again whenever it changes. */
export function watchDay(crewHint: Crew | null): Observable<DayView> {
  return liveQuery(() => readDay(crewHint));
}

export interface CaseView {
  record: CaseRecord | null;
  serviceType: ServiceType | null;
}

/** One case and its service type; emits again whenever either changes. */
export function watchCase(id: string): Observable<CaseView> {
  return liveQuery(async () => {
    const record = (await db().cases.get(id)) ?? null;
    const serviceType = record ? ((await db().serviceTypes.get(record.serviceCode)) ?? null) : null;
    return { record, serviceType };
  });
}

/** When the device last got its day from the server (server clock, ISO). */
export function watchLastSyncedAt(): Observable<string | null> {
  return liveQuery(async () => (await getMeta('lastSyncedAt')) ?? null);
}

/** The stored session; emits again when someone signs in or out. */
export function watchSession(): Observable<SessionResponse | null> {
  return liveQuery(async () => (await getSession()) ?? null);
}
