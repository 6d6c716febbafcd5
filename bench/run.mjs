// `pnpm bench`: runs every bench/*.bench.mjs (or those named: `pnpm bench start`). A benchmark
// in parts is bench/<name>.bench.mjs and/or bench/<name>-<part>.mjs: `pnpm bench <name>` runs
// them all (`dispatch`: the solver's figures and dispatch-live.mjs). A benchmark of its own
// may have a hyphen in its name (bench/load-faults.bench.mjs: `pnpm bench load-faults`); it is
// no part of another (`pnpm bench load` leaves it out).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './lib.mjs';

const wanted = process.argv.slice(2);
const nameOf = (f) => {
  const m = /^(?:([a-z0-9]+(?:-[a-z0-9]+)*)\.bench|([a-z0-9]+)-[a-z0-9-]+)\.mjs$/.exec(f);
  return m?.[1] ?? m?.[2];
};
const files = readdirSync(join(root, 'bench'))
  .filter((f) => nameOf(f) !== undefined)
  .filter((f) => wanted.length === 0 || wanted.includes(nameOf(f)))
  .sort();
let failed = 0;
for (const f of files) {
  console.log(`\n### ${f}`);
  const r = spawnSync(process.execPath, [join(root, 'bench', f)], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
