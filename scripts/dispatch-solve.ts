// `pnpm dispatch:solve [options] [file] < day.json > plan.json`: balances a day's routes.
// Reads a DayInput (shared/src/dispatch/README.md) from the file or stdin, writes the Plan as
// JSON on stdout. Bad input: a message naming the problem on stderr and exit code 2.
//   --time-limit-ms N   budget for the search (default 1000)
//   --iterations N      stop after N ruin-and-recreate iterations; without --time-limit-ms
//                       nothing depends on the clock (same seed: same plan)
//   --seed N            seed of the search (default 1)
//   --cvrplib           the input is a CVRPLIB instance (../shared/cvrp format): solved as
//                       plain CVRP (objective distance, rounded EUC_2D edges)
//   --order-route ID    only reorder crew ID's route (its cases stay)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DayInput, describeDayErrors } from '../shared/src/dispatch/day.ts';
import { CvrplibInstance, cvrplibToDay } from '../shared/src/dispatch/cvrplib.ts';
import { orderRoute, solveDay } from '../shared/src/dispatch/solve.ts';

function fail(message: string): never {
  process.stderr.write(`dispatch:solve: ${message}\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      'time-limit-ms': { type: 'string' },
      iterations: { type: 'string' },
      seed: { type: 'string' },
      cvrplib: { type: 'boolean' },
      'order-route': { type: 'string' },
    },
  });
} catch (e) {
  fail((e as Error).message);
}
const { values, positionals } = args;
const count = (name: string, raw: string | undefined, min: number) => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer of at least ${min} (got "${raw}")`);
  return n;
};
const timeLimitMs = count('time-limit-ms', values['time-limit-ms'], 1);
const iterations = count('iterations', values.iterations, 0);
const seed = count('seed', values.seed, 0);
if (positionals.length > 1) fail('give at most one input file (or none, to read stdin)');

let text: string;
try {
  text = positionals[0] ? readFileSync(positionals[0], 'utf8') : readFileSync(0, 'utf8');
} catch (e) {
  fail(`cannot read the input: ${(e as Error).message}`);
}
let json: unknown;
try {
  json = JSON.parse(text);
} catch (e) {
  fail(`the input is not JSON: ${(e as Error).message}`);
}

let day: unknown = json;
if (values.cvrplib) {
  const instance = CvrplibInstance.safeParse(json);
  if (!instance.success) fail(`not a CVRPLIB instance:\n${describeDayErrors(instance.error)}`);
  day = cvrplibToDay(instance.data);
}
const parsed = DayInput.safeParse(day);
if (!parsed.success) fail(`the day is not valid:\n${describeDayErrors(parsed.error)}`);
const crewId = values['order-route'];
if (crewId !== undefined && !parsed.data.crews.some((c) => c.id === crewId))
  fail(`--order-route: crew "${crewId}" is not in the day`);

const options = { timeLimitMs, iterations, seed };
const plan = crewId === undefined ? solveDay(parsed.data, options) : orderRoute(parsed.data, crewId, options);
process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
