import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  EXCLUDED_SOURCES,
  PLAN_FILE,
  PRECACHE_BUDGET_BYTES,
  excludedSourceTest,
  planPrecache,
  precachedFiles,
  type BundleFile,
  type PrecachePlan,
} from './precache-plan.ts';

const ROOT = '/app';
const src = (p: string) => `${ROOT}/src/${p}`;
const node = (n: number) => `${ROOT}/.svelte-kit/generated/client-optimized/nodes/${n}.js`;
const chunk = (fileName: string, extra: Partial<BundleFile> = {}): BundleFile => ({
  fileName: `_app/immutable/${fileName}`,
  type: 'chunk',
  code: '',
  imports: [],
  dynamicImports: [],
  moduleIds: [],
  ...extra,
});
const asset = (fileName: string, source = ''): BundleFile => ({
  fileName: `_app/immutable/${fileName}`,
  type: 'asset',
  source,
});
const im = (f: string) => `_app/immutable/${f}`;

describe('planPrecache', () => {
  // An app entry that lazily imports the crew's day node, the dispatch node and a public node;
  // a chunk shared by the day and the board; one only the board and the public page share; a
  // board-only stylesheet with a font, and a worker the day names in its code.
  const bundle: BundleFile[] = [
    chunk('entry/app.js', {
      isEntry: true,
      imports: [im('chunks/shared.js')],
      dynamicImports: [im('nodes/0.js'), im('nodes/1.js'), im('nodes/2.js'), im('nodes/3.js')],
    }),
    chunk('chunks/shared.js', { moduleIds: [src('lib/db/db.ts')] }),
    chunk('nodes/0.js', {
      isDynamicEntry: true,
      facadeModuleId: node(0),
      moduleIds: [node(0), src('routes/+layout.svelte')],
    }),
    // SvelteKit makes each route node an entry of the client build (here: two of them).
    chunk('nodes/1.js', {
      isEntry: true,
      facadeModuleId: node(1),
      moduleIds: [node(1), src('routes/day/+page.svelte')],
      imports: [im('chunks/shared.js'), im('chunks/both.js')],
      code: 'new Worker(new URL("../workers/downscale.worker-a1.js", import.meta.url))',
    }),
    chunk('nodes/2.js', {
      isDynamicEntry: true,
      facadeModuleId: node(2),
      moduleIds: [node(2), src('routes/dispatch/+page.svelte'), src('lib/dispatch/board.ts')],
      imports: [im('chunks/shared.js'), im('chunks/both.js'), im('chunks/lead-and-public.js')],
      dynamicImports: [im('chunks/solver-preview.js')],
      viteMetadata: { importedCss: new Set([im('assets/board.css')]) },
    }),
    chunk('nodes/3.js', {
      isEntry: true,
      facadeModuleId: node(3),
      moduleIds: [node(3), src('routes/(public)/stats/+page.svelte')],
      imports: [im('chunks/lead-and-public.js')],
    }),
    chunk('chunks/both.js', { moduleIds: [src('lib/ui/Badges.svelte')] }),
    chunk('chunks/lead-and-public.js', { moduleIds: [`${ROOT}/node_modules/uplot/dist/uPlot.esm.js`] }),
    chunk('chunks/solver-preview.js', { isDynamicEntry: true, facadeModuleId: src('lib/dispatch/preview.ts') }),
    asset('assets/board.css', '.board{font-family:x;src:url(./board-font.woff2)}'),
    asset('assets/board-font.woff2'),
    asset('workers/downscale.worker-a1.js'),
    asset('assets/unreferenced.svg'),
  ];
  const plan = planPrecache(bundle, ROOT);

  it('leaves out what only the excluded pages reach', () => {
    expect(plan.excluded).toEqual(
      [
        'assets/board-font.woff2',
        'assets/board.css',
        'chunks/lead-and-public.js',
        'chunks/solver-preview.js',
        'nodes/2.js',
        'nodes/3.js',
      ].map(im),
    );
  });

  it('keeps what a crew page reaches, even when an excluded page shares it, and what it cannot place', () => {
    expect(plan.kept).toEqual(
      [
        'assets/unreferenced.svg',
        'chunks/both.js',
        'chunks/shared.js',
        'entry/app.js',
        'nodes/0.js',
        'nodes/1.js',
        'workers/downscale.worker-a1.js',
      ].map(im),
    );
  });

  it("gives a resident the entries and the residents' layout, report and track, statically imported", () => {
    const withResident: BundleFile[] = [
      ...bundle.map((f) =>
        f.fileName === im('entry/app.js')
          ? { ...f, dynamicImports: [...(f.dynamicImports ?? []), im('nodes/4.js'), im('nodes/5.js')] }
          : f,
      ),
      chunk('nodes/4.js', {
        isDynamicEntry: true,
        facadeModuleId: node(4),
        moduleIds: [node(4), src('routes/(public)/+layout.svelte'), src('routes/(public)/report/+page.svelte')],
        imports: [im('chunks/report-form.js')],
        dynamicImports: [im('chunks/pin-map.js')],
        code: 'const map = () => import("../chunks/pin-map.js");',
        viteMetadata: { importedCss: new Set([im('assets/report.css')]) },
      }),
      chunk('nodes/5.js', {
        isDynamicEntry: true,
        facadeModuleId: node(5),
        moduleIds: [node(5), src('routes/(public)/+layout.svelte'), src('routes/(public)/map/+page.svelte')],
        imports: [im('chunks/report-form.js')],
      }),
      // A re-exporting chunk whose import list leaves its target out: the code names it.
      chunk('chunks/report-form.js', {
        moduleIds: [src('lib/public/report/send.ts')],
        code: 'export{s}from"./send.js";',
      }),
      chunk('chunks/send.js'),
      chunk('chunks/pin-map.js', { isDynamicEntry: true, moduleIds: [`${ROOT}/node_modules/maplibre-gl/x.js`] }),
      asset('assets/report.css'),
    ];
    expect(planPrecache(withResident, ROOT).residents).toEqual(
      [
        'assets/report.css',
        'chunks/report-form.js',
        'chunks/send.js',
        'chunks/shared.js',
        'entry/app.js',
        'nodes/0.js',
        'nodes/4.js',
      ].map(im),
    );
  });

  it('gives a resident the error page’s words too, though only loaded when it shows', () => {
    const withWords: BundleFile[] = [
      ...bundle,
      chunk('chunks/error-words.js', {
        isDynamicEntry: true,
        moduleIds: [src('lib/public/error-words.ts')],
        imports: [im('chunks/messages.js')],
      }),
      chunk('chunks/messages.js'),
      chunk('chunks/other-lazy.js', { isDynamicEntry: true, moduleIds: [src('lib/public/pin-map.ts')] }),
    ];
    const { residents } = planPrecache(withWords, ROOT);
    expect(residents).toEqual(expect.arrayContaining([im('chunks/error-words.js'), im('chunks/messages.js')]));
    expect(residents).not.toContain(im('chunks/other-lazy.js'));
  });

  it('knows the excluded sources by path from the app root', () => {
    const test = excludedSourceTest(ROOT);
    expect(test(src('routes/(public)/report/+page.svelte'))).toBe(true);
    expect(test(src('lib/ui/dispatch/Card.svelte'))).toBe(true);
    expect(test(src('lib/ui/DayMap.svelte'))).toBe(false);
    expect(test(src('routes/day/+page.svelte'))).toBe(false);
    expect(test('\0virtual:thing')).toBe(false);
  });
});

