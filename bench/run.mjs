// `pnpm bench`: runs every bench/*.bench.mjs (or those named: `pnpm bench start`). A benchmark
// in parts is bench/<name>.bench.mjs and/or bench/<name>-<part>.mjs: `pnpm bench <name>` runs
// them all (`dispatch`: the solver's figures and dispatch-live.mjs).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './lib.mjs';

const wanted = process.argv.slice(2);
const nameOf = (f) => /^([a-z0-9]+)(?:\.bench|-[a-z0-9-]+)\.mjs$/.exec(f)?.[1];
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
