#!/usr/bin/env node
// Runs `vite build` only when the build is missing or older than its inputs: src/, static/,
// tools/, vite.config.ts, package.json and ../shared/src. Prints one line saying which.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = dirname(dirname(fileURLToPath(import.meta.url)));
const buildMarker = join(appDir, 'build', '200.html');
const inputs = ['src', 'static', 'tools', 'vite.config.ts', 'package.json', '../shared/src'].map((p) =>
  join(appDir, p),
);

/** Newest modification time under `path` (a file or a directory), with the file that has it. */
function newest(path) {
  if (!existsSync(path)) return { mtime: 0, file: null };
  const st = statSync(path);
  if (!st.isDirectory()) return { mtime: st.mtimeMs, file: path };
  let best = { mtime: 0, file: null };
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const found = newest(join(path, entry.name));
    if (found.mtime > best.mtime) best = found;
  }
  return best;
}

function reason() {
  if (!existsSync(buildMarker)) return 'no build yet';
  const builtAt = statSync(buildMarker).mtimeMs;
  let latest = { mtime: 0, file: null };
  for (const input of inputs) {
    const found = newest(input);
    if (found.mtime > latest.mtime) latest = found;
  }
  return latest.mtime > builtAt ? `${relative(appDir, latest.file)} changed` : null;
}

const why = reason();
if (!why) {
  console.log('[field-app] build is up to date: reusing field-app/build/');
  process.exit(0);
}
const started = performance.now();
const vite = join(appDir, 'node_modules', 'vite', 'bin', 'vite.js');
// Quiet unless it fails: then the whole log is shown.
const res = spawnSync(process.execPath, [vite, 'build'], {
  cwd: appDir,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
if (res.status !== 0) {
  process.stdout.write(res.stdout ?? '');
  process.stderr.write(res.stderr ?? '');
  console.error(`[field-app] build failed (${why})`);
  process.exit(res.status ?? 1);
}
console.log(`[field-app] built field-app/build/ (${why}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
