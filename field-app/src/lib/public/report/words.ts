/**
 * The report form's words for the catalogue's codes: each type's search words and its
 * questions and answers, in the reader's language. A code the messages do not know keeps the
 * server's own words (a type the city added after this app was built).
 */
import type { ServiceAttribute } from '@fieldfix/shared';
import { m } from '../paraglide/messages.js';

const KEYWORDS: Record<string, () => string> = {
  POTHOLE: m.report_kw_POTHOLE,
  SIDEWALK: m.report_kw_SIDEWALK,
  DEBRIS: m.report_kw_DEBRIS,
  MISSED_PICKUP: m.report_kw_MISSED_PICKUP,
  DUMPING: m.report_kw_DUMPING,
  GRAFFITI: m.report_kw_GRAFFITI,
  FALLEN_LIMB: m.report_kw_FALLEN_LIMB,
  TREE_TRIM: m.report_kw_TREE_TRIM,
  STREETLIGHT: m.report_kw_STREETLIGHT,
  SIGNAL: m.report_kw_SIGNAL,
  SIGN: m.report_kw_SIGN,
};
export const keywordWords = (code: string): string => KEYWORDS[code]?.() ?? '';

const ATTRIBUTES: Record<string, () => string> = {
  'POTHOLE.size': m.report_attr_POTHOLE_size,
  'POTHOLE.size.small': m.report_attr_POTHOLE_size_small,
  'POTHOLE.size.medium': m.report_attr_POTHOLE_size_medium,
  'POTHOLE.size.large': m.report_attr_POTHOLE_size_large,
  'SIDEWALK.hazard': m.report_attr_SIDEWALK_hazard,
  'MISSED_PICKUP.bin': m.report_attr_MISSED_PICKUP_bin,
  'MISSED_PICKUP.bin.trash': m.report_attr_MISSED_PICKUP_bin_trash,
  'MISSED_PICKUP.bin.recycling': m.report_attr_MISSED_PICKUP_bin_recycling,
  'MISSED_PICKUP.bin.yard': m.report_attr_MISSED_PICKUP_bin_yard,
  'DUMPING.kind': m.report_attr_DUMPING_kind,
  'DUMPING.kind.furniture': m.report_attr_DUMPING_kind_furniture,
  'DUMPING.kind.tyres': m.report_attr_DUMPING_kind_tyres,
  'DUMPING.kind.bags': m.report_attr_DUMPING_kind_bags,
  'DUMPING.kind.construction': m.report_attr_DUMPING_kind_construction,
  'GRAFFITI.offensive': m.report_attr_GRAFFITI_offensive,
  'GRAFFITI.surface': m.report_attr_GRAFFITI_surface,
  'FALLEN_LIMB.blocking': m.report_attr_FALLEN_LIMB_blocking,
  'FALLEN_LIMB.blocking.road': m.report_attr_FALLEN_LIMB_blocking_road,
  'FALLEN_LIMB.blocking.sidewalk': m.report_attr_FALLEN_LIMB_blocking_sidewalk,
  'STREETLIGHT.pole': m.report_attr_STREETLIGHT_pole,
  'STREETLIGHT.problem': m.report_attr_STREETLIGHT_problem,
  'STREETLIGHT.problem.out': m.report_attr_STREETLIGHT_problem_out,
  'STREETLIGHT.problem.flickering': m.report_attr_STREETLIGHT_problem_flickering,
  'STREETLIGHT.problem.day_burner': m.report_attr_STREETLIGHT_problem_day_burner,
  'SIGNAL.problem': m.report_attr_SIGNAL_problem,
  'SIGNAL.problem.dark': m.report_attr_SIGNAL_problem_dark,
  'SIGNAL.problem.stuck': m.report_attr_SIGNAL_problem_stuck,
  'SIGNAL.problem.ped_button': m.report_attr_SIGNAL_problem_ped_button,
  'SIGNAL.problem.damaged': m.report_attr_SIGNAL_problem_damaged,
  'SIGN.sign': m.report_attr_SIGN_sign,
  'SIGN.sign.stop': m.report_attr_SIGN_sign_stop,
  'SIGN.sign.street_name': m.report_attr_SIGN_sign_street_name,
  'SIGN.sign.speed': m.report_attr_SIGN_sign_speed,
  'SIGN.sign.other': m.report_attr_SIGN_sign_other,
};
const COMMON: Record<string, () => string> = { yes: m.report_yes, no: m.report_no };

/** A type's question in the reader's language. */
export const questionWords = (service: string, a: ServiceAttribute): string =>
  ATTRIBUTES[`${service}.${a.code}`]?.() ?? a.description;

/** One answer to a type's question in the reader's language. */
export const answerWords = (service: string, a: ServiceAttribute, v: { key: string; name: string }): string =>
  ATTRIBUTES[`${service}.${a.code}.${v.key}`]?.() ?? COMMON[v.key]?.() ?? v.name;

/** Lower case without accents, for searching ("cañería" finds "caneria"). */
export const fold = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
