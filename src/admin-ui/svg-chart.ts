/**
 * Day charts for the console's Usage page and each key's page, rendered on the server: an SVG
 * (stacked bars or lines) and, beside it, a table of the same numbers, so the page reads
 * without JavaScript and a screen reader gets the table. Pure: series in, markup out.
 * SECURITY: labels are key and tool names, which callers choose; every one is escaped (its
 * control and bidi characters shown as `\uXXXX`). No script, no `style` attribute (the CSP
 * forbids inline style): colours are presentation attributes and classes.
 */
import { escapeUnsafe } from '../domain/index.js';

export interface ChartSeries {
  readonly label: string;
  /** One count per day, aligned with `DayChart.days`. */
  readonly perDay: readonly number[];
}

export interface DayChart {
  /** Unique on the page; names the title, description and table (`[a-z][a-z0-9-]*`). */
  readonly id: string;
  readonly title: string;
  /** What the numbers count, e.g. `calls`; used in the description. */
  readonly unit: string;
  /** `YYYY-MM-DD`, oldest first. */
  readonly days: readonly string[];
  /** Busiest first: beyond `MAX_CHART_SERIES - 1` they are summed into one "other" series. */
  readonly series: readonly ChartSeries[];
  /** `bar` (stacked, default) or `line`. */
  readonly kind?: 'bar' | 'line';
}

export const MAX_CHART_SERIES = 6;
const LABEL_MAX = 64;
const WIDTH = 720;
const HEIGHT = 240;
const MARGIN = { top: 12, right: 12, bottom: 28, left: 48 } as const;
const GRID_LINES = 4;
/** Okabe–Ito: told apart with the common colour-vision deficiencies; grey for "other". */
const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00'] as const;
const OTHER_COLOUR = '#6b6b6b';
const ID = /^[a-z][a-z0-9-]{0,63}$/;

/** The SVG and its table, in one `<figure>`. */
export function renderDayChart(chart: DayChart): string {
  return `<figure class="day-chart">${renderDaySvg(chart)}${renderDayTable(chart)}</figure>`;
}

export function renderDaySvg(chart: DayChart): string {
  const id = checkedId(chart.id);
  const series = folded(chart.series);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const n = Math.max(chart.days.length, 1);
  const stacked = chart.kind !== 'line';
  const peak = Math.max(0, ...chart.days.map((_, d) => (stacked ? sumAt(series, d) : maxAt(series, d))));
  const top = niceCeiling(peak);
  const y = (v: number) => MARGIN.top + plotH - (v / top) * plotH;
  const slot = plotW / n;
  const parts: string[] = [];
  for (let g = 0; g <= GRID_LINES; g++) {
    const value = (top / GRID_LINES) * g;
    const at = round(y(value));
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${at}" y2="${at}" stroke="#d0d0d0" stroke-width="1"/>`,
      `<text class="axis" x="${MARGIN.left - 6}" y="${round(at + 4)}" text-anchor="end" font-size="11" fill="#333">${formatNumber(value)}</text>`,
    );
  }
  const every = Math.max(1, Math.ceil(n / 10));
  chart.days.forEach((day, d) => {
    if (d % every !== 0) return;
    const x = round(MARGIN.left + slot * d + slot / 2);
    parts.push(
      `<text class="axis" x="${x}" y="${HEIGHT - 8}" text-anchor="middle" font-size="11" fill="#333">${text(day.slice(5))}</text>`,
    );
  });
  if (stacked) parts.push(...bars(chart.days, series, { slot, y }));
  else parts.push(...lines(chart.days, series, { slot, y }));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" class="day-chart-svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" aria-labelledby="${id}-title ${id}-desc" focusable="false">`,
    `<title id="${id}-title">${text(chart.title)}</title>`,
    `<desc id="${id}-desc">${text(describe(chart, series))}</desc>`,
    ...parts,
    legend(series),
    '</svg>',
  ].join('');
}

/** The same numbers as a table: a row per day, a column per series, totals last. */
export function renderDayTable(chart: DayChart): string {
  const id = checkedId(chart.id);
  const series = folded(chart.series);
  const head = series.map((s) => `<th scope="col">${label(s.label)}</th>`).join('');
  const rows = chart.days.map((day, d) => {
    const cells = series.map((s) => `<td>${formatNumber(at(s, d))}</td>`).join('');
    return `<tr><th scope="row">${text(day)}</th>${cells}<td>${formatNumber(sumAt(series, d))}</td></tr>`;
  });
  const totals = series.map((s) => `<td>${formatNumber(total(s))}</td>`).join('');
  const all = series.reduce((sum, s) => sum + total(s), 0);
  return [
    `<table class="chart-data" id="${id}-table">`,
    `<caption>${text(chart.title)}</caption>`,
    `<thead><tr><th scope="col">Day (UTC)</th>${head}<th scope="col">Total</th></tr></thead>`,
    `<tbody>${rows.join('')}</tbody>`,
    `<tfoot><tr><th scope="row">Total</th>${totals}<td>${formatNumber(all)}</td></tr></tfoot>`,
    '</table>',
  ].join('');
}

/** A series as drawn: the folded tail is marked, not recognised by its label (labels are anyone's). */
interface Drawn extends ChartSeries {
  readonly other?: boolean;
}

