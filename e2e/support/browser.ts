// Which Chromium the browser tests (playwright.config.ts), `pnpm screenshots` and the browser
// benchmarks (bench/client/harness.mjs) drive, and with which flags. The first that applies:
//   1. CHROMIUM_PATH, when it is set (it must exist);
//   2. the system's Chromium: /usr/bin/chromium or /usr/bin/chromium-browser;
//   3. a headless Chromium from the npm registry: @sparticuz/chromium (a devDependency of this
//      package, Linux x64 only), unpacked once into node_modules/.cache/fieldfix-chromium/;
//      on other platforms, Playwright's own Chromium when `playwright install chromium` put one.
// FIELDFIX_CHROMIUM=npm takes the npm Chromium whatever else is there (to try that fallback on a
// machine that has a Chromium).
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LaunchOptions } from '@playwright/test';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SYSTEM_CHROMIUMS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const FONTS_CONF = 'fieldfix-fonts.conf';
/**
 * Starts the npm Chromium with its environment, set here rather than in launchOptions.env, which
 * would need the whole of process.env and which Playwright copies into its JSON report.
 */
const LAUNCHER = 'fieldfix-chromium';

/** Our flags, for every Chromium: no sandbox (CI runs as root), no background calls to Google. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * @sparticuz/chromium's flags are made for AWS Lambda. Kept: software WebGL (ANGLE on the
 * SwiftShader it ships, for the offline map), no sandbox and no zygote, and the harmless rest.
 * Dropped, because here they would make the tests lie or break:
 *   --headless='shell'      Playwright passes --headless itself (and this value carries quotes);
 *   --single-process        Lambda's seccomp filter needs it; here it would run the browser, every
 *                           page and the service workers in one process, where new contexts can fail;
 *   --disable-features=…,   Chromium keeps only the last of a switch, so these would replace
 *   --enable-features=…     Playwright's own lists (which turn off HTTPS upgrades, storage partitioning…);
 *   --disable-web-security, --allow-running-insecure-content
 *                           the app must meet the same-origin and mixed-content rules a tablet applies.
 */
const DROPPED_NPM_ARGS = [
  /^--headless\b/,
  /^--single-process$/,
  /^--(disable|enable)-features=/,
  /^--disable-web-security$/,
  /^--allow-running-insecure-content$/,
];

export interface FoundChromium {
  /** Where it comes from, for logs: `CHROMIUM_PATH (…)`, `system (/usr/bin/chromium)`, `npm (…)`. */
  source: string;
  /** For `chromium.launch()` or Playwright's `use.launchOptions`. */
  launchOptions: LaunchOptions;
}

let found: Promise<FoundChromium> | undefined;

/** The Chromium to drive (see the top of this file); throws, saying how to get one, if there is none. */
export function findChromium(): Promise<FoundChromium> {
  found ??= find();
  return found;
}

async function find(): Promise<FoundChromium> {
  const choice = process.env.FIELDFIX_CHROMIUM ?? '';
  if (choice !== '' && choice !== 'npm') {
    throw new Error(`FIELDFIX_CHROMIUM is "${choice}": leave it unset, or set it to "npm" to use @sparticuz/chromium.`);
  }
  if (choice !== 'npm') {
    const fromEnv = process.env.CHROMIUM_PATH;
    if (fromEnv) {
      if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH is set to ${fromEnv}, but there is no file there.`);
      return { source: `CHROMIUM_PATH (${fromEnv})`, launchOptions: { executablePath: fromEnv, args: CHROMIUM_ARGS } };
    }
    const system = SYSTEM_CHROMIUMS.find((p) => existsSync(p));
    if (system) return { source: `system (${system})`, launchOptions: { executablePath: system, args: CHROMIUM_ARGS } };
    if (!(process.platform === 'linux' && process.arch === 'x64')) {
      // The npm Chromium is built for Linux x64 only; elsewhere, Playwright's own if installed.
      const { chromium } = await import('@playwright/test');
      if (existsSync(chromium.executablePath())) {
        return { source: `Playwright's (${chromium.executablePath()})`, launchOptions: { args: CHROMIUM_ARGS } };
      }
      throw noChromium(`@sparticuz/chromium runs on Linux x64 only, not ${process.platform} ${process.arch}`);
    }
  }
  try {
    return await npmChromium();
  } catch (err) {
    throw noChromium(`the npm Chromium (@sparticuz/chromium) could not be used: ${(err as Error).message}`);
  }
}

