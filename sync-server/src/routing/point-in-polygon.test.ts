import { describe, expect, it } from 'vitest';
import { metresBetween, pointInGeometry, type Geometry } from './point-in-polygon.ts';

const square: Geometry = {
  type: 'Polygon',
  coordinates: [
    [
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
      [0, 0],
    ],
    [
      [4, 4],
      [6, 4],
      [6, 6],
      [4, 6],
      [4, 4],
    ],
  ],
};
// An L shape: its bounding box holds points that are not in it.
const ell: Geometry = {
  type: 'Polygon',
  coordinates: [
    [
      [0, 0],
      [10, 0],
      [10, 2],
      [2, 2],
      [2, 10],
      [0, 10],
      [0, 0],
    ],
  ],
};

describe('point in polygon', () => {
  it('a point inside the outer ring and outside the hole is in', () => {
    expect(pointInGeometry(1, 1, square)).toBe(true);
    expect(pointInGeometry(9, 9, square)).toBe(true);
  });
  it('a point in a hole is out', () => {
    expect(pointInGeometry(5, 5, square)).toBe(false);
  });
  it('a point on an edge, or on a corner, is in (a district boundary belongs to a district)', () => {
    expect(pointInGeometry(10, 5, square)).toBe(true);
    expect(pointInGeometry(0, 0, square)).toBe(true);
    expect(pointInGeometry(4, 5, square)).toBe(true);
  });
  it('a point in the bounding box but outside a concave polygon is out', () => {
    expect(pointInGeometry(5, 5, ell)).toBe(false);
    expect(pointInGeometry(1, 9, ell)).toBe(true);
    expect(pointInGeometry(9, 1, ell)).toBe(true);
  });
  it('a point outside is out; a multipolygon is any of its parts', () => {
    expect(pointInGeometry(11, 5, square)).toBe(false);
    expect(pointInGeometry(-0.0001, 5, square)).toBe(false);
    const multi: Geometry = {
      type: 'MultiPolygon',
      coordinates: [ell.coordinates as never, square.coordinates as never],
    };
    expect(pointInGeometry(5, 5, { ...multi, coordinates: [square.coordinates] })).toBe(false);
    expect(pointInGeometry(1, 9, multi)).toBe(true);
  });
});

describe('distance', () => {
  it('one thousandth of a degree of latitude is about 111 m', () => {
    expect(metresBetween({ lat: 42.35, long: -86.97 }, { lat: 42.351, long: -86.97 })).toBeCloseTo(111.2, 0);
    expect(metresBetween({ lat: 42.35, long: -86.97 }, { lat: 42.35, long: -86.97 })).toBe(0);
  });
});
