/** Runs one solve (see solver.ts) and posts the plan back. */
import { parentPort, workerData } from 'node:worker_threads';
import { orderRoute, solveDay } from '../../../shared/src/dispatch/solve.ts';
import type { SolveJob } from './solver.ts';

const job = workerData as SolveJob;
const options = { timeLimitMs: job.timeLimitMs, seed: 1 };
const plan = job.mode === 'order-route' ? orderRoute(job.input, job.crewId!, options) : solveDay(job.input, options);
parentPort!.postMessage(plan);