interface Scale {
  readonly slot: number;
  readonly y: (value: number) => number;
}

function bars(days: readonly string[], series: readonly Drawn[], { slot, y }: Scale): string[] {
  const out: string[] = [];
  const width = round(Math.max(1, slot * 0.7));
  days.forEach((day, d) => {
    let base = 0;
    series.forEach((s, i) => {
      const value = at(s, d);
      if (value === 0) return;
      const y1 = y(base + value);
      const height = round(y(base) - y1);
      base += value;
      out.push(
        `<rect class="series-${i}" x="${round(MARGIN.left + slot * d + (slot - width) / 2)}" y="${round(y1)}" width="${width}" height="${height}" fill="${colour(series, i)}"><title>${text(day)} ${label(s.label)}: ${formatNumber(value)}</title></rect>`,
      );
    });
  });
  return out;
}

function lines(days: readonly string[], series: readonly Drawn[], { slot, y }: Scale): string[] {
  return series.map((s, i) => {
    const points = days.map((_, d) => `${round(MARGIN.left + slot * d + slot / 2)},${round(y(at(s, d)))}`);
    return `<polyline class="series-${i}" points="${points.join(' ')}" fill="none" stroke="${colour(series, i)}" stroke-width="2"><title>${label(s.label)}</title></polyline>`;
  });
}

function legend(series: readonly Drawn[]): string {
  if (series.length < 2) return '';
  const items = series.map((s, i) => {
    const x = MARGIN.left + 8 + i * 110;
    return `<rect x="${x}" y="${MARGIN.top}" width="10" height="10" fill="${colour(series, i)}"/><text x="${x + 14}" y="${MARGIN.top + 9}" font-size="11" fill="#333">${label(s.label, 14)}</text>`;
  });
  return `<g class="legend">${items.join('')}</g>`;
}

/** One sentence a screen reader can say instead of the picture. */
function describe(chart: DayChart, series: readonly ChartSeries[]): string {
  const first = chart.days[0];
  const last = chart.days.at(-1);
  const all = series.reduce((sum, s) => sum + total(s), 0);
  if (!first || !last || all === 0) return `No ${chart.unit} in the ${chart.days.length} days shown.`;
  let busiest = 0;
  chart.days.forEach((_, d) => {
    if (sumAt(series, d) > sumAt(series, busiest)) busiest = d;
  });
  const parts =
    series.length > 1 ? ` By ${series.map((s) => `${s.label}: ${formatNumber(total(s))}`).join(', ')}.` : '';
  return `${formatNumber(all)} ${chart.unit} from ${first} to ${last} (UTC); the busiest day was ${chart.days[busiest]} with ${formatNumber(sumAt(series, busiest))}.${parts}`;
}

/** Busiest first already; the tail beyond the palette becomes one "other" series. */
function folded(series: readonly ChartSeries[]): Drawn[] {
  if (series.length <= MAX_CHART_SERIES) return [...series];
  const kept = series.slice(0, MAX_CHART_SERIES - 1);
  const rest = series.slice(MAX_CHART_SERIES - 1);
  const length = Math.max(...rest.map((s) => s.perDay.length));
  const perDay = Array.from({ length }, (_, d) => rest.reduce((sum, s) => sum + at(s, d), 0));
  return [...kept, { label: `other (${rest.length})`, perDay, other: true }];
}

function colour(series: readonly Drawn[], i: number): string {
  return series[i]?.other ? OTHER_COLOUR : (PALETTE[i % PALETTE.length] ?? OTHER_COLOUR);
}

/** Counts are whole and not negative; anything else is drawn as 0 rather than breaking the SVG. */
function at(series: ChartSeries, day: number): number {
  const value = series.perDay[day] ?? 0;
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

const total = (s: ChartSeries) => s.perDay.reduce((sum, _, d) => sum + at(s, d), 0);
const sumAt = (series: readonly ChartSeries[], d: number) => series.reduce((sum, s) => sum + at(s, d), 0);
const maxAt = (series: readonly ChartSeries[], d: number) => Math.max(0, ...series.map((s) => at(s, d)));

/** 1, 2 or 5 times a power of ten, at least 4 so the grid's steps stay whole. */
function niceCeiling(value: number): number {
  if (value <= GRID_LINES) return GRID_LINES;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * power >= value) ?? 10;
  const top = step * power;
  return top % GRID_LINES === 0 ? top : Math.ceil(top / GRID_LINES) * GRID_LINES;
}

const round = (n: number) => Math.round(n * 10) / 10;
const formatNumber = (n: number) => Math.round(n).toLocaleString('en-US');

/** Cut by code point, so a long label never ends in half a surrogate pair. */
function short(label: string, max: number): string {
  const chars = [...label];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : label;
}

/** SECURITY: caller-chosen text made inert: unsafe characters spelled out, then HTML-escaped. */
function text(value: string): string {
  return escapeUnsafe(value).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** A key or tool name as shown: cut to a readable length, then `text`. */
const label = (value: string, max = LABEL_MAX) => text(short(value, max));

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function checkedId(id: string): string {
  if (!ID.test(id)) throw new Error(`chart id ${JSON.stringify(id)} is not [a-z][a-z0-9-]*`);
  return id;
}
