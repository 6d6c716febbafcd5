/**
 * Vitest setup for the field app: Node has no IndexedDB, so Dexie gets fake-indexeddb's
 * in-memory one (a fresh database per test is each test file's business: see `fresh-db.ts`).
 */
import 'fake-indexeddb/auto';
