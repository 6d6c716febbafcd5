/**
 * Riverton, the demo city: a street grid cut by a river, with parks and five districts.
 *
 * Pure and deterministic. The seed places demo cases on these streets, and the basemap the
 * server generates for the demo draws the same streets, so case addresses match the map.
 * Coordinates are [longitude, latitude] (GeoJSON order).
 */

export type LngLat = [number, number];
export type Polygon = LngLat[][];

export type Street = { name: string; kind: 'avenue' | 'street' | 'main'; coords: LngLat[] };
export type Area = { id: string; name: string; polygon: Polygon };
export type District = Area & { zipcode: string };

export type CityModel = {
  name: string;
  center: LngLat;
  bbox: [west: number, south: number, east: number, north: number];
  streets: Street[];
  river: Area;
  parks: Area[];
  districts: District[];
};

export type Place = { lat: number; long: number; address: string; districtId: string; zipcode: string };

// The grid: avenues run north–south (x = 0…23), streets east–west (y = 0…29).
const LAT0 = 42.34;
const LON0 = -86.99;
const DLAT = 0.0011; // ≈ 122 m between streets
const DLON = 0.0018; // ≈ 148 m between avenues
const AVENUES = 24;
const STREETS = 30;

const AVENUE_NAMES = [
  'Alder',
  'Ash',
  'Aspen',
  'Beech',
  'Birch',
  'Cedar',
  'Chestnut',
  'Cypress',
  'Dogwood',
  'Elm',
  'Fir',
  'Hawthorn',
  'Hazel',
  'Hickory',
  'Holly',
  'Juniper',
  'Larch',
  'Laurel',
  'Linden',
  'Magnolia',
  'Maple',
  'Oak',
  'Pine',
  'Walnut',
].map((n) => `${n} Ave`);

const SPECIAL_STREETS: Record<number, string> = { 5: 'Station St', 12: 'Main St', 22: 'Lake St' };

