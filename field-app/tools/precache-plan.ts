// The service worker's precache plan: which built files a crew's tablet keeps, and which only the
// residents' pages and the lead's dispatch board use (those load from the network when opened,
// and are cached at run time once fetched: src/service-worker/index.ts).
//
// A Vite plugin: in the client build's `generateBundle` it walks the bundle graph (each chunk's
// static and dynamic imports, its CSS and assets, and any built file named in its text, such as
// a worker or a font in a stylesheet) from the client entries, never entering a route node of the
// excluded pages or a chunk whose own module is an excluded source. What is reachable from those
// excluded chunks and from nothing else is left out of the precache. SvelteKit builds the service
// worker after the client (its `buildApp` finalises last), and the worker imports the plan as
// `virtual:fieldfix/precache-plan`; in `vite dev`, and should the client build not have run,
// the plan is empty and everything is precached, as before.
//
// The plan is also written beside Vite's manifest (`.svelte-kit/output/client/.vite/
// precache-plan.json`, never published) for tests and `pnpm bench:client`.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import type { Plugin } from 'vite';

/** Sources only the residents' pages and the lead's board use (paths from the app's root). */
export const EXCLUDED_SOURCES = [
  'src/routes/(public)/',
  'src/routes/dispatch/',
  'src/lib/public/',
  'src/lib/dispatch/',
  'src/lib/ui/dispatch/',
];

/**
 * The crew precache's budget: every file the service worker precaches (built code, styles,
 * fonts, icons, the fallback page), bytes on disk. Measured at 2,262 KiB (682 KiB gzip, 78
 * files) once the residents' pages and the dispatch board are left out, against 2,507 KiB
 * (773 KiB gzip, 104 files) with them; MapLibre and its worker, which the crew's offline map
 * needs, are 1,550 KiB of it. The budget leaves some 6 % of room, less than those pages take:
 * precaching them again, or a crew page growing by more than that, fails the test.
 */
export const PRECACHE_BUDGET_BYTES = 2400 * 1024;

/**
 * The route modules a resident's phone keeps for use without signal (the service worker
 * registered by the residents' pages, `?for=residents`): the root layout and error page, the
 * residents' layout, `/report` and `/track`. `/map` and `/stats` need the network anyway.
 */
export const RESIDENT_ROUTES = [
  'src/routes/+layout.',
  'src/routes/+error.svelte',
  'src/routes/(public)/+layout.',
  'src/routes/(public)/report/',
  'src/routes/(public)/track/',
];

/**
 * Modules a resident's phone keeps though no page imports them up front: the error page's
 * words, loaded when it shows (often with no signal, from the map or the figures).
 */
export const RESIDENT_LAZY_SOURCES = ['src/lib/public/error-words.ts'];

/** `import "./x.js"` and `… from "./x.js"` in built code (not `import("./x.js")`). */
const STATIC_IMPORT = /(?:\bfrom|\bimport)\s*["'](\.\.?\/[^"']+\.js)["']/g;

export const VIRTUAL_ID = 'virtual:fieldfix/precache-plan';
const RESOLVED_ID = `\0${VIRTUAL_ID}`;

export interface PrecachePlan {
  /** Built files (paths from the base, as in `$app/manifest`'s `immutable`) left out of the precache. */
  excluded: string[];
  /** Built files under `_app/immutable/` that are precached. */
  kept: string[];
  /**
   * Built files a resident's phone precaches: what `/report` and `/track` load before any
   * interaction (static imports from the client entries and those pages' route nodes, with
   * their styles and assets). Lazily imported code (the pin map, the crew's shell) is not.
   */
  residents: string[];
  /** Each built chunk's modules from the app's `src/` (paths from the app's root), for tests. */
  sources: Record<string, string[]>;
}

/** What the plan needs of a Rollup/Rolldown output file. */
export interface BundleFile {
  fileName: string;
  type: 'chunk' | 'asset';
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  facadeModuleId?: string | null;
  moduleIds?: readonly string[];
  imports?: readonly string[];
  dynamicImports?: readonly string[];
  code?: string;
  source?: string | Uint8Array;
  viteMetadata?: { importedCss?: Set<string>; importedAssets?: Set<string> };
}