function noChromium(why: string): Error {
  return new Error(
    `No Chromium for the browser tests: ${why}.\nGet one of these:\n` +
      "  - the system's: `sudo apt-get install chromium` (Debian, Ubuntu);\n" +
      '  - any Chromium binary, named in CHROMIUM_PATH;\n' +
      '  - on Linux x64, the npm one: `pnpm install` brings @sparticuz/chromium (e2e devDependency);\n' +
      "  - Playwright's, where downloads are allowed: `pnpm --filter @fieldfix/e2e exec playwright install chromium`.",
  );
}

/** @sparticuz/chromium, unpacked once (about 2 s), with its flags merged into ours. */
async function npmChromium(): Promise<FoundChromium> {
  if (!(process.platform === 'linux' && process.arch === 'x64')) {
    throw new Error(`it runs on Linux x64 only, not ${process.platform} ${process.arch}`);
  }
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve('@sparticuz/chromium');
  } catch {
    throw new Error('it is not installed (run `pnpm install`)');
  }
  const pkgDir = join(dirname(entry), '..');
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const mod = (await import('@sparticuz/chromium')) as typeof import('@sparticuz/chromium');
  const dir = await unpack(mod.inflate, join(pkgDir, 'bin'), version);

  const args = [...CHROMIUM_ARGS];
  for (const arg of mod.default.args) {
    if (!DROPPED_NPM_ARGS.some((re) => re.test(arg)) && !args.includes(arg)) args.push(arg);
  }
  return {
    source: `npm (@sparticuz/chromium ${version}, ${join(dir, 'chromium')})`,
    launchOptions: { executablePath: join(dir, LAUNCHER), args },
  };
}

/**
 * Unpacks the brotli files of @sparticuz/chromium into node_modules/.cache/fieldfix-chromium/<version>/:
 * the binary, its SwiftShader libraries (beside it, where it looks for them), fonts and NSS; then
 * writes a fontconfig file and the launcher.
 * Into a private folder first, renamed when complete, so that a run stopped halfway or two runs
 * at once never leave a half-written browser behind.
 */
async function unpack(inflate: (file: string) => Promise<string>, bin: string, version: string): Promise<string> {
  const cache = join(root, 'node_modules', '.cache', 'fieldfix-chromium');
  const dir = join(cache, version);
  if (existsSync(join(dir, LAUNCHER))) return dir;
  mkdirSync(cache, { recursive: true });
  for (const name of readdirSync(cache)) {
    // Left by a run stopped while unpacking (an hour is far longer than any unpacking takes).
    const path = join(cache, name);
    try {
      if (name.includes('.partial-') && Date.now() - statSync(path).mtimeMs > 3_600_000) {
        rmSync(path, { recursive: true, force: true });
      }
    } catch {
      /* another run removed it first */
    }
  }
  const partial = mkdtempSync(join(cache, `${version}.partial-`));
  try {
    // inflate() writes into os.tmpdir(), which it reads before its first await: point that at
    // the private folder for this synchronous moment only.
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = partial;
    let jobs: Promise<string>[];
    try {
      jobs = ['chromium.br', 'swiftshader.tar.br', 'fonts.tar.br', 'al2023.tar.br'].map((f) => inflate(join(bin, f)));
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    await Promise.all(jobs);
    for (const f of ['chromium', 'libGLESv2.so', 'fonts/fonts', 'al2023/lib/libnss3.so']) {
      if (!existsSync(join(partial, f))) throw new Error(`unpacking it left no ${f}`);
    }
    const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    writeFileSync(
      join(partial, FONTS_CONF),
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
        '<fontconfig>',
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
        `  <dir>${xml(join(dir, 'fonts', 'fonts'))}</dir>`,
        `  <cachedir>${xml(join(dir, 'fontconfig-cache'))}</cachedir>`,
        '</fontconfig>',
        '',
      ].join('\n'),
    );
    const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    writeFileSync(
      join(partial, LAUNCHER),
      [
        '#!/bin/sh',
        '# The NSS libraries it links to, shipped beside it (a bare machine has none), and fonts:',
        "# the system's if any, plus the Open Sans it ships.",
        `LD_LIBRARY_PATH=${sh(join(dir, 'al2023', 'lib'))}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}`,
        `FONTCONFIG_FILE=${sh(join(dir, FONTS_CONF))}`,
        'export LD_LIBRARY_PATH FONTCONFIG_FILE',
        `exec ${sh(join(dir, 'chromium'))} "$@"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    // A folder there without the launcher is an older layout of this one.
    if (existsSync(dir) && !existsSync(join(dir, LAUNCHER))) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(partial, dir);
    } catch (err) {
      if (!existsSync(join(dir, LAUNCHER))) throw err; // else another run finished first: use its copy
      rmSync(partial, { recursive: true, force: true });
    }
    return dir;
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}
