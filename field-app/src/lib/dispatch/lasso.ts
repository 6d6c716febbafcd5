/** The map's lasso (pure): which points lie inside a polygon drawn on the screen. */

export type ScreenPoint = readonly [number, number];

/** Even-odd ray casting; a point on an edge may fall either way. */
export function inside(point: ScreenPoint, polygon: readonly ScreenPoint[]): boolean {
  const [x, y] = point;
  let hit = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/** The ids whose screen points lie inside the drawn polygon (fewer than 3 points: none). */
export function lassoSelect(
  points: readonly { id: string; at: ScreenPoint }[],
  polygon: readonly ScreenPoint[],
): string[] {
  if (polygon.length < 3) return [];
  return points.filter((p) => inside(p.at, polygon)).map((p) => p.id);
}

/** Crew colours: distinct, dark enough for white text, told apart by name too. */
export const CREW_COLOURS = ['#0b3d91', '#a34f00', '#0a6b2d', '#7a1fa2', '#b00020', '#00626b', '#5b4a00', '#3d4450'];
export const QUEUE_COLOUR = '#6b7280';

export function crewColour(index: number): string {
  return CREW_COLOURS[index % CREW_COLOURS.length]!;
}
