/**
 * The words MapLibre writes into a map's controls (the credits button, the zoom buttons, the
 * map's own name), in the page's language: MapLibre's own are English ("Toggle attribution"),
 * which a screen reader would read out on a Spanish page. Given as the map's `locale` option.
 * Pure, and free of MapLibre itself: the residents' pages build the words before MapLibre loads.
 */

/** What a map's controls are called; a control not named keeps MapLibre's English words. */
export interface MapControlWords {
  /** The compact credits (attribution) button, which shows and hides the map's sources. */
  credits: string;
  zoomIn?: string;
  zoomOut?: string;
  /** The compass, when the map has one. */
  resetNorth?: string;
  /** The map itself (its canvas, which takes the focus to move the map with the keys). */
  map?: string;
}

/** MapLibre's `locale` option for `words`. */
export function mapLocale(words: MapControlWords): Record<string, string> {
  const locale: Record<string, string> = { 'AttributionControl.ToggleAttribution': words.credits };
  if (words.zoomIn) locale['NavigationControl.ZoomIn'] = words.zoomIn;
  if (words.zoomOut) locale['NavigationControl.ZoomOut'] = words.zoomOut;
  if (words.resetNorth) locale['NavigationControl.ResetBearing'] = words.resetNorth;
  if (words.map) locale['Map.Title'] = words.map;
  return locale;
}
