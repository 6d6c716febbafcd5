/**
 * What the app's storage takes on the device, the browser's quota for it, and whether the
 * browser promised to keep it (persistent storage) — photos make the difference.
 */
export class DeviceStorage {
  usage = $state<number | null>(null);
  quota = $state<number | null>(null);
  persisted = $state<boolean | null>(null);

  async refresh(): Promise<void> {
    if (typeof navigator === 'undefined' || !navigator.storage) return;
    try {
      const [estimate, persisted] = await Promise.all([
        navigator.storage.estimate(),
        navigator.storage.persisted?.() ?? Promise.resolve(false),
      ]);
      this.usage = estimate.usage ?? null;
      this.quota = estimate.quota ?? null;
      this.persisted = persisted;
    } catch {
      // Some browsers refuse in private windows: show nothing.
    }
  }
}

/**
 * Asks the browser to keep the app's data under storage pressure (called once after
 * sign-in; Chromium decides silently from engagement, Firefox may ask). Answers whether
 * it was granted, or null when the browser cannot say.
 */
export async function requestPersistence(): Promise<boolean | null> {
  if (typeof navigator === 'undefined' || !navigator.storage?.persist) return null;
  try {
    if (await navigator.storage.persisted()) return true;
    const granted = await navigator.storage.persist();
    console.info(`Persistent storage ${granted ? 'granted' : 'not granted'} by the browser`);
    return granted;
  } catch {
    return null;
  }
}

/** "1.2 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} kB`;
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(1)} GB`;
}
