/**
 * The offline map's tiles as the pages see them: the day area's plan (tile count and size
 * estimate, shown before anything is fetched), the download's progress with a cancel, the
 * storage budget and the settings. One instance for the app, started by the layout: after a
 * sync it checks whether the crew's cases still lie inside the downloaded area.
 */
import { fetchBasemapMeta, fetchBasemapStyle } from '#lib/api/tiles.ts';
import {
  DAY_AREA,
  basemapToDownload,
  clearTiles,
  crewCaseLocations,
  evictTiles,
  getArea,
  getBasemap,
  getMapSettings,
  receiveBasemap,
  saveMapSettings,
  tileUsage,
  type StoredBasemap,
  type TileAreaRow,
} from '#lib/db/tiles.ts';
import { getSession } from '#lib/db/index.ts';
import { syncEngine } from '#lib/sync/engine.ts';
import { DEFAULT_MAP_SETTINGS, tileTemplate, type MapSettings } from '#lib/tiles/basemap.ts';
import {
  downloadArea,
  finishArea,
  planArea,
  stillMissing,
  type AreaPlan,
  type DownloadProgress,
} from '#lib/tiles/offline-area.ts';

/** Downloads up to this size start on their own; bigger ones wait for the person. */
const AUTO_DOWNLOAD_BYTES = 25 * 1024 * 1024;
/** The basemap's meta is asked for again after this long (its version may change). */
const META_CHECK_MS = 10 * 60 * 1000;

export type OfflineMapPhase =
  /** Not checked yet, or no cases to cover. */
  | 'idle'
  | 'checking'
  /** The plan waits for the person: too big to start alone, or stopped. */
  | 'waiting'
  | 'downloading'
  /** Every tile of the day area is on the device. */
  | 'ready'
  /** The server has no map, or could not be asked and nothing is stored. */
  | 'unavailable';

class OfflineMap {
  phase = $state<OfflineMapPhase>('idle');
  /** Tiles of the day area and how many are missing, with the estimate for those. */
  plan = $state.raw<{ tiles: number; missing: number; estimateBytes: number } | null>(null);
  progress = $state.raw<DownloadProgress | null>(null);
  area = $state.raw<TileAreaRow | null>(null);
  usage = $state.raw<{ tiles: number; bytes: number } | null>(null);
  settings = $state.raw<MapSettings>(DEFAULT_MAP_SETTINGS);
  /** Words for the person when the last try went wrong. */
  message = $state<string | null>(null);

  #started = false;
  #wasRunning = false;
  #metaCheckedAt = 0;
  #pending: AreaPlan | null = null;
  #abort: AbortController | null = null;
  #checking: Promise<void> | null = null;
  #again = false;

  /** Follows the sync loop: each finished sync may have changed the crew's cases. */
  start(): void {
    if (this.#started || typeof window === 'undefined') return;
    this.#started = true;
    void this.#loadStored();
    syncEngine.subscribe((s) => {
      if (this.#wasRunning && !s.running && !s.problem) void this.check();
      this.#wasRunning = s.running;
    });
    window.addEventListener('online', () => void this.check());
  }

  async #loadStored(): Promise<void> {
    try {
      this.#takeSettings(await getMapSettings());
      this.area = (await getArea(DAY_AREA)) ?? null;
      if (this.area?.complete && this.phase === 'idle') this.phase = 'ready';
      // Counting every stored tile takes longer: the status says "ready" first.
      this.usage = await tileUsage();
    } catch (err) {
      // Storage unavailable: the next check says more.
      console.warn('Reading the stored map failed', err);
    }
  }

  /** The stored settings, as a new value only when they changed (the settings page follows it). */
  #takeSettings(stored: MapSettings): void {
    const now = this.settings;
    if (stored.minZoom !== now.minZoom || stored.maxZoom !== now.maxZoom || stored.budgetBytes !== now.budgetBytes)
      this.settings = stored;
  }

  /** Works out what the day area needs and downloads it when small enough. */
  check(): Promise<void> {
    if (this.#checking) {
      this.#again = true;
      return this.#checking;
    }
    this.#checking = (async () => {
      do {
        this.#again = false;
        await this.#checkOnce();
      } while (this.#again);
    })().finally(() => (this.#checking = null));
    return this.#checking;
  }

  async #checkOnce(): Promise<void> {
    if (this.phase === 'downloading') return;
    const session = await getSession();
    const crewId = session?.crew?.id ?? session?.user.crewId ?? null;
    if (!crewId) return;
    this.#takeSettings(await getMapSettings());
    const basemap = await this.#basemap();
    if (!basemap) return;
    const { meta, style } = basemap;
    const points = await crewCaseLocations(crewId);
    this.phase = 'checking';
    const plan = await planArea(DAY_AREA, points, meta, tileTemplate(style, meta.version), this.settings);
    if (!plan) {
      this.plan = null;
      this.phase = 'idle';
      return;
    }
    this.#pending = plan;
    this.plan = { tiles: plan.keys.length, missing: plan.missing.length, estimateBytes: plan.estimateBytes };
    if (plan.missing.length === 0) {
      await this.#finish(plan);
      return;
    }
    if (plan.estimateBytes <= AUTO_DOWNLOAD_BYTES && navigator.onLine) await this.download();
    else {
      this.phase = 'waiting';
      if ((await getBasemap())?.meta.version !== plan.version) this.#noteNewerMap();
    }
  }

