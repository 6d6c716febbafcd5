/**
 * The solver (`shared/src/dispatch`), run in a worker thread: it is synchronous and may take
 * up to the request's time limit (10 s at most), which on the server's own thread would stall
 * every other request and every live stream of this instance meanwhile.
 */
import { Worker } from 'node:worker_threads';
import type { DayInput, Plan } from '../../../shared/src/dispatch/day.ts';

export type DayInputLike = DayInput;
export type PlanLike = Plan;

export type SolveJob = { mode: 'balance' | 'order-route'; input: DayInput; crewId?: string; timeLimitMs: number };

/** Solves `job` in a worker of its own; rejects if the worker fails or outlives the limit by far. */
export function solveInWorker(job: SolveJob): Promise<Plan> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./solver.worker.ts', import.meta.url), { workerData: job });
    const guard = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`the solver did not answer within ${job.timeLimitMs + 5000} ms`));
    }, job.timeLimitMs + 5000);
    worker.once('message', (plan: Plan) => {
      clearTimeout(guard);
      resolve(plan);
      void worker.terminate();
    });
    worker.once('error', (err) => {
      clearTimeout(guard);
      reject(err);
    });
  });
}
