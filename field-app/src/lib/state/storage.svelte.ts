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

/**
 * What to tell a person about to download `estimateBytes` of map when it will not fit: the
 * device's free space (`freeBytes`, null when the browser will not say), else the space the
 * device keeps for map tiles (`budgetBytes`). Null when it fits both.
 */
export function mapSpaceNote(estimateBytes: number, budgetBytes: number, freeBytes: number | null): string | null {
  if (freeBytes !== null && estimateBytes > freeBytes) {
    return `This device has about ${formatBytes(freeBytes)} free, less than the map needs. Free some space, or lower “Closest zoom kept” in Settings.`;
  }
  if (estimateBytes > budgetBytes) {
    return `That is more than the ${formatBytes(budgetBytes)} kept for map tiles: the map of other areas makes room, and today’s is kept whole. To take less, lower “Closest zoom kept” in Settings.`;
  }
  return null;
}
