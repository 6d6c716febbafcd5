// `pnpm bench:dispatch`, its solver part (bench/run.mjs runs bench/dispatch-*.mjs): the
// route-balancing solver of shared/src/dispatch (issue 12), in this process (it is pure and
// synchronous).
//   - a generated day of 2,000 cases and 40 crews (lat/long around a city, minutes, skills,
//     one in-progress case locked on half the crews): time to the first suggestion, then the
//     load spread and total route length of the input assignment, of the round-robin
//     baseline (each crew in turn takes its nearest case that fits) and of the solver's
//     first and final plans, all in the same run; median over BENCH_DISPATCH_SEEDS seeds
//     (default 3), BENCH_DAY_MS per solve (default 5000);
//   - the three CVRPLIB instances of ../shared/cvrp: cost, proven optimum, gap, and the time
//     to the first plan within 2 %, BENCH_CVRP_MS per solve (default 10000), median over the
//     seeds.
// Writes the key `solver` of bench/results/dispatch.json (other keys are kept).
// `solverSection()` and `writeDispatchSection()` are exported for a runner that wants them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, root } from './lib.mjs';
import { generateDay } from '../shared/src/dispatch/generate.ts';
import { currentAssignment, evaluateRoutes, solveDay } from '../shared/src/dispatch/solve.ts';
import { baselinePlan } from '../shared/src/dispatch/baseline.ts';
import { CvrplibInstance, cvrplibToDay } from '../shared/src/dispatch/cvrplib.ts';

const SEEDS = Number(process.env.BENCH_DISPATCH_SEEDS ?? 3);
const DAY_MS = Number(process.env.BENCH_DAY_MS ?? 5000);
const CVRP_MS = Number(process.env.BENCH_CVRP_MS ?? 10_000);
const CVRP_DIR = join(root, '..', 'shared', 'cvrp');
const INSTANCES = ['E-n22-k4', 'E-n51-k5', 'A-n80-k10'];

const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const log = (msg) => process.stdout.write(`${msg}\n`);

/** Length, travel, and the spread of crew loads in minutes and as a share of each crew's day. */
function figures(day, plan) {
  const minutes = plan.routes.map((r) => r.serviceMinutes + r.travelMinutes);
  const shares = minutes.map((m, k) => m / (day.crews[k].capacityMinutes ?? 480));
  return {
    lengthKm: round(plan.routes.reduce((a, r) => a + r.length, 0)),
    travelMinutes: round(plan.routes.reduce((a, r) => a + r.travelMinutes, 0)),
    minLoad: round(Math.min(...minutes)),
    maxLoad: round(Math.max(...minutes)),
    loadSpread: round(Math.max(...minutes) / Math.min(...minutes), 3),
    minShare: round(Math.min(...shares), 3),
    maxShare: round(Math.max(...shares), 3),
    shareSpread: round(Math.max(...shares) / Math.min(...shares), 3),
    overCapacity: minutes.filter((m, k) => m > (day.crews[k].capacityMinutes ?? Infinity) + 1e-6).length,
    unplaced: plan.unplaced.length,
  };
}

function medianRow(what, rows) {
  const out = { what };
  for (const key of Object.keys(rows[0])) out[key] = round(median(rows.map((r) => r[key])), 3);
  return out;
}

function benchDay() {
  const spec = { cases: 2000, crews: 40, seed: 1, inProgressShare: 0.5 };
  const day = generateDay(spec);
  const before = figures(day, evaluateRoutes(day, currentAssignment(day)));
  let t = performance.now();
  const baselinePlanned = baselinePlan(day);
  const baseline = { ...figures(day, baselinePlanned), ms: round(performance.now() - t) };
  const firsts = [];
  const finals = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    t = performance.now();
    let first = null;
    const plan = solveDay(day, {
      timeLimitMs: DAY_MS,
      seed,
      onImprove: (p) => {
        if (!first) first = { ...figures(day, p), ms: round(performance.now() - t) };
      },
    });
    const final = { ...figures(day, plan), ms: round(performance.now() - t), iterations: plan.iterations };
    firsts.push(first);
    finals.push(final);
    log(`day seed ${seed}: first ${first.ms} ms, final ${final.ms} ms (${plan.iterations} iterations)`);
  }
  return {
    spec,
    timeLimitMs: DAY_MS,
    seeds: SEEDS,
    rows: [
      { what: 'input assignment (before)', ...before },
      { what: 'baseline: round robin by nearest crew', ...baseline },
      medianRow('solver: first suggestion', firsts),
      medianRow(`solver: after ${DAY_MS} ms`, finals),
    ],
  };
}

function benchCvrp() {
  const rows = [];
  for (const name of INSTANCES) {
    const file = join(CVRP_DIR, `${name}.json`);
    if (!existsSync(file)) {
      log(`(${name}: ${file} not found, skipped)`);
      continue;
    }
    const instance = CvrplibInstance.parse(JSON.parse(readFileSync(file, 'utf8')));
    const runs = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const t = performance.now();
      let within2 = null;
      const plan = solveDay(cvrplibToDay(instance), {
        timeLimitMs: CVRP_MS,
        seed,
        improveEveryMs: 0,
        onImprove: (p) => {
          if (within2 === null && p.unplaced.length === 0 && p.cost <= 1.02 * instance.best_known)
            within2 = performance.now() - t;
        },
      });
      if (within2 === null && plan.unplaced.length === 0 && plan.cost <= 1.02 * instance.best_known)
        within2 = performance.now() - t;
      const gap = plan.unplaced.length ? Infinity : plan.cost / instance.best_known - 1;
      runs.push({ cost: plan.cost, gap, within2, iterations: plan.iterations });
      log(
        `${name} seed ${seed}: ${plan.cost} (gap ${round(gap * 100, 2)} %), within 2 % after ${within2 === null ? '-' : round(within2)} ms`,
      );
    }
    const reached = runs.filter((r) => r.within2 !== null).map((r) => r.within2);
    rows.push({
      instance: name,
      optimum: instance.best_known,
      cost: median(runs.map((r) => r.cost)),
      gapPercent: round(median(runs.map((r) => r.gap)) * 100, 2),
      bestCost: Math.min(...runs.map((r) => r.cost)),
      worstGapPercent: round(Math.max(...runs.map((r) => r.gap)) * 100, 2),
      msToWithin2Percent: reached.length === runs.length ? round(median(reached)) : null,
      timeLimitMs: CVRP_MS,
      iterations: median(runs.map((r) => r.iterations)),
    });
  }
  return rows;
}

/** Measures the solver; the object stored under `solver` in bench/results/dispatch.json. */
export function solverSection() {
  const load = loadavg()[0];
  const day = benchDay();
  const cvrp = benchCvrp();
  return {
    at: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverage: round(load, 2),
    },
    note: 'Medians over seeds. Load spread = max/min crew load (service + travel minutes); share spread = the same over each crew’s capacityMinutes (the objective evens shares; part-time crews get less). The machine is shared: read the load average.',
    day,
    cvrp,
  };
}

/** Writes `section` under `key` in bench/results/dispatch.json, keeping the other keys. */
export function writeDispatchSection(key, value) {
  const dir = join(root, 'bench', 'results');
  const file = join(dir, 'dispatch.json');
  mkdirSync(dir, { recursive: true });
  let current = {};
  if (existsSync(file)) {
    try {
      current = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      current = {};
    }
  }
  current[key] = value;
  writeFileSync(file, JSON.stringify(current, null, 2) + '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const s = solverSection();
  writeDispatchSection('solver', s);
  console.table(s.day.rows);
  console.table(s.cvrp);
}
