#!/usr/bin/env node
// `pnpm test:mutation [module …] [--mutate <file>] [--concurrency N] [--summary] [-- <stryker options>]`
//
// Mutation testing of the sync core (README, "Mutation testing"): StrykerJS with the project's
// own Vitest tests, one Stryker run per module (scripts/mutation-modules.mjs) so that each runs
// only the suites that exercise it. Prints each module's score, lists the surviving mutants
// (marking those known to be equivalent, scripts/mutation-equivalents.mjs) and keeps the
// latest figures of each module in bench/results/mutation.json. Full reports:
// .test-output/mutation/<module>.html.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EQUIVALENT } from './mutation-equivalents.mjs';
import { MODULES, selectModules } from './mutation-modules.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const resultsFile = join(root, 'bench', 'results', 'mutation.json');

function usage(code) {
  console.log(
    [
      'Usage: pnpm test:mutation [module …] [--mutate <file>] [--concurrency N] [--summary] [-- <stryker options>]',
      `Modules: ${MODULES.map((m) => `${m.name} (${m.file})`).join(', ')}`,
      'Without a module, all of them, one after the other.',
      '--summary: no run; the table and survivors again from the last reports (after editing mutation-equivalents.mjs).',
    ].join('\n'),
  );
  process.exit(code);
}

// ---- arguments --------------------------------------------------------------------------
const names = [];
const strykerArgs = [];
let concurrency = process.env.MUTATION_CONCURRENCY ?? '2';
let summaryOnly = false;
{
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      strykerArgs.push(...args.slice(i + 1));
      break;
    } else if (a === '--help' || a === '-h') usage(0);
    else if (a === '--summary') summaryOnly = true;
    else if (a === '--mutate' || a === '-m') names.push(...(args[++i] ?? '').split(','));
    else if (a.startsWith('--mutate=')) names.push(...a.slice('--mutate='.length).split(','));
    else if (a === '--concurrency' || a === '-c') concurrency = args[++i];
    else if (a.startsWith('--concurrency=')) concurrency = a.slice('--concurrency='.length);
    else if (a.startsWith('-')) {
      console.error(`Unknown option ${a} (Stryker's own options go after --).`);
      usage(2);
    } else names.push(a);
  }
}
let modules;
try {
  modules = selectModules(names.join(','));
} catch (err) {
  console.error(err.message);
  usage(2);
}
if (Number(concurrency) > availableParallelism()) concurrency = String(availableParallelism());

if (!process.env.TEST_DATABASE_URL) {
  console.warn('TEST_DATABASE_URL is not set: the server suites run on embedded PGlite (slower).');
}

// ---- runs ---------------------------------------------------------------------------------
const results = [];
let failed = false;
for (const m of modules) {
  let status = 0;
  let seconds = readJson(resultsFile)?.modules?.[m.name]?.seconds ?? 0;
  if (!summaryOnly) {
    console.log(`\n=== mutation testing: ${m.name} (${m.file}) ===`);
    const started = Date.now();
    const run = spawnSync('pnpm', ['exec', 'stryker', 'run', 'stryker.config.mjs', ...strykerArgs], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, MUTATION_MODULES: m.name, MUTATION_CONCURRENCY: concurrency, FC_RUNS: '25' },
    });
    seconds = Math.round((Date.now() - started) / 1000);
    status = run.status;
  }
  const report = status === 0 ? readJson(join(root, '.test-output', 'mutation', `${m.name}.json`)) : undefined;
  if (!report) {
    console.error(summaryOnly ? `No report of ${m.name} to read.` : `Stryker failed on ${m.name} (exit ${status}).`);
    failed = true;
    continue;
  }
  const result = { module: m, seconds, ...summarize(m, report) };
  results.push(result);
  save(result); // after each module: a long run that stops halfway keeps what it measured
}

