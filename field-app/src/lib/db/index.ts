/**
 * Everything the app keeps on the device, in IndexedDB (Dexie). No other module touches
 * IndexedDB: pages, state classes and the sync loop call the functions exported here.
 *
 * - `database.ts`: the tables and schema versions.
 * - `outbox.ts`: queueing changes, acknowledging them, outcomes.
 * - `sync-store.ts`: applying pulled pages, the catalogue, the cursor, pruning.
 * - `views.ts`: live reads for pages.
 * - `photos.ts`: photos, their attach change and their upload progress.
 * - `histories.ts`: cases' histories kept for offline reading, with the names they mention.
 * - `tiles.ts`: the offline map's tiles, areas, settings and stored style. Imported directly
 *   (`#lib/db/tiles.ts`), not re-exported here, so it loads with the map code and not with
 *   every page.
 */
import type { SessionResponse } from '@fieldfix/shared';
import { db } from './database.ts';

export { getMeta, setMeta } from './database.ts';
export type { CaseHistoryRow, OutcomeRow, PendingRow, PhotoRow, PhotoState, PhotoTag } from './database.ts';
export {
  NO_NAMES,
  getCaseHistory,
  historiesMissing,
  saveCaseHistories,
  saveCaseHistory,
  serviceTypeFor,
  watchCaseHistory,
  type HistoryFromServer,
  type StoredHistory,
} from './histories.ts';
export {
  addPhoto,
  deleteFailedPhoto,
  failUpload,
  photosToUpload,
  mayRetryUpload,
  recordUpload,
  retryUpload,
  unsyncedWork,
  watchCasePhotos,
  watchFailedPhotos,
  watchPhotoSummary,
  type NewPhoto,
  type PhotoSummary,
} from './photos.ts';
export {
  SaveError,
  acknowledge,
  addPending,
  addPendingBatch,
  blockPending,
  discardBlocked,
  dismissOutcome,
  pendingBatch,
  pushableCount,
  unblockPending,
} from './outbox.ts';
export {
  applyPullPage,
  deviceFacts,
  prune,
  saveServiceTypes,
  serviceTypesMissing,
  type DeviceFacts,
} from './sync-store.ts';
export {
  watchAttention,
  watchCase,
  watchDeviceCases,
  watchLastSyncedAt,
  watchOutbox,
  watchSession,
  type CaseData,
  type DeviceCases,
  type OutboxSummary,
} from './views.ts';

// ---- session ---------------------------------------------------------------------------

export async function getSession(): Promise<SessionResponse | undefined> {
  return (await db().session.get('current'))?.session;
}

export async function saveSession(session: SessionResponse): Promise<void> {
  await db().session.put({ key: 'current', session, savedAt: new Date().toISOString() });
}

/**
 * Forgets who is signed in. Cases and changes waiting to sync stay: the cases are the
 * crew's, and the changes sync when their author signs in again.
 */
export async function clearSession(): Promise<void> {
  await db().session.delete('current');
}

/** True while the session's shift has not ended (the device may keep working offline). */
export function sessionIsActive(session: SessionResponse | undefined, now = new Date()): session is SessionResponse {
  return !!session && Date.parse(session.expiresAt) > now.getTime();
}
