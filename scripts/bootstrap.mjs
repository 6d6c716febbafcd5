#!/usr/bin/env node
// Entry point of `npm start` and `npm test`.
//
// It must run on any Node >= 18 with only npm beside it, so it is plain JavaScript
// with no dependencies. It makes sure the project's toolchain is there, then hands
// over to a pnpm script:
//   1. Node >= 22.17 (the stack needs it). If the `node` running this is older, Node 24
//      is installed from the npm registry (package `node-<os>-<arch>`) into .toolchain/.
//   2. pnpm at PNPM_VERSION, also from the npm
//      registry into .toolchain/ (no corepack, no global install).
//   3. `pnpm install` (frozen lockfile), then `pnpm run <task>` under that Node.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_VERSION = '24.21.0';
const PNPM_VERSION = '12.21.0';
const MIN_NODE = [22, 17];

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const toolDir = join(root, '.toolchain');
const task = process.argv[2];
if (!task) fail('usage: node scripts/bootstrap.mjs <pnpm-script> [args…]');

function log(msg) {
  process.stderr.write(`[fieldfix] ${msg}\n`);
}
function fail(msg) {
  process.stderr.write(`[fieldfix] ${msg}\n`);
  process.exit(1);
}

function nodeIsRecentEnough(version) {
  const [major, minor] = version.split('.').map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

function npmInstall(prefix, spec, what) {
  mkdirSync(prefix, { recursive: true });
  log(`installing ${what} from the npm registry (${spec})…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const res = spawnSync(
    npm,
    ['install', '--prefix', prefix, spec, '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'],
    { stdio: 'inherit' },
  );
  if (res.status !== 0) {
    fail(`could not install ${what}. Check that the npm registry is reachable (npm ping), then run the command again.`);
  }
}

function ensureNode() {
  if (nodeIsRecentEnough(process.versions.node)) return process.execPath;
  const os = { linux: 'linux', darwin: 'darwin', win32: 'win' }[process.platform];
  if (!os)
    fail(
      `Node ${process.versions.node} is too old and no Node build is known for ${process.platform}; install Node 24 yourself.`,
    );
  const pkg = `node-${os}-${process.arch}`;
  const prefix = join(toolDir, 'node');
  const bin =
    process.platform === 'win32'
      ? join(prefix, 'node_modules', pkg, 'bin', 'node.exe')
      : join(prefix, 'node_modules', pkg, 'bin', 'node');
  const stamp = join(prefix, 'version');
  const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
  if (!existsSync(bin) || have !== NODE_VERSION) {
    log(`Node ${process.versions.node} is older than ${MIN_NODE.join('.')}, which the stack needs.`);
    npmInstall(prefix, `${pkg}@${NODE_VERSION}`, `Node ${NODE_VERSION}`);
    writeFileSync(stamp, NODE_VERSION);
  }
  return bin;
}

function ensurePnpm(nodeBin) {
  const version = PNPM_VERSION;
  const prefix = join(toolDir, 'pnpm');
  const entry = join(prefix, 'node_modules', 'pnpm', 'bin', 'pnpm.mjs');
  const entryCjs = join(prefix, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
  const stamp = join(prefix, 'version');
  const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
  if (have !== version || !(existsSync(entry) || existsSync(entryCjs))) {
    npmInstall(prefix, `pnpm@${version}`, `pnpm ${version}`);
    writeFileSync(stamp, version);
  }
  const script = existsSync(entry) ? entry : entryCjs;
  // A shim on PATH so that nested `pnpm …` calls in package scripts use the same pnpm and Node.
  const binDir = join(toolDir, 'bin');
  mkdirSync(binDir, { recursive: true });
  const shim = join(binDir, 'pnpm');
  writeFileSync(shim, `#!/bin/sh\nexec "${nodeBin}" "${script}" "$@"\n`);
  chmodSync(shim, 0o755);
  return { binDir, script };
}

const nodeBin = ensureNode();
const { binDir, script: pnpmScript } = ensurePnpm(nodeBin);
const sep = process.platform === 'win32' ? ';' : ':';
const env = {
  ...process.env,
  PATH: [dirname(nodeBin), binDir, process.env.PATH ?? ''].join(sep),
  // pnpm must not try to fetch another pnpm: the pinned one is already the one running.
  npm_config_manage_package_manager_versions: 'false',
};

function pnpm(args, opts = {}) {
  return spawnSync(nodeBin, [pnpmScript, ...args], { cwd: root, env, stdio: 'inherit', ...opts });
}

const install = pnpm(['install', '--frozen-lockfile', '--prefer-offline', '--reporter=append-only']);
if (install.status !== 0)
  fail('pnpm install failed (see above). Check that the npm registry is reachable and run again.');

const child = spawn(nodeBin, [pnpmScript, 'run', '--silent', task, ...process.argv.slice(3)], {
  cwd: root,
  env,
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => child.kill(sig));
}
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
