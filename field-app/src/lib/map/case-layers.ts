/**
 * The crew's cases as map data (pure): pins styled by status, priority and SLA (an overdue
 * case gets a red ring), and the route order as a line.
 */
import type { CircleLayerSpecification } from 'maplibre-gl';
import type { StatusFilter } from '#lib/state/day-filters.ts';
import type { Badge } from '#lib/state/case-view.ts';

/** Just enough GeoJSON (the `geojson` types are not a dependency of the app). */
interface Feature<G, P> {
  type: 'Feature';
  id?: number;
  geometry: G;
  properties: P;
}
interface Point {
  type: 'Point';
  coordinates: [number, number];
}
interface LineString {
  type: 'LineString';
  coordinates: [number, number][];
}
export interface FeatureCollection<G, P = Record<string, never>> {
  type: 'FeatureCollection';
  features: Feature<G, P>[];
}

export interface MapCase {
  id: string;
  stop: number;
  lat: number;
  long: number;
  bucket: StatusFilter;
  badges: Badge[];
}

/** What the day map's card shows about a case. */
export interface DayMapCase extends MapCase {
  address: string;
  serviceName: string;
  state: string;
}

export interface PinProps {
  id: string;
  stop: number;
  bucket: StatusFilter;
  /** 'urgent' | 'high' | 'normal'. */
  priority: string;
  /** 'overdue' | 'due-today' | 'none'. */
  sla: string;
}

export function casePins(cases: readonly MapCase[]): FeatureCollection<Point, PinProps> {
  return {
    type: 'FeatureCollection',
    features: cases.map((c) => {
      const tones = new Set(c.badges.map((b) => b.tone));
      return {
        type: 'Feature',
        id: c.stop,
        geometry: { type: 'Point', coordinates: [c.long, c.lat] },
        properties: {
          id: c.id,
          stop: c.stop,
          bucket: c.bucket,
          priority: tones.has('urgent') ? 'urgent' : tones.has('high') ? 'high' : 'normal',
          sla: tones.has('overdue') ? 'overdue' : tones.has('due-today') ? 'due-today' : 'none',
        },
      };
    }),
  };
}

/** The stops still to visit, in route order, joined up. */
export function routeLine(cases: readonly MapCase[]): FeatureCollection<LineString> {
  const stops = [...cases].filter((c) => c.bucket !== 'done').sort((a, b) => a.stop - b.stop);
  return {
    type: 'FeatureCollection',
    features:
      stops.length < 2
        ? []
        : [
            {
              type: 'Feature',
              properties: {},
              geometry: { type: 'LineString', coordinates: stops.map((c) => [c.long, c.lat]) },
            },
          ],
  };
}

/**
 * Colours by status bucket (the list's badge colours). The day map draws a done pin faded
 * (`DONE_PIN_OPACITY`) over the map, inside a white ring: so its green is dark enough that the
 * faded pin still stands out from the ring and from the light map by 3:1 or more (WCAG 1.4.11,
 * graphical objects; `case-layers.test.ts`), and it stays green, apart from the open pins' blue.
 */
export const STATUS_COLOURS: Record<StatusFilter, string> = {
  open: '#1f4e9c',
  in_progress: '#a34f00',
  on_hold: '#5b6470',
  done: '#064a17',
};

/** How opaque the day map draws a done pin's fill (`DayMap.svelte`), to set done ones back. */
export const DONE_PIN_OPACITY = 0.6;

export const OVERDUE_RING = '#d1001f';
export const DUE_TODAY_RING = '#e8a100';

/**
 * How the day map paints a case's pin (MapLibre's circle paint, over `casePins`' properties):
 * its status colour (done ones faded), a size by priority, a ring by service level.
 */
export const PIN_PAINT: NonNullable<CircleLayerSpecification['paint']> = {
  'circle-color': [
    'match',
    ['get', 'bucket'],
    'open',
    STATUS_COLOURS.open,
    'in_progress',
    STATUS_COLOURS.in_progress,
    'on_hold',
    STATUS_COLOURS.on_hold,
    STATUS_COLOURS.done,
  ],
  'circle-radius': ['match', ['get', 'priority'], 'urgent', 15, 'high', 13, 11],
  'circle-stroke-color': ['match', ['get', 'sla'], 'overdue', OVERDUE_RING, 'due-today', DUE_TODAY_RING, '#ffffff'],
  'circle-stroke-width': ['match', ['get', 'sla'], 'overdue', 5, 'due-today', 4, 2],
  'circle-opacity': ['case', ['==', ['get', 'bucket'], 'done'], DONE_PIN_OPACITY, 1],
};
