/** How a streamed photo upload waits and renews its lease (`Config.uploadTimings`; tests shorten them). */
export type StreamTimings = {
  /** The lease's length; renewed on a timer while a request writes, so it only has to outlast a pause in renewing. */
  leaseSeconds: number;
  /** How often a writing upload renews its lease. */
  renewMs: number;
  /**
   * No byte for this long: the request is treated as cut (a dead link that never closed),
   * what arrived is kept and the lease given back, so the device's retry can write. Shorter
   * than the device's own no-progress timeout (20 s), so its retry finds the lease free.
   */
  idleMs: number;
};

export const STREAM_TIMINGS: StreamTimings = { leaseSeconds: 30, renewMs: 5_000, idleMs: 15_000 };
