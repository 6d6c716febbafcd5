/**
 * The Dexie database: tables, schema versions and small key/value facts. Internal to
 * `#lib/db/`: the rest of the app goes through `#lib/db/index.ts`.
 *
 * Tables
 * - `session`: the signed-in person (one row, key `'current'`). The session token itself is an
 *   HttpOnly cookie the app never sees.
 * - `cases`: server truth, exactly as last pulled (never edited on the device).
 * - `pending`: the outbox. Mutations made on the device and not yet acknowledged by the
 *   server, keyed and ordered by `seq`.
 * - `outcomes`: what the server decided about this device's mutations.
 * - `serviceTypes`: the catalogue (names, icons, reasons and codes the actions offer).
 * - `photos`: photos taken on the device (downscaled bytes and a thumbnail, kept until their
 *   case leaves the device) and how far each one's upload has got.
 * - `caseHistory` (v4): each opened case's history as the server last sent it, so the case
 *   page shows it offline too.
 * - `tiles` (v5): basemap vector tiles kept for the offline map, keyed `version/z/x/y`
 *   (bytes as ArrayBuffers; an empty one is a tile the server said is empty).
 * - `tileAreas` (v5): areas downloaded for offline use (`'day'`: around the crew's cases).
 * - `serverPhotos` (v6): photos from the server kept for offline viewing: the resident's
 *   report photos of the crew's cases (full size, fetched after each sync) and thumbnails of
 *   photos in opened cases' histories. Keyed `photoId/variant`.
 * - `boards` (v7): the lead's dispatch board as last fetched, one per department and day, so
 *   the board opens offline and says how old its picture is. Keyed `departmentId/date`.
 * - `meta`: small facts (`clientId`, `nextSeq`, `cursor`, `lastSyncedAt`, the basemap's
 *   style and the offline map settings, …).
 */
import { Dexie, type DexieOptions, type EntityTable } from 'dexie';
import type {
  BoardResponse,
  CaseEvent,
  CaseRecord,
  Mutation,
  MutationKind,
  OutcomeKind,
  Reason,
  ServiceType,
  SessionResponse,
} from '@fieldfix/shared';
import type { BasemapMeta, BasemapStyle, MapSettings } from '#lib/tiles/basemap.ts';

export interface SessionRow {
  key: 'current';
  session: SessionResponse;
  savedAt: string;
}

/** One change waiting in the outbox. */
export interface PendingRow {
  /** Per-device order of changes (the mutation's `seq`); the table's key. */
  seq: number;
  /** The mutation's id (UUIDv7), unique. */
  id: string;
  caseId: string;
  /** Who made it: only they push it (the server attributes work to the session's person). */
  userId: string;
  userName: string;
  /** Exactly what is pushed. */
  mutation: Mutation;
  /** When the server refused the batch it was in as malformed: kept, not pushed, shown. */
  blocked?: { message: string; at: string };
}

/** What the server decided about one of this device's mutations. */
export interface OutcomeRow {
  mutationId: string;
  /**
   * Whose change it was: their attention list shows it, nobody else's. Missing on rows an
   * older app stored, and null when the device learnt the outcome without the change: shown to
   * whoever is signed in.
   */
  userId?: string | null;
  caseId: string;
  landedOnCaseId: string | null;
  /** Null only when the device learnt the outcome without having the mutation any more. */
  kind: MutationKind | null;
  outcome: OutcomeKind;
  reason: Reason | null;
  /** The server's plain words for the person. */
  message: string;
  caseVersion: number | null;
  /** When the device recorded it (device clock, ISO). */
  at: string;
  /** The person has read it and put it away. */
  dismissed: boolean;
  /**
   * The change itself: lets the view show an applied change until the pull brings the case's
   * new version, and keeps a refused note's words on the device.
   */
  mutation: Mutation | null;
  seq: number | null;
}

export type PhotoState = 'queued' | 'uploading' | 'done' | 'failed';
export type PhotoTag = 'before' | 'after' | 'other';

/**
 * A photo taken on the device. Bytes are ArrayBuffers, not Blobs (Safari has lost Blobs
 * stored in IndexedDB). Its `attach_photo` mutation goes through the outbox like any change;
 * the bytes upload once the server has acknowledged that mutation.
 */
