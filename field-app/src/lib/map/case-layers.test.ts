import { describe, expect, it } from 'vitest';
import { DONE_PIN_OPACITY, PIN_PAINT, STATUS_COLOURS } from './case-layers.ts';

// The day map's pins against the map (WCAG 1.4.11: a graphical object stands out from the
// colours next to it by 3:1 or more). A done pin is drawn faded over the map, in a white ring.

type Rgb = [number, number, number];
const rgb = (hex: string): Rgb => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
const channel = (c: number) => {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
};
const luminance = ([r, g, b]: Rgb) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
const contrast = (a: Rgb, b: Rgb) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};
/** `top` drawn at `opacity` over `under`. */
const over = (top: Rgb, under: Rgb, opacity: number): Rgb =>
  top.map((c, i) => opacity * c + (1 - opacity) * under[i]!) as Rgb;
const hue = ([r, g, b]: Rgb) => {
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
};

const WHITE: Rgb = [255, 255, 255];
/** The map's light colours under a pin: a street, the land, a block (sync-server's style), no basemap. */
const MAP = ['#ffffff', '#f4f1ea', '#e2ddd2', '#eef0ec'];

describe('the day map’s done pins', () => {
  for (const under of MAP) {
    it(`stand out by 3:1 from their white ring and from the map (${under})`, () => {
      const pin = over(rgb(STATUS_COLOURS.done), rgb(under), DONE_PIN_OPACITY);
      expect(contrast(pin, WHITE)).toBeGreaterThanOrEqual(3);
      expect(contrast(pin, rgb(under))).toBeGreaterThanOrEqual(3);
    });
  }

  it('are drawn at the opacity measured here, in the green measured here', () => {
    expect(PIN_PAINT['circle-opacity']).toEqual(['case', ['==', ['get', 'bucket'], 'done'], DONE_PIN_OPACITY, 1]);
    // The last colour of the match is the one for done pins.
    expect((PIN_PAINT['circle-color'] as unknown[]).at(-1)).toBe(STATUS_COLOURS.done);
  });

  it('stay green, apart from the open, in-progress and on-hold pins', () => {
    const done = hue(over(rgb(STATUS_COLOURS.done), WHITE, DONE_PIN_OPACITY));
    expect(done).toBeGreaterThan(90);
    expect(done).toBeLessThan(160);
    for (const other of [STATUS_COLOURS.open, STATUS_COLOURS.in_progress, STATUS_COLOURS.on_hold]) {
      const d = Math.abs(done - hue(rgb(other)));
      expect(Math.min(d, 360 - d)).toBeGreaterThanOrEqual(60);
    }
  });
});
