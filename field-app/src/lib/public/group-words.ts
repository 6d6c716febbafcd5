/**
 * The catalogue's groups of service types in the reader's language (the report form and the
 * map group types by them; a case's page does not, and does not load these words).
 */
import { m } from './paraglide/messages.js';

const GROUPS: Record<string, () => string> = {
  'Streets & sidewalks': m.grp_streets,
  'Trash & recycling': m.grp_trash,
  Trees: m.grp_trees,
  'Lights & signals': m.grp_lights,
};
export const groupWords = (group: string): string => GROUPS[group]?.() ?? group;
