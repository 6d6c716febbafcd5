/**
 * The admin's Open311 keys: the apps that may send the city reports (the city's website, a
 * neighbourhood app, FixMyStreet). Listed with when each was last used; a new key's secret is
 * held here only until the admin dismisses it (the server stores its hash and never shows it
 * again); a key is revoked after the admin confirms. Read from the server: a desk job that
 * needs a connection.
 */
import type { ApiKeyInfo, CreateApiKeyResponse } from '@fieldfix/shared';
import { adminFailure, createApiKey, fetchApiKeys, revokeApiKey } from '#lib/api/admin.ts';
import { formatMoment } from './format.ts';

/** The limit a new key gets unless the admin sets another (the server's default too). */
export const DEFAULT_RATE_LIMIT = 60;

export class ApiKeys {
  keys = $state.raw<ApiKeyInfo[]>([]);
  /** True from the start: the page reads at once. */
  loading = $state(true);
  /** Whether `keys` is what the server answered (false after a failed read). */
  read = $state(false);
  error = $state('');
  creating = $state(false);
  /** The key just made, with its secret: shown until dismissed, never read again. */
  made = $state.raw<CreateApiKeyResponse | null>(null);
  /** The key whose revoking waits for the admin's "yes". */
  confirming = $state<string | null>(null);
  busy = $state.raw<ReadonlySet<string>>(new Set());
  /** The keys in use first, oldest first; revoked ones after them, most recently revoked first. */
  ordered = $derived(orderKeys(this.keys));

  async load(): Promise<void> {
    this.loading = true;
    const res = await fetchApiKeys();
    this.loading = false;
    this.read = res.ok;
    if (res.ok) {
      this.keys = res.data.keys;
      this.error = '';
    } else {
      this.keys = [];
      this.error = adminFailure(res.error, 'read the keys');
    }
  }

  /** Makes a key; true when it was made (its secret is then in `made`). */
  async create(name: string, rateLimitPerMinute: number): Promise<boolean> {
    // The button stays pressable while a key is made (it keeps the keyboard): a second press waits.
    if (this.creating) return false;
    // A secret still shown would be replaced, and lost with the key still in force.
    if (this.made) {
      this.error = `Copy the secret of ${this.made.key.name} and press “Done” first: it is not shown again.`;
      return false;
    }
    this.creating = true;
    this.error = '';
    const res = await createApiKey({ name, rateLimitPerMinute });
    this.creating = false;
    if (!res.ok) {
      this.error = adminFailure(res.error, 'make the key');
      return false;
    }
    this.made = res.data;
    this.keys = [...this.keys, res.data.key];
    return true;
  }

  /** Forgets the new key's secret: after this, nobody can read it. */
  dismissSecret(): void {
    this.made = null;
    this.error = '';
  }

  /** Revokes a key; true when it was revoked. */
  async revoke(id: string): Promise<boolean> {
    if (this.busy.has(id)) return false;
    this.confirming = null;
    this.busy = new Set([...this.busy, id]);
    this.error = '';
    const res = await revokeApiKey(id);
    this.busy = new Set([...this.busy].filter((b) => b !== id));
    if (!res.ok) {
      this.error = adminFailure(res.error, 'revoke the key');
      return false;
    }
    this.keys = this.keys.map((k) => (k.id === id ? res.data.key : k));
    return true;
  }
}

/** A key's state in words: revoked when, or when it was last used. */
export function keyState(k: ApiKeyInfo, now = new Date()): string {
  if (k.revokedAt) return `Revoked ${formatMoment(k.revokedAt, now)}`;
  return k.lastUsedAt ? `In use · last used ${formatMoment(k.lastUsedAt, now)}` : 'Never used';
}

/** Keys in force (oldest first), then revoked ones (most recently revoked first). */
export function orderKeys(keys: readonly ApiKeyInfo[]): ApiKeyInfo[] {
  const live = keys.filter((k) => !k.revokedAt);
  const revoked = keys.filter((k) => k.revokedAt).sort((a, b) => b.revokedAt!.localeCompare(a.revokedAt!));
  return [...live, ...revoked];
}
