import { z } from 'zod';

/**
 * In a browser, zod never tries `new Function` to compile faster parsers: the app's
 * Content-Security-Policy allows no eval (zod would fall back by itself, but the browser
 * reports each attempt as a violation). This must run before any schema is built, which is
 * why `index.ts` exports this module first. On the server (Node) zod keeps its compiled
 * parsers.
 */
if (!('process' in globalThis)) z.config({ jitless: true });
