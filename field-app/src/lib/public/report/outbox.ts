/**
 * The residents' reports kept on the phone until the server has them: a small IndexedDB
 * database of its own (`fieldfix-resident`, plain IndexedDB: no library, the page's script
 * budget is tight, and none of the crew app's database). A report and its photos are written
 * here before the first try to send, so a weak signal, a closed tab or a dead battery loses
 * nothing; each is sent again, with the same token, until the server answers.
 */
import type { PublicReportRequest } from '@fieldfix/shared';

export type ReportPhoto = { id: string; bytes: ArrayBuffer; thumb: ArrayBuffer; sent: boolean };

export type StoredReport = {
  token: string;
  createdAt: string;
  /** The report as it will be sent (the proof of work is added once found). */
  body: Omit<PublicReportRequest, 'proof'> & { proof: string | null };
  photos: ReportPhoto[];
  /** waiting: not yet (all) on the server; sent: the case and every photo are; refused: the server said no. */
  state: 'waiting' | 'sent' | 'refused';
  caseId: string | null;
  trackKey: string | null;
  /** Why it was refused (the server's words), or the last reason it could not be sent yet. */
  problem: { kind: 'refused' | 'limited' | 'network' | 'server'; message: string } | null;
  /** Not sent again before this time (ISO): the server asked to wait (`Retry-After`). */
  notBefore?: string | null;
  /** The type's name when it was reported, to list it in the reader's language. */
  serviceCode: string;
};

const DB = 'fieldfix-resident';
const STORE = 'reports';
let opening: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'token' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => {
      opening = null;
      reject(req.error ?? new Error('IndexedDB did not open'));
    };
  });
  return opening;
}

async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

export const saveReport = (r: StoredReport): Promise<unknown> => run('readwrite', (s) => s.put(r));
export const getReport = (token: string): Promise<StoredReport | undefined> =>
  run('readonly', (s) => s.get(token) as IDBRequest<StoredReport | undefined>);

/** Every report on this phone, newest first. */
export async function allReports(): Promise<StoredReport[]> {
  const rows = await run('readonly', (s) => s.getAll() as IDBRequest<StoredReport[]>);
  return rows.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export const forgetReport = (token: string): Promise<unknown> => run('readwrite', (s) => s.delete(token));
