/**
 * The day chart: an accessible SVG with its numbers in a table, nothing a strict CSP would
 * block, and labels (key and tool names anyone can choose) that stay text.
 */
import { describe, expect, it } from 'vitest';
import {
  type DayChart,
  MAX_CHART_SERIES,
  renderDayChart,
  renderDaySvg,
  renderDayTable,
} from './svg-chart.js';

const DAYS = ['2026-12-01', '2026-12-02', '2026-12-03'];
const chart = (over: Partial<DayChart> = {}): DayChart => ({
  id: 'calls-by-key',
  title: 'Calls per day by key',
  unit: 'calls',
  days: DAYS,
  series: [
    { label: 'cursor-work-laptop', perDay: [3, 0, 7] },
    { label: 'claude-desktop-mac', perDay: [1, 0, 2] },
  ],
  ...over,
});

const MARKUP = '<script>alert(1)</script><img src=x onerror="alert(2)">';
const CONTROLS = 'evil\u001b[2J\u202ename\u0000';

const ELEMENTS = new Set(
  'figure svg title desc line text rect g polyline table caption thead tbody tfoot tr th td'.split(' '),
);

/**
 * Every `<` opens one of the chart's own elements, whose attributes are plain quoted values:
 * no element, attribute or event handler came out of a label, and no `style` attribute.
 */
function expectOnlyChartMarkup(out: string): void {
  const tags = out.match(/<[^>]*>/g) ?? [];
  expect(tags.join('').length + out.replace(/<[^>]*>/g, '').length).toBe(out.length);
  for (const tag of tags) {
    const match = /^<\/?([a-z]+)((?:\s+[a-zA-Z][a-zA-Z0-9-]*="[^"<>]*")*)\s*\/?>$/.exec(tag);
    expect(match, tag).not.toBeNull();
    expect(ELEMENTS.has(match![1]!), tag).toBe(true);
    for (const [, name] of match![2]!.matchAll(/\s([a-zA-Z][a-zA-Z0-9-]*)=/g))
      expect(name, tag).not.toMatch(/^(on|style$)/);
  }
  expect(out.replace(/<[^>]*>/g, '')).not.toMatch(/[<>]/);
}

describe('day chart', () => {
  it('is an image with a title and a description a screen reader can say', () => {
    const svg = renderDaySvg(chart());
    expect(svg).toMatch(/^<svg [^>]*role="img"[^>]*aria-labelledby="calls-by-key-title calls-by-key-desc"/);
    expect(svg).toContain('<title id="calls-by-key-title">Calls per day by key</title>');
    expect(svg).toContain(
      '<desc id="calls-by-key-desc">13 calls from 2026-12-01 to 2026-12-03 (UTC); the busiest day was 2026-12-03 with 9. By cursor-work-laptop: 10, claude-desktop-mac: 3.</desc>',
    );
  });

  it('puts every number in a table beside the picture, a row per day and totals last', () => {
    const table = renderDayTable(chart());
    expect(table).toContain('<caption>Calls per day by key</caption>');
    expect(table).toContain(
      '<thead><tr><th scope="col">Day (UTC)</th><th scope="col">cursor-work-laptop</th><th scope="col">claude-desktop-mac</th><th scope="col">Total</th></tr></thead>',
    );
    expect(table).toContain('<tr><th scope="row">2026-12-02</th><td>0</td><td>0</td><td>0</td></tr>');
    expect(table).toContain(
      '<tfoot><tr><th scope="row">Total</th><td>10</td><td>3</td><td>13</td></tr></tfoot>',
    );
    expect(renderDayChart(chart())).toBe(
      `<figure class="day-chart">${renderDaySvg(chart())}${table}</figure>`,
    );
  });

  it('draws one bar per non-zero count, stacked, and lines when asked', () => {
    expect(renderDaySvg(chart()).match(/<rect class="series-/g)).toHaveLength(4);
    expect(renderDaySvg(chart({ kind: 'line' })).match(/<polyline /g)).toHaveLength(2);
  });

  it('says so when there is nothing to draw, without dividing by zero', () => {
    const svg = renderDaySvg(chart({ series: [] }));
    expect(svg).toContain('No calls in the 3 days shown.');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('folds the series beyond the palette into one "other"', () => {
    const series = Array.from({ length: 9 }, (_, i) => ({ label: `key-${i}`, perDay: [1, 1, 1] }));
    const table = renderDayTable(chart({ series }));
    expect(table.match(/<th scope="col">/g)).toHaveLength(MAX_CHART_SERIES + 2);
    expect(table).toContain('<th scope="col">other (4)</th>');
    expect(table).toContain(
      '<tr><th scope="row">2026-12-01</th><td>1</td><td>1</td><td>1</td><td>1</td><td>1</td><td>4</td><td>9</td></tr>',
    );
  });

  it('renders a tool name carrying markup as inert text in the title, description, legend and table', () => {
    const out = renderDayChart(
      chart({
        title: `Calls ${MARKUP}`,
        series: [
          { label: MARKUP, perDay: [1, 2, 3] },
          { label: 'b', perDay: [1, 1, 1] },
        ],
      }),
    );
    expectOnlyChartMarkup(out);
    expect(out).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;',
    );
  });

  it('spells out the control and bidi characters of a key name instead of emitting them', () => {
    const out = renderDayChart(chart({ series: [{ label: CONTROLS, perDay: [1, 0, 0] }] }));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
    expect(out).not.toMatch(/[\u0000-\u001f\u202a-\u202e]/);
    expect(out).toContain('evil\\u001b[2J\\u202ename\\u0000');
  });

  it('holds nothing a strict CSP would block: no script, no style attribute, no event handler', () => {
    const out = renderDayChart(chart({ series: [{ label: 'x" style="color:red', perDay: [1, 2, 3] }] }));
    expectOnlyChartMarkup(out);
    expect(out).not.toMatch(/javascript:/i);
  });

  it('refuses an id that could break out of its attribute', () => {
    expect(() => renderDaySvg(chart({ id: 'x" onload="alert(1)' }))).toThrow(/chart id/);
  });
});
