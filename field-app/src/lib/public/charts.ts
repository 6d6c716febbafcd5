/**
 * The figures page's charts, drawn with uPlot (MIT, small, canvas): loaded by `/stats` only,
 * after its tables show (a dynamic import). Each chart is a picture of a table that follows it
 * on the page; the table is what screen readers read.
 *
 * - `bars`: one bar per category, or stacked (the series are drawn as running totals, tallest
 *   first, so each band shows as its own slice);
 * - `lines`: one line per series over weeks.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export type Series = { label: string; colour: string; values: (number | null)[] };

const AXIS = { stroke: '#1f2933', grid: { stroke: '#e5e7eb' }, ticks: { stroke: '#c5cbd3' } };

function sized(el: HTMLElement, make: (width: number) => uPlot): () => void {
  let chart = make(Math.max(280, el.clientWidth));
  const ro = new ResizeObserver(() => chart.setSize({ width: Math.max(280, el.clientWidth), height: chart.height }));
  ro.observe(el);
  return () => {
    ro.disconnect();
    chart.destroy();
    chart = undefined as unknown as uPlot;
  };
}

/** Whether bar labels need slanting: about 8 px a character in the room each bar has. */
const slanted = (width: number, labels: string[]) =>
  labels.length > 4 || Math.max(0, ...labels.map((l) => l.length)) * 8 > (width - 60) / Math.max(1, labels.length);

/** Bars over `labels`; `stacked` piles the series up in their order. Returns a function that removes it. */
export function bars(
  el: HTMLElement,
  o: { labels: string[]; series: Series[]; stacked?: boolean; height?: number; format?: (v: number) => string },
): () => void {
  const xs = o.labels.map((_, i) => i);
  let drawn = o.series;
  if (o.stacked) {
    const running = o.labels.map(() => 0);
    drawn = o.series
      .map((s) => ({
        ...s,
        values: s.values.map((v, i) => (running[i] = running[i]! + (v ?? 0))),
      }))
      .reverse();
  }
  const fmt = o.format ?? ((v: number) => String(v));
  const barPaths = uPlot.paths.bars!({ size: [o.stacked ? 0.7 : 0.6, 64] });
  return sized(
    el,
    (width) =>
      new uPlot(
        {
          width,
          height: o.height ?? 300,
          legend: { show: false },
          cursor: { show: false },
          scales: {
            x: { time: false, range: [-0.5, o.labels.length - 0.5] },
            y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.08)] },
          },
          axes: [
            {
              ...AXIS,
              splits: () => xs,
              values: (_u, splits) => splits.map((i) => o.labels[i] ?? ''),
              // Slanted when the labels would run into each other (many, or a narrow phone), each
              // ending at its bar: slanted the other way, the last ran off the chart's right edge.
              rotate: slanted(width, o.labels) ? 35 : 0,
              size: slanted(width, o.labels) ? 110 : 40,
              gap: 4,
            },
            { ...AXIS, values: (_u, splits) => splits.map(fmt), size: 56 },
          ],
          series: [
            {},
            ...drawn.map((s) => ({
              label: s.label,
              fill: s.colour,
              stroke: s.colour,
              paths: barPaths,
              points: { show: false },
            })),
          ],
        },
        [xs, ...drawn.map((s) => s.values)] as uPlot.AlignedData,
        el,
      ),
  );
}

/** Lines over `weeks` (YYYY-MM-DD, the week's Monday). */
export function lines(
  el: HTMLElement,
  o: { weeks: string[]; series: Series[]; height?: number; locale: string },
): () => void {
  const xs = o.weeks.map((w) => Date.parse(`${w}T12:00:00Z`) / 1000);
  const day = new Intl.DateTimeFormat(o.locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  return sized(
    el,
    (width) =>
      new uPlot(
        {
          width,
          height: o.height ?? 280,
          legend: { show: false },
          cursor: { show: false },
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.08)] } },
          axes: [
            { ...AXIS, values: (_u, splits) => splits.map((s) => day.format(new Date(s * 1000))), space: 60 },
            { ...AXIS, size: 56 },
          ],
          series: [
            {},
            ...o.series.map((s) => ({ label: s.label, stroke: s.colour, width: 2.5, points: { show: true, size: 5 } })),
          ],
        },
        [xs, ...o.series.map((s) => s.values)] as uPlot.AlignedData,
        el,
      ),
  );
}
