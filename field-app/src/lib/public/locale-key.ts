/**
 * Where the residents' pages keep the language a person chose (Paraglide's localStorage
 * strategy, `vite.config.ts`). The staff sign-in page writes it for the residents' buttons
 * without importing the residents' runtime, which would split that runtime's chunk and
 * cost `/track/{id}` its budget.
 */
export const RESIDENT_LOCALE_KEY = 'PARAGLIDE_LOCALE';
