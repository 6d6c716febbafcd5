import type { APIRequestContext } from '@playwright/test';
import { gzipSync } from 'node:zlib';

/**
 * The JavaScript a page has loaded, in KB as each file goes over the wire gzipped (-9), the
 * measure of the residents' pages' budgets (`pnpm bench:public` reports the same figure).
 */
export async function gzippedScriptsKb(request: APIRequestContext, paths: Iterable<string>): Promise<number> {
  let bytes = 0;
  for (const path of new Set(paths)) {
    const res = await request.get(path);
    if (!res.ok()) throw new Error(`${path}: ${res.status()}`);
    bytes += gzipSync(await res.body(), { level: 9 }).length;
  }
  return Math.round((bytes / 1024) * 10) / 10;
}
