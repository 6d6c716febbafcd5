/**
 * Where the crew is, for distances on the day list. Never prompts on its own: it watches the
 * position at load only when the browser already allows it, and asks only when the person
 * presses "Use my location".
 */
import type { LatLong } from './geo.ts';

export type LocationStatus = 'unknown' | 'off' | 'asking' | 'watching' | 'denied' | 'unavailable';

export class DeviceLocation {
  position = $state.raw<LatLong | null>(null);
  status = $state<LocationStatus>('unknown');
  #watchId: number | null = null;

  /** Create while a component initialises: watching stops when it goes. */
  constructor() {
    $effect(() => {
      void this.#startIfAllowed();
      return () => this.#stop();
    });
  }

  get supported(): boolean {
    return typeof navigator !== 'undefined' && 'geolocation' in navigator;
  }

  async #startIfAllowed(): Promise<void> {
    if (!this.supported) {
      this.status = 'unavailable';
      return;
    }
    try {
      const perm = await navigator.permissions.query({ name: 'geolocation' });
      if (perm.state === 'granted') this.#watch();
      else this.status = perm.state === 'denied' ? 'denied' : 'off';
    } catch {
      // No Permissions API (older Safari): wait for the button.
      this.status = 'off';
    }
  }

  /** The person pressed "Use my location": the browser may ask now. */
  request(): void {
    if (!this.supported) return;
    this.status = 'asking';
    this.#watch();
  }

  #watch(): void {
    if (this.#watchId !== null) return;
    this.#watchId = navigator.geolocation.watchPosition(
      (p) => {
        this.position = { lat: p.coords.latitude, long: p.coords.longitude };
        this.status = 'watching';
      },
      (err) => {
        if (err.code === err.PERMISSION_DENIED) {
          this.#stop();
          this.status = 'denied';
          return;
        }
        // No fix for now (a tunnel, an urban canyon, a timeout): the watch goes on and the next
        // fix updates the distances. The last position stays meanwhile.
        if (!this.position) this.status = 'unavailable';
      },
      { enableHighAccuracy: false, maximumAge: 30_000, timeout: 60_000 },
    );
  }

  #stop(): void {
    if (this.#watchId !== null) navigator.geolocation.clearWatch(this.#watchId);
    this.#watchId = null;
  }
}
