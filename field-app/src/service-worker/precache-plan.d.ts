/** The build's precache plan (field-app/tools/precache-plan.ts); empty in `vite dev`. */
declare module 'virtual:fieldfix/precache-plan' {
  /** Built files (paths as in `$app/manifest`'s `immutable`) only the residents' pages and the dispatch board use. */
  export const excluded: string[];
  /** Built files a resident's phone precaches (`/report` and `/track` without signal). */
  export const residents: string[];
}