export interface PhotoRow {
  /** UUIDv7; the id the server knows the photo by. */
  id: string;
  caseId: string;
  /** Who took it: their sync uploads it. */
  userId: string;
  /** The `attach_photo` mutation: the bytes go up once it has left the outbox. */
  attachMutationId: string;
  tag: PhotoTag;
  contentType: 'image/jpeg' | 'image/webp';
  byteSize: number;
  width: number;
  height: number;
  /** When the picture was taken (the file's time; ISO), if known. */
  takenAt: string | null;
  lat: number | null;
  long: number | null;
  bytes: ArrayBuffer;
  thumb: ArrayBuffer;
  thumbType: 'image/jpeg' | 'image/webp';
  /** How many bytes the server is known to hold (persisted after every chunk). */
  uploadedBytes: number;
  state: PhotoState;
  /** Why the server refused it (state `failed`), in its words. */
  error: string | null;
  /** Device time it was stored (ISO), for ordering. */
  savedAt: string;
  /**
   * Its `attach_photo` change was refused, superseded or discarded: the server has no place
   * for its bytes, so trying the upload again cannot help (state `failed`).
   */
  notAttached?: true;
}

/** A case's history from `GET /api/cases/:id`, kept for offline reading. */
export interface CaseHistoryRow {
  caseId: string;
  events: CaseEvent[];
  /** When the device received it (device clock, ISO): shown as "as of". */
  fetchedAt: string;
}

/** One basemap tile kept for the offline map. */
export interface TileRow {
  /** `${version}/${z}/${x}/${y}`. */
  key: string;
  version: string;
  z: number;
  x: number;
  y: number;
  /** The MVT bytes; empty when the server answered 204 (nothing there). */
  bytes: ArrayBuffer;
  size: number;
  /** When the map last read it (epoch ms): eviction goes least recently used first. */
  lastUsed: number;
  /** The area that needs it (`'day'`), or `'browse'` for a tile fetched while looking around. */
  area: string;
}

/** A photo's bytes as the server sent them (`GET /api/photos/:id` or `…/thumb`). */
export interface ServerPhotoRow {
  /** `${photoId}/${variant}`. */
  key: string;
  photoId: string;
  variant: 'full' | 'thumb';
  /** The case it belongs to: it goes when its case leaves the device. */
  caseId: string;
  /** ArrayBuffer, not Blob (Safari has lost Blobs stored in IndexedDB). */
  bytes: ArrayBuffer;
  contentType: string;
  fetchedAt: string;
}

/** An area of tiles downloaded for offline use. */
export interface TileAreaRow {
  /** `'day'`: around the crew's cases (never evicted). */
  id: string;
  /** [west, south, east, north]. */
  bbox: [number, number, number, number];
  zooms: number[];
  version: string;
  /** Tiles the area needs, and how many of them are on the device. */
  tiles: number;
  stored: number;
  bytes: number;
  /** Every tile of the area is on the device. */
  complete: boolean;
  updatedAt: string;
}

/** A dispatch board as the server last sent it (`GET /api/dispatch/board`). */
export interface BoardRow {
  /** `${departmentId}/${date}`. */
  key: string;
  departmentId: string;
  date: string;
  board: BoardResponse;
  /** When the device received it (device clock, ISO): the board says how old it is. */
  fetchedAt: string;
}

/** A basemap's meta and style as stored on the device. */
export interface StoredBasemap {
  meta: BasemapMeta;
  style: BasemapStyle;
  fetchedAt: string;
}

export interface MetaValues {
  /** This install of the app, for the server's outcome stream (a UUID, stable). */
  clientId: string;
  /** The next mutation `seq`. */
  nextSeq: number;
  /** Where the last pull ended; `'0'` primes the device. */
  cursor: string;
  /** A priming stopped before its last page: the next pull goes on priming (`prime=1`). */
  priming: boolean;
  /**
   * Whose scope the cursor belongs to (the person, role, crew and department): another person,
   * or the same one moved, primes again.
   */
  cursorUserId: string;
  /**
   * When the page's sync loop tries again after a failure (epoch ms; not before a server's
   * Retry-After): a background sync woken meanwhile waits for it too.
   */
  retryAt: number;
  /** Server time of the last complete sync (ISO). */
  lastSyncedAt: string;
  /** Cases that left the crew while the device held work on them: dropped once it is sent. */
  departed: string[];
  /**
   * The version each case had when it left the device, newest last (a bounded list): a
   * change made on its page after it left is based on it.
   */
  leftVersions: [string, number][];
  /** The active basemap's meta and style: the map opens with it, offline too. */
  basemap: StoredBasemap;
  /** A newer basemap than the active one, waiting until its day area is on the device. */
  basemapNext: StoredBasemap;
  /** The person's offline map settings. */
  mapSettings: MapSettings;
}
export type MetaKey = keyof MetaValues;
export interface MetaRow {
  key: MetaKey;
  value: unknown;
}