// ---- the summary ----------------------------------------------------------------------------
if (results.length > 0) {
  console.log('\n=== surviving mutants ===');
  for (const r of results) {
    for (const s of r.survivors) {
      console.log(`${s.where}  ${s.mutator}  ${s.original.trim()}  →  ${s.replacement}`);
      console.log(
        `    ${s.why ? `equivalent: ${s.why}` : s.status === 'NoCoverage' ? 'NO COVERAGE' : 'no test tells'}`,
      );
    }
  }
  console.log('\n=== mutation scores (Stryker "high" threshold: 80 %) ===');
  const rows = [
    ['module', 'mutants', 'killed+timed out', 'survived', 'no coverage', 'equivalent', 'score', 'time'],
    ...results.map((r) => [
      r.module.name,
      String(r.mutants),
      String(r.killed + r.timedOut),
      String(r.survived),
      String(r.noCoverage),
      String(r.survivors.filter((s) => s.why).length),
      `${r.score.toFixed(1)} %`,
      `${Math.floor(r.seconds / 60)} min ${r.seconds % 60} s`,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows)
    console.log(row.map((cell, i) => (i === 0 ? cell.padEnd : cell.padStart).call(cell, widths[i])).join('  '));
  console.log(`\nWritten to bench/results/mutation.json; full reports in .test-output/mutation/<module>.html.`);
}
process.exit(failed ? 1 : 0);

// ---- helpers -------------------------------------------------------------------------------
/** Keeps one module's latest figures in bench/results/mutation.json (the others stay). */
function save(r) {
  const previous = readJson(resultsFile) ?? {};
  const modules = previous.modules ?? {};
  // A summary of old reports keeps when and where they were measured.
  const measured = summaryOnly ? modules[r.module.name] : undefined;
  const commit =
    measured?.commit ??
    spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  modules[r.module.name] = {
    file: r.module.file,
    mutants: r.mutants,
    killed: r.killed,
    timedOut: r.timedOut,
    survived: r.survived,
    noCoverage: r.noCoverage,
    equivalent: r.survivors.filter((s) => s.why).length,
    errors: r.errors,
    score: Math.round(r.score * 10) / 10,
    seconds: r.seconds,
    concurrency: measured?.concurrency ?? Number(concurrency),
    at: measured?.at ?? new Date().toISOString(),
    commit,
    survivors: r.survivors.map(
      (s) =>
        `${s.where} ${s.mutator} → ${s.replacement}${s.why ? ` (equivalent: ${s.why})` : s.status === 'NoCoverage' ? ' (no coverage)' : ''}`,
    ),
  };
  const out = {
    note: 'Latest `pnpm test:mutation` result of each module (scripts/mutation.mjs). score = (killed + timed out) / (killed + timed out + survived + no coverage); equivalent survivors (scripts/mutation-equivalents.mjs) count as survived.',
    modules: Object.fromEntries(MODULES.filter((m) => modules[m.name]).map((m) => [m.name, modules[m.name]])),
  };
  mkdirSync(dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(out, null, 2)}\n`);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Counts a module's mutants by status (Stryker's JSON report) and lists the survivors. */
function summarize(m, report) {
  const file = report.files[m.file];
  const lines = file ? file.source.split('\n') : [];
  const count = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, CompileError: 0, RuntimeError: 0, Ignored: 0 };
  const survivors = [];
  for (const mutant of file?.mutants ?? []) {
    count[mutant.status] = (count[mutant.status] ?? 0) + 1;
    if (mutant.status !== 'Survived' && mutant.status !== 'NoCoverage') continue;
    const { line, column } = mutant.location.start;
    const original = lines[line - 1] ?? '';
    const end = mutant.location.end;
    // The source text the mutant replaces (columns count from 1).
    const span = end.line === line ? original.slice(column - 1, end.column - 1) : undefined;
    const known = EQUIVALENT.find(
      (e) =>
        e.module === m.name &&
        e.mutator === mutant.mutatorName &&
        e.replacement === mutant.replacement &&
        original.includes(e.code) &&
        (e.span === undefined || e.span === span),
    );
    survivors.push({
      where: `${m.file}:${line}:${column}`,
      status: mutant.status,
      mutator: mutant.mutatorName,
      replacement: mutant.replacement.replace(/\s+/g, ' '),
      original,
      why: known?.why,
    });
  }
  const detected = count.Killed + count.Timeout;
  const valid = detected + count.Survived + count.NoCoverage;
  return {
    mutants: valid,
    killed: count.Killed,
    timedOut: count.Timeout,
    survived: count.Survived,
    noCoverage: count.NoCoverage,
    errors: count.CompileError + count.RuntimeError,
    score: valid === 0 ? 100 : (100 * detected) / valid,
    survivors,
  };
}