function ordinal(n: number): string {
  const s =
    n % 100 >= 11 && n % 100 <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${s}`;
}

const lon = (x: number) => LON0 + x * DLON;
const lat = (y: number) => LAT0 + y * DLAT;

function streetName(y: number): string {
  return SPECIAL_STREETS[y] ?? `${ordinal(y + 1)} St`;
}

/** Latitude of the river's centre line at grid column x (it runs from west-north to east-south). */
function riverY(x: number): number {
  const t = x / (AVENUES - 1);
  return 17 - 8 * t + 1.5 * Math.sin(t * Math.PI * 3);
}
const RIVER_HALF_WIDTH = 0.35; // in street spacings (≈ 43 m)

function rect([x0, y0, x1, y1]: readonly [number, number, number, number]): Polygon {
  return [
    [
      [lon(x0), lat(y0)],
      [lon(x1), lat(y0)],
      [lon(x1), lat(y1)],
      [lon(x0), lat(y1)],
      [lon(x0), lat(y0)],
    ],
  ];
}

const PARKS_GRID = [
  { id: 'central-park', name: 'Central Park', box: [10.1, 20.1, 12.9, 22.9] },
  { id: 'lincoln-field', name: 'Lincoln Field', box: [3.1, 4.1, 4.9, 5.9] },
  { id: 'orchard-green', name: 'Orchard Green', box: [18.1, 24.1, 19.9, 25.9] },
  { id: 'mill-park', name: 'Mill Park', box: [15.1, 1.1, 16.9, 2.9] },
] as const;

const DISTRICTS_GRID = [
  { id: 'northside', name: 'Northside', zipcode: '49601', box: [-0.5, 20, 23.5, 29.5] },
  { id: 'old-town', name: 'Old Town', zipcode: '49602', box: [-0.5, 10, 12, 20] },
  { id: 'riverside', name: 'Riverside', zipcode: '49603', box: [12, 10, 23.5, 20] },
  { id: 'southgate', name: 'Southgate', zipcode: '49604', box: [-0.5, -0.5, 12, 10] },
  { id: 'eastfield', name: 'Eastfield', zipcode: '49605', box: [12, -0.5, 23.5, 10] },
] as const;

/** Builds the whole city model. */
export function riverton(): CityModel {
  const streets: Street[] = [];
  for (let x = 0; x < AVENUES; x++) {
    streets.push({
      name: AVENUE_NAMES[x]!,
      kind: 'avenue',
      coords: [
        [lon(x), lat(0)],
        [lon(x), lat(STREETS - 1)],
      ],
    });
  }
  for (let y = 0; y < STREETS; y++) {
    streets.push({
      name: streetName(y),
      kind: SPECIAL_STREETS[y] ? 'main' : 'street',
      coords: [
        [lon(0), lat(y)],
        [lon(AVENUES - 1), lat(y)],
      ],
    });
  }
  // The river as a band around its centre line.
  const steps = 60;
  const north: LngLat[] = [];
  const south: LngLat[] = [];
  for (let i = 0; i <= steps; i++) {
    const x = -0.5 + (i / steps) * AVENUES;
    north.push([lon(x), lat(riverY(x) + RIVER_HALF_WIDTH)]);
    south.push([lon(x), lat(riverY(x) - RIVER_HALF_WIDTH)]);
  }
  const riverRing = [...north, ...south.reverse(), north[0]!];
  return {
    name: 'Riverton',
    center: [lon((AVENUES - 1) / 2), lat((STREETS - 1) / 2)],
    bbox: [lon(-0.5), lat(-0.5), lon(AVENUES - 0.5), lat(STREETS - 0.5)],
    streets,
    river: { id: 'kestrel-river', name: 'Kestrel River', polygon: [riverRing] },
    parks: PARKS_GRID.map((p) => ({ id: p.id, name: p.name, polygon: rect(p.box) })),
    districts: DISTRICTS_GRID.map((d) => ({ id: d.id, name: d.name, zipcode: d.zipcode, polygon: rect(d.box) })),
  };
}

function districtAt(x: number, y: number) {
  return (
    DISTRICTS_GRID.find((d) => x >= d.box[0] && x < d.box[2] && y >= d.box[1] && y < d.box[3]) ?? DISTRICTS_GRID[0]
  );
}

function inWaterOrPark(x: number, y: number): boolean {
  if (Math.abs(y - riverY(x)) < RIVER_HALF_WIDTH + 0.15) return true;
  return PARKS_GRID.some((p) => x > p.box[0] - 0.1 && x < p.box[2] + 0.1 && y > p.box[1] - 0.1 && y < p.box[3] + 0.1);
}

/**
 * A plausible street address and its coordinates: a house on one side of a street or avenue,
 * never in the river or a park. House numbers grow by 100 a block from the south-west corner,
 * even on one side, odd on the other, as in most American cities.
 */
export function placeOnStreet(random: () => number): Place {
  for (;;) {
    const alongAvenue = random() < 0.45;
    const slot = Math.floor(random() * 48); // 24 houses a side per block
    const oddSide = random() < 0.5;
    const t = (slot + 0.5) / 48; // position within the block, 0…1
    let x: number, y: number, address: string;
    const offset = 0.1 * (oddSide ? -1 : 1); // a house sits off the centre line
    if (alongAvenue) {
      const ax = Math.floor(random() * AVENUES);
      const block = Math.floor(random() * (STREETS - 1));
      x = ax + offset;
      y = block + t;
      address = `${100 * (block + 1) + 2 * slot + (oddSide ? 1 : 0)} ${AVENUE_NAMES[ax]}`;
    } else {
      const sy = Math.floor(random() * STREETS);
      const block = Math.floor(random() * (AVENUES - 1));
      x = block + t;
      y = sy + offset;
      address = `${100 * (block + 1) + 2 * slot + (oddSide ? 1 : 0)} ${streetName(sy)}`;
    }
    if (inWaterOrPark(x, y)) continue;
    const d = districtAt(x, y);
    return { lat: round6(lat(y)), long: round6(lon(x)), address, districtId: d.id, zipcode: d.zipcode };
  }
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** Where each district's crews start their day (its centre), to order routes from. */
export function districtCentre(districtId: string): LngLat {
  const d = DISTRICTS_GRID.find((g) => g.id === districtId) ?? DISTRICTS_GRID[0];
  return [lon((d.box[0] + d.box[2]) / 2), lat((d.box[1] + d.box[3]) / 2)];
}

/** Bounding box of a polygon, as the districts table stores it. */
export function bboxOf(polygon: Polygon): { minLat: number; minLong: number; maxLat: number; maxLong: number } {
  const pts = polygon.flat();
  return {
    minLat: Math.min(...pts.map((p) => p[1])),
    minLong: Math.min(...pts.map((p) => p[0])),
    maxLat: Math.max(...pts.map((p) => p[1])),
    maxLong: Math.max(...pts.map((p) => p[0])),
  };
}

/**
 * A district's public-works yard, where its crews' days start and end: the street corner
 * nearest the district's centre that is not in the river or a park (searched outwards).
 */
export function districtYard(districtId: string): LngLat {
  const d = DISTRICTS_GRID.find((g) => g.id === districtId) ?? DISTRICTS_GRID[0];
  const cx = Math.round((d.box[0] + d.box[2]) / 2);
  const cy = Math.round((d.box[1] + d.box[3]) / 2);
  for (let r = 0; r < Math.max(AVENUES, STREETS); r++) {
    for (let dx = -r; dx <= r; dx++) {
      for (let dy = -r; dy <= r; dy++) {
        if (Math.max(Math.abs(dx), Math.abs(dy)) !== r) continue;
        const x = cx + dx;
        const y = cy + dy;
        if (x < 0 || x >= AVENUES || y < 0 || y >= STREETS || inWaterOrPark(x, y)) continue;
        return [round6(lon(x)), round6(lat(y))];
      }
    }
  }
  return [lon(cx), lat(cy)];
}

/** One side of one block of a street, as the `address_ranges` table keeps it (TIGER/Line style). */
export type AddressRange = {
  street: string;
  fromNumber: number;
  toNumber: number;
  /** 0: even numbers, 1: odd. */
  parity: 0 | 1;
  from: LngLat;
  to: LngLat;
  zipcode: string;
};

/**
 * The city's address ranges, matching `placeOnStreet`: each block face numbers its 48 houses
 * from 100 × (block + 1), even on one side and odd on the other; the line runs from the first
 * house to the last, on its side of the street (so a point on it is in one district, never
 * on a border). Faces in the river or a park are left out.
 */
export function addressRanges(): AddressRange[] {
  const out: AddressRange[] = [];
  const first = 0.5 / 48;
  const last = 47.5 / 48;
  const face = (street: string, block: number, odd: boolean, a: [number, number], b: [number, number]) => {
    const mid: [number, number] = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    if (inWaterOrPark(mid[0], mid[1])) return;
    const base = 100 * (block + 1) + (odd ? 1 : 0);
    out.push({
      street,
      fromNumber: base,
      toNumber: base + 94,
      parity: odd ? 1 : 0,
      from: [round6(lon(a[0])), round6(lat(a[1]))],
      to: [round6(lon(b[0])), round6(lat(b[1]))],
      zipcode: districtAt(mid[0], mid[1]).zipcode,
    });
  };
  for (const odd of [false, true]) {
    const offset = 0.1 * (odd ? -1 : 1);
    for (let ax = 0; ax < AVENUES; ax++) {
      for (let block = 0; block < STREETS - 1; block++) {
        face(AVENUE_NAMES[ax]!, block, odd, [ax + offset, block + first], [ax + offset, block + last]);
      }
    }
    for (let sy = 0; sy < STREETS; sy++) {
      for (let block = 0; block < AVENUES - 1; block++) {
        face(streetName(sy), block, odd, [block + first, sy + offset], [block + last, sy + offset]);
      }
    }
  }
  return out;
}