export class FieldfixDb extends Dexie {
  session!: EntityTable<SessionRow, 'key'>;
  cases!: EntityTable<CaseRecord, 'id'>;
  pending!: EntityTable<PendingRow, 'seq'>;
  outcomes!: EntityTable<OutcomeRow, 'mutationId'>;
  serviceTypes!: EntityTable<ServiceType, 'code'>;
  meta!: EntityTable<MetaRow, 'key'>;
  photos!: EntityTable<PhotoRow, 'id'>;
  caseHistory!: EntityTable<CaseHistoryRow, 'caseId'>;
  tiles!: EntityTable<TileRow, 'key'>;
  tileAreas!: EntityTable<TileAreaRow, 'id'>;
  serverPhotos!: EntityTable<ServerPhotoRow, 'key'>;
  boards!: EntityTable<BoardRow, 'key'>;

  /**
   * The app passes nothing. Tests that play several devices in one process give each its own
   * IndexedDB (`indexedDB`, `IDBKeyRange`) and name (Dexie keeps query caches by name).
   */
  constructor({ name = 'fieldfix', ...idb }: { name?: string } & Pick<DexieOptions, 'indexedDB' | 'IDBKeyRange'> = {}) {
    // Strict: a transaction completes only once the data is on disk, so "saved" survives a
    // crash or a flat battery right after the person taps.
    super(name, { ...idb, chromeTransactionDurability: 'strict' });
    this.version(1).stores({
      session: 'key',
      cases: 'id, crewId',
      serviceTypes: 'code',
      meta: 'key',
    });
    // v2: pull-based sync. The cases from `/api/day` stay until the first pull replaces them
    // (so an upgraded device still shows its day offline); the day's own meta goes.
    this.version(2)
      .stores({
        session: 'key',
        cases: 'id, crewId',
        pending: 'seq, &id, caseId, userId',
        outcomes: 'mutationId, caseId',
        serviceTypes: 'code',
        meta: 'key',
      })
      .upgrade(async (tx) => {
        await tx.table<MetaRow, string>('meta').delete('day');
        await tx
          .table<CaseRecord, string>('cases')
          .toCollection()
          .modify((c) => {
            c.mergedIntoId ??= null;
            c.cancelled ??= false;
          });
      });
    // v3: photos (new table; nothing to migrate).
    // Later versions name only the tables they add or change; Dexie keeps the others.
    this.version(3).stores({ photos: 'id, caseId, state' });
    // v4: cached case histories. A new table; the upgrade only tidies: outcomes recorded
    // without a device time (none are expected) get one, so the timeline can sort them.
    this.version(4)
      .stores({ caseHistory: 'caseId' })
      .upgrade(async (tx) => {
        const now = new Date().toISOString();
        await tx
          .table<OutcomeRow, string>('outcomes')
          .filter((o) => !o.at)
          .modify((o) => {
            o.at = now;
          });
      });
    // v5: the offline map's tiles and areas (new tables; nothing to migrate).
    this.version(5).stores({ tiles: 'key, version, area, lastUsed', tileAreas: 'id' });
    // v6 (sync protocol 3): cases carry the resident's photos, kept in `serverPhotos`. Cases
    // pulled before lack the list until the device primes again (the cursor belongs to a
    // protocol version, see `deviceFacts`): until then they get an empty one.
    this.version(6)
      .stores({ serverPhotos: 'key, photoId, caseId' })
      .upgrade((tx) =>
        tx
          .table('cases')
          .toCollection()
          .modify((c: Partial<CaseRecord>) => {
            if (!Array.isArray(c.reportPhotoIds)) c.reportPhotoIds = [];
          }),
      );
    // v7: the leads' dispatch boards, kept for opening offline (new table; nothing to migrate).
    this.version(7).stores({ boards: 'key, departmentId' });
  }
}

let instance: FieldfixDb | undefined;
/** Opened on first use, so importing this module (e.g. during the build) opens nothing. */
export function db(): FieldfixDb {
  instance ??= new FieldfixDb();
  return instance;
}

/**
 * Test seam, never called by the app: makes `db()` answer `d` (`undefined`: the default
 * database again, opened on next use). Lets one process play several devices, each with its
 * own IndexedDB, switching between them step by step (sync-server's convergence test).
 */
export function setDb(d: FieldfixDb | undefined): void {
  instance = d;
}

export async function getMeta<K extends MetaKey>(key: K): Promise<MetaValues[K] | undefined> {
  const row = await db().meta.get(key);
  return row?.value as MetaValues[K] | undefined;
}

export async function setMeta<K extends MetaKey>(key: K, value: MetaValues[K]): Promise<void> {
  await db().meta.put({ key, value });
}