// Over the last build (`pnpm --filter @fieldfix/field-app build`): what the service worker
// precaches, against the budget, and that none of it is a dispatch or residents' page.
const app = join(import.meta.dirname, '..');
const built = join(app, 'build');
const planFile = join(app, PLAN_FILE);
const hasBuild = existsSync(join(built, '200.html')) && existsSync(planFile);

describe.skipIf(!hasBuild)('the built precache', () => {
  const plan = hasBuild
    ? (JSON.parse(readFileSync(planFile, 'utf8')) as PrecachePlan)
    : { kept: [], excluded: [], residents: [], sources: {} };
  const files = hasBuild ? precachedFiles(plan, join(app, 'static')) : [];

  it(`is within the crew budget (${PRECACHE_BUDGET_BYTES / 1024} KiB)`, () => {
    let raw = 0;
    let gzip = 0;
    for (const f of files) {
      const bytes = readFileSync(join(built, f));
      raw += bytes.length;
      gzip += gzipSync(bytes, { level: 9 }).length;
    }
    console.info(
      `precache: ${files.length} files, ${(raw / 1024).toFixed(0)} KiB (${(gzip / 1024).toFixed(0)} KiB gzip); ${plan.excluded.length} built files left out`,
    );
    expect(raw).toBeLessThanOrEqual(PRECACHE_BUDGET_BYTES);
  });

  it('leaves something out, and every built file is either kept or left out', () => {
    expect(plan.excluded.length).toBeGreaterThan(0);
    const onDisk = readdirSync(join(built, '_app/immutable'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) =>
        join(e.parentPath, e.name)
          .slice(built.length + 1)
          .split('\\')
          .join('/'),
      );
    const planned = new Set([...plan.kept, ...plan.excluded]);
    expect(onDisk.filter((f) => !planned.has(f))).toEqual([]);
    for (const f of files) expect(statSync(join(built, f)).isFile()).toBe(true);
  });

  it('gives a resident’s phone /report and /track, and none of the crew app', () => {
    // Shared pieces (the service types' icons) are fine; the crew's data, sync and shell are not.
    const crewOnly =
      /^src\/(lib\/(sync|db|dispatch|ui\/dispatch)\/|lib\/state\/app-update|lib\/ui\/StaffShell|routes\/(day|cases|dispatch|inbox|settings|admin|login)\/)/;
    const withCrew = plan.residents.filter((f) => (plan.sources[f] ?? []).some((m) => crewOnly.test(m)));
    expect(withCrew.map((f) => `${f}: ${plan.sources[f]!.join(', ')}`)).toEqual([]);
    const pages = plan.residents.flatMap((f) => plan.sources[f] ?? []);
    expect(pages).toContain('src/routes/(public)/report/+page.svelte');
    expect(pages).toContain('src/routes/(public)/track/[id]/+page.svelte');
    expect(pages).not.toContain('src/routes/(public)/map/+page.svelte');
    expect(pages).toContain('src/lib/public/error-words.ts');
    const bytes = plan.residents.reduce((n, f) => n + statSync(join(built, f)).size, 0);
    console.info(`residents' precache: ${plan.residents.length} built files, ${(bytes / 1024).toFixed(0)} KiB`);
    expect(bytes).toBeLessThan(600 * 1024);
  });

  it('precaches no file of the dispatch board or the residents’ pages alone', () => {
    // No kept chunk whose app modules all are the excluded pages' (route nodes and their code).
    const onlyExcluded = (mods: string[]) => mods.every((m) => EXCLUDED_SOURCES.some((s) => m.startsWith(s)));
    const kept = plan.kept.filter((f) => plan.sources[f] && onlyExcluded(plan.sources[f]));
    expect(kept.map((f) => `${f}: ${plan.sources[f]!.join(', ')}`)).toEqual([]);
    // And the excluded pages' route nodes are among the files left out.
    const nodes = Object.entries(plan.sources).filter(([, mods]) =>
      mods.some((m) => /^src\/routes\/(dispatch|\(public\))\/.*\+page\.svelte$/.test(m)),
    );
    expect(nodes.length).toBeGreaterThan(0);
    for (const [file] of nodes) expect(plan.excluded).toContain(file);
  });
});