  /** Says why the map still shows the old version while a newer one waits for its tiles. */
  #noteNewerMap(): void {
    this.message ??=
      'A newer map is available. This device keeps showing the current one until the new one is downloaded.';
  }

  /**
   * The basemap to download the day area for (a newer version waiting to replace the active
   * one, else the active one): asked of the server when due, else as stored.
   */
  async #basemap(): Promise<StoredBasemap | null> {
    const stored = await basemapToDownload();
    if (stored && Date.now() - this.#metaCheckedAt < META_CHECK_MS) return stored;
    if (!navigator.onLine) return stored ?? null;
    const [meta, style] = await Promise.all([fetchBasemapMeta(), fetchBasemapStyle()]);
    if (meta.ok && style.ok) {
      const target = await receiveBasemap(meta.data, style.data);
      this.#metaCheckedAt = Date.now();
      this.message = null;
      return target;
    }
    if (!stored) {
      this.phase = 'unavailable';
      this.message = meta.ok ? (style.ok ? null : style.message) : meta.message;
    }
    return stored ?? null;
  }

  /** Downloads the planned tiles the device lacks (the person pressed "Download", or it is small). */
  async download(): Promise<void> {
    const planned = this.#pending;
    if (!planned || this.phase === 'downloading') return;
    let plan = planned;
    this.#abort = new AbortController();
    this.phase = 'downloading';
    this.message = null;
    this.progress = { done: 0, total: plan.missing.length, bytes: 0, failed: 0 };
    try {
      // Only what is still missing: a download stopped earlier stored some of the plan.
      plan = await stillMissing(planned);
      this.progress = { done: 0, total: plan.missing.length, bytes: 0, failed: 0 };
      // Make room first: the budget holds what is about to come.
      await evictTiles(Math.max(0, this.settings.budgetBytes - plan.estimateBytes));
      const result = await downloadArea(plan, this.#abort.signal, (p) => (this.progress = p));
      if (this.#abort.signal.aborted) {
        this.message = 'Download stopped. The map shows what is already on this device.';
      } else if (result.noAnswer) {
        this.message =
          'Map download paused: no answer from the server (the signal is too weak). Press “Download the map” to go on when the signal is better.';
      } else if (result.failed > 0) {
        this.message = `${result.failed} map ${result.failed === 1 ? 'tile' : 'tiles'} could not be downloaded. They are tried again after the next sync.`;
      }
    } catch {
      this.message = 'This device could not store the map. Free some space and try again.';
    } finally {
      this.#abort = null;
      this.phase = 'checking';
      await this.#finish(plan);
    }
  }

  cancel(): void {
    this.#abort?.abort();
  }

  /**
   * Records the area; once it is complete, a waiting basemap version takes over, older versions
   * go and the budget holds.
   */
  async #finish(plan: AreaPlan): Promise<void> {
    const result = await finishArea(plan, this.settings.budgetBytes);
    // The area the map opens with: a newer version's area shows only once it has taken over.
    this.area = result.active ? result.area : ((await getArea(DAY_AREA)) ?? null);
    this.plan = { tiles: plan.keys.length, missing: result.missing, estimateBytes: result.estimateBytes };
    this.usage = await tileUsage();
    this.phase = result.area.complete ? 'ready' : 'waiting';
    if (result.switched) this.message = null;
    else if (!result.active) this.#noteNewerMap();
  }

  /** Keeps new settings; the day's area is then planned again (and downloaded) in the background. */
  async saveSettings(next: MapSettings): Promise<void> {
    await saveMapSettings(next);
    this.settings = next;
    this.usage = await tileUsage();
    void this.check();
  }

  /** Deletes every stored map tile (the person asked). */
  async clear(): Promise<void> {
    this.cancel();
    await clearTiles();
    this.area = null;
    this.usage = await tileUsage();
    this.phase = 'idle';
    await this.check();
  }
}

export const offlineMap = new OfflineMap();