/** `isExcluded(moduleId)`: the module is one of EXCLUDED_SOURCES under `root`. */
export function excludedSourceTest(root: string, sources = EXCLUDED_SOURCES): (id: string) => boolean {
  return (id) => {
    if (id.startsWith('\0')) return false;
    const rel = relative(root, id.split('?')[0]!).split(sep).join('/');
    return sources.some((s) => rel.startsWith(s));
  };
}

/** A route module (`+page.svelte`, `+layout.ts`, …) of the app. */
const isRouteModule = (root: string, id: string) =>
  relative(root, id.split('?')[0]!).split(sep).join('/').startsWith('src/routes/');

/**
 * The plan for a client bundle: files reachable only through excluded chunks are left out.
 * A chunk is excluded when its own module (facade) is an excluded source, or when it is a route
 * node whose route modules all are.
 */
export function planPrecache(
  files: readonly BundleFile[],
  root: string,
  isExcluded = excludedSourceTest(root),
  immutablePrefix = '_app/immutable/',
): PrecachePlan {
  const byName = new Map(files.map((f) => [f.fileName, f]));
  const assets = files.filter((f) => f.type === 'asset');
  const text = (f: BundleFile) => (f.type === 'chunk' ? (f.code ?? '') : typeof f.source === 'string' ? f.source : '');

  const edges = new Map<string, Set<string>>();
  for (const f of files) {
    const to = new Set<string>([
      ...(f.imports ?? []),
      ...(f.dynamicImports ?? []),
      ...(f.viteMetadata?.importedCss ?? []),
      ...(f.viteMetadata?.importedAssets ?? []),
    ]);
    const body = text(f);
    if (body) {
      for (const a of assets) if (a !== f && body.includes(posix.basename(a.fileName))) to.add(a.fileName);
    }
    edges.set(f.fileName, new Set([...to].filter((n) => byName.has(n))));
  }

  // SvelteKit's client build takes each route node as an entry of its own, beside start and app.
  const barrier = (f: BundleFile): boolean => {
    if (f.type !== 'chunk') return false;
    if (f.facadeModuleId && isExcluded(f.facadeModuleId)) return true;
    if (!f.isEntry && !f.isDynamicEntry) return false;
    const routes = (f.moduleIds ?? []).filter((id) => isRouteModule(root, id));
    return routes.length > 0 && routes.every(isExcluded);
  };
  const barriers = files.filter(barrier).map((f) => f.fileName);

  const walk = (from: readonly string[], enter: (name: string) => boolean): Set<string> => {
    const seen = new Set<string>();
    const stack = [...from];
    while (stack.length) {
      const name = stack.pop()!;
      if (seen.has(name) || !enter(name)) continue;
      seen.add(name);
      for (const n of edges.get(name) ?? []) stack.push(n);
    }
    return seen;
  };
  const barrierSet = new Set(barriers);
  const crew = walk(
    files.filter((f) => f.type === 'chunk' && f.isEntry && !barrierSet.has(f.fileName)).map((f) => f.fileName),
    (n) => !barrierSet.has(n),
  );
  const onlyExcluded = [...walk(barriers, () => true)].filter((n) => !crew.has(n));

  // A resident's phone: the static graph from the entries, entering no route node but theirs.
  const routesOf = (f: BundleFile) => (f.moduleIds ?? []).filter((id) => isRouteModule(root, id));
  const residentRoute = (id: string) =>
    RESIDENT_ROUTES.some((r) => relative(root, id.split('?')[0]!).split(sep).join('/').startsWith(r));
  const isRouteNode = (f: BundleFile) =>
    f.type === 'chunk' && routesOf(f).length > 0 && !!(f.isEntry || f.isDynamicEntry);
  const residentNodes = files.filter((f) => isRouteNode(f) && routesOf(f).every(residentRoute));
  const staticEdges = (f: BundleFile) =>
    new Set(
      [
        ...(f.imports ?? []),
        ...(f.viteMetadata?.importedCss ?? []),
        ...(f.viteMetadata?.importedAssets ?? []),
        ...assets.filter((a) => a !== f && text(f).includes(posix.basename(a.fileName))).map((a) => a.fileName),
        // Static imports written in the code, for chunks whose import list leaves one out (a
        // re-exporting facade of SvelteKit's start entry does).
        ...[...text(f).matchAll(STATIC_IMPORT)].map((m) => posix.join(posix.dirname(f.fileName), m[1]!)),
      ].filter((n) => byName.has(n)),
    );
  const residents = new Set<string>();
  const lazy = files.filter(
    (f) =>
      f.type === 'chunk' &&
      (f.moduleIds ?? []).some((id) =>
        RESIDENT_LAZY_SOURCES.includes(relative(root, id.split('?')[0]!).split(sep).join('/')),
      ),
  );
  const stack = [
    ...files.filter((f) => f.type === 'chunk' && f.isEntry && !isRouteNode(f)).map((f) => f.fileName),
    ...residentNodes.map((f) => f.fileName),
    ...lazy.map((f) => f.fileName),
  ];
  while (stack.length) {
    const name = stack.pop()!;
    const f = byName.get(name)!;
    if (residents.has(name) || (isRouteNode(f) && !routesOf(f).every(residentRoute))) continue;
    residents.add(name);
    for (const n of staticEdges(f)) stack.push(n);
  }

  const immutable = files.map((f) => f.fileName).filter((n) => n.startsWith(immutablePrefix));
  const excluded = new Set(onlyExcluded.filter((n) => n.startsWith(immutablePrefix)));
  const sources: Record<string, string[]> = {};
  for (const f of files) {
    const own = (f.moduleIds ?? [])
      .filter((id) => !id.startsWith('\0'))
      .map((id) => relative(root, id.split('?')[0]!).split(sep).join('/'))
      .filter((p) => p.startsWith('src/'));
    if (f.type === 'chunk' && own.length) sources[f.fileName] = own;
  }
  return {
    excluded: [...excluded].sort(),
    kept: immutable.filter((n) => !excluded.has(n)).sort(),
    residents: immutable.filter((n) => residents.has(n)).sort(),
    sources,
  };
}

