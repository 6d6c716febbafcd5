import { describe, expect, it } from 'vitest';
import { timeoutsBeyond } from './faults.ts';
import { runState, type FailedTry } from './simulation.ts';

// The PostgreSQL day's "requests that timed out" check: at full size, photo uploads time out
// now and then without any fault; only timeouts beyond the baseline day's, on the same route
// in the same window, are the outage's.

const PATCH = 'PATCH /api/photos/:id/upload';
const PUSH = 'POST /api/sync/push';
const window = { from: 20_000, to: 26_000 };

function runWith(tries: Partial<FailedTry>[]) {
  const run = runState(['http://127.0.0.1:1']);
  for (const t of tries) {
    run.failedTries.push({
      at: 0,
      route: PATCH,
      base: 'http://127.0.0.1:1',
      status: null,
      error: 'timeout',
      retryAfter: null,
      requestId: 'r',
      ...t,
    });
  }
  return run;
}

describe('timeouts a fault caused', () => {
  it('without a baseline, every timeout in the window (to 30 s after it) counts', () => {
    const run = runWith([{ at: 19_000 }, { at: 40_000 }, { at: 57_000 }, { at: 40_000, error: 'ECONNRESET' }]);
    expect(timeoutsBeyond(run, window)).toEqual([
      `${PATCH} sent at 10 s to http://127.0.0.1:1 (r)`,
      // 56 s is past 26 + 30: not the fault's.
    ]);
  });

  it('as many as the baseline had there on that route: none are the fault’s', () => {
    const run = runWith([{ at: 30_000 }, { at: 31_000 }]);
    const baseline = runWith([{ at: 22_000 }, { at: 50_000 }, { at: 5_000 }]);
    expect(timeoutsBeyond(run, window, baseline)).toEqual([]);
  });

  it('more than the baseline had, or on a route it had none on: all of them are listed', () => {
    const run = runWith([{ at: 30_000 }, { at: 31_000 }, { at: 32_000 }, { at: 33_000, route: PUSH }]);
    const baseline = runWith([{ at: 22_000 }, { at: 50_000 }, { at: 5_000 }, { at: 70_000, route: PUSH }]);
    const beyond = timeoutsBeyond(run, window, baseline);
    expect(beyond).toHaveLength(4);
    expect(beyond[0]).toBe(`${PATCH} sent at 0 s to http://127.0.0.1:1 (r); 3 in the window, the baseline 2`);
    expect(beyond[3]).toBe(`${PUSH} sent at 3 s to http://127.0.0.1:1 (r); 1 in the window, the baseline 0`);
  });
});