export const EMPTY_PLAN: PrecachePlan = { excluded: [], kept: [], residents: [], sources: {} };

/**
 * Every file the service worker precaches (src/service-worker/index.ts), paths from the build's
 * root: the kept built files, every file of `static/` and the fallback page.
 */
export function precachedFiles(plan: PrecachePlan, staticDir: string): string[] {
  const walk = (dir: string, base = ''): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name), `${base}${e.name}/`) : [`${base}${e.name}`],
    );
  return [...plan.kept, ...walk(staticDir), '200.html'];
}

/** Where the last build's plan is written (relative to the app's root). */
export const PLAN_FILE = '.svelte-kit/output/client/.vite/precache-plan.json';

/** The Vite plugin (see the top of this file). */
export function precachePlan(): Plugin {
  let plan: PrecachePlan = EMPTY_PLAN;
  let root = process.cwd();
  return {
    name: 'fieldfix-precache-plan',
    configResolved(config) {
      root = config.root;
    },
    buildStart() {
      // A new build: the client environment's plan comes first (see the file's top).
      if (this.environment?.name === 'client') plan = EMPTY_PLAN;
    },
    resolveId(id) {
      return id === VIRTUAL_ID ? RESOLVED_ID : null;
    },
    load(id) {
      if (id !== RESOLVED_ID) return null;
      return `export const excluded = ${JSON.stringify(plan.excluded)};\nexport const residents = ${JSON.stringify(plan.residents)};\n`;
    },
    generateBundle(_options, bundle) {
      if (this.environment?.name !== 'client') return;
      plan = planPrecache(Object.values(bundle) as unknown as BundleFile[], root);
    },
    writeBundle() {
      if (this.environment?.name !== 'client') return;
      const file = join(root, PLAN_FILE);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(plan, null, 2)}\n`);
      this.info?.(`precache plan: ${plan.kept.length} built files precached, ${plan.excluded.length} left out`);
    },
  };
}
