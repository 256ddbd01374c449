/**
 * The Usage page in chromium: owners and admins see the last 30 days as SVG charts with a
 * table of the same numbers beside each; members and viewers get the unknown page's 404. The
 * numbers are checked three ways: the table against the chart's bars, and both against
 * `taskgate usage --json` (the same service) on the same database, SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { NOT_FOUND_TITLE, USAGE_PATH } from '../../src/admin-ui/index.js';
import type { DaySeries } from '../../src/audit/index.js';
import type { ApiKeyRecord, AuditOutcome, ObjectChange } from '../../src/model/index.js';
import { expectAccessible } from '../support/axe.js';
import { createServerCli } from '../support/cli.js';
import { useConsoleBrowser } from '../support/console-browser.js';
import { T0 } from '../support/mcp-server.js';
import { storeKinds } from '../support/stores.js';

const DAY_MS = 86_400_000;
/** A sign-in, a 30-day page and axe: slow on a loaded CI machine. */
const SLOW_MS = 60_000;
const CHANGE: ObjectChange = {
  kind: 'task',
  op: 'update',
  id: 'tsk_01JAAAAAAAAAAAAAAAAAAAAAAA',
  ref: 'APO-1',
  before: { title: 'a' },
  after: { title: 'b' },
  beforeVersion: 1,
  afterVersion: 2,
};

const h = useConsoleBrowser();

const signIn = (email: string) => h.signIn(email);

/** Two keys' calls over three days: reads, a denial, an error, executed and dry-run writes. */
async function recordCalls(): Promise<void> {
  await h.server.issueKey({ name: 'cursor-work-laptop' });
  await h.server.issueKey({ name: 'claude-desktop-mac' });
  const workspace = (await h.server.app.store.workspaces.findBySlug('demo'))!;
  const keys = new Map<string, ApiKeyRecord>(
    (await h.server.app.store.apiKeys.list(workspace.id)).map((k) => [k.name, k]),
  );
  const call = async (
    daysAgo: number,
    keyName: string,
    tool: string,
    outcome: AuditOutcome,
    changes?: ObjectChange[],
  ) => {
    const key = keys.get(keyName)!;
    h.server.clock.set(new Date(T0.getTime() - daysAgo * DAY_MS));
    await h.server.app.audit.record(h.server.app.store, {
      workspaceId: workspace.id,
      action: 'mcp.tool_called',
      tool,
      outcome,
      credentialId: key.id,
      credentialName: key.name,
      ...(changes && { changes }),
    });
  };
  await call(3, 'cursor-work-laptop', 'get_task', 'ok');
  await call(3, 'cursor-work-laptop', 'get_task', 'ok');
  await call(3, 'claude-desktop-mac', 'list_tasks', 'error');
  await call(1, 'cursor-work-laptop', 'update_task', 'ok', [CHANGE]);
  await call(1, 'cursor-work-laptop', 'update_task', 'dry_run', [CHANGE]);
  await call(1, 'claude-desktop-mac', 'delete_task', 'denied');
  await call(0, 'claude-desktop-mac', 'create_task', 'ok', [{ ...CHANGE, op: 'create' }]);
  await call(0, 'claude-desktop-mac', 'get_task', 'ok');
  h.server.clock.set(new Date(T0.getTime() + 60_000));
}

interface ChartData {
  readonly heading: string;
  readonly columns: string[];
  /** day → one count per column (the series, then the day's total). */
  readonly rows: Map<string, number[]>;
  readonly totals: number[];
  /** `day label` → value, from the bars' tooltips. */
  readonly bars: Map<string, number>;
  readonly description: string;
}

const number = (text: string | null) => Number((text ?? '').replace(/,/g, ''));

interface RawChart {
  readonly id: string;
  readonly heading: string;
  readonly columns: string[];
  readonly rows: string[][];
  readonly totals: string[];
  readonly bars: string[];
  readonly description: string;
}

/** Every chart of the page, read in one pass over the DOM. */
async function charts(): Promise<Map<string, ChartData>> {
  // Page-side code as text: the tests compile without the DOM library.
  const raw = (await h.page.evaluate(`[...document.querySelectorAll('main section')].map((section) => {
    const table = section.querySelector('table.chart-data');
    const texts = (nodes) => [...nodes].map((n) => n.textContent ?? '');
    return {
      id: table.id.replace(/-table$/, ''),
      heading: section.querySelector('h2')?.textContent ?? '',
      columns: texts(table.querySelectorAll('thead th')),
      rows: [...table.querySelectorAll('tbody tr')].map((row) => [
        row.querySelector('th')?.textContent ?? '',
        ...texts(row.querySelectorAll('td')),
      ]),
      totals: texts(table.querySelectorAll('tfoot td')),
      bars: texts(section.querySelectorAll('svg rect > title')),
      description: section.querySelector('svg desc')?.textContent ?? '',
    };
  })`)) as RawChart[];
  return new Map(
    raw.map((chart) => {
      const bars = new Map<string, number>();
      for (const title of chart.bars) {
        const match = /^(\S+) (.+): ([\d,]+)$/.exec(title)!;
        bars.set(`${match[1]} ${match[2]}`, number(match[3]!));
      }
      const rows = new Map(chart.rows.map(([day, ...cells]) => [day!, cells.map(number)]));
      const data: ChartData = {
        heading: chart.heading,
        columns: chart.columns.slice(1, -1),
        rows,
        totals: chart.totals.map(number),
        bars,
        description: chart.description,
      };
      return [chart.id, data];
    }),
  );
}

/** The service's series as the chart's table shows them: a column per series, then the total. */
function expectTableEquals(chart: ChartData, series: readonly DaySeries[], days: readonly string[]) {
  expect(chart.columns).toEqual(series.map((s) => s.label));
  expect([...chart.rows.keys()]).toEqual(days);
  days.forEach((day, d) => {
    const values = series.map((s) => s.perDay[d] ?? 0);
    expect(chart.rows.get(day), `${chart.heading} ${day}`).toEqual([
      ...values,
      values.reduce((a, b) => a + b, 0),
    ]);
  });
  const totals = series.map((s) => s.total);
  expect(chart.totals).toEqual([...totals, totals.reduce((a, b) => a + b, 0)]);
}

/** Every non-zero cell is a bar with that value; a zero cell has no bar. */
function expectBarsEqualTable(chart: ChartData) {
  let cells = 0;
  for (const [day, values] of chart.rows) {
    chart.columns.forEach((label, i) => {
      const value = values[i] ?? 0;
      expect(chart.bars.get(`${day} ${label}`), `${chart.heading} ${day} ${label}`).toBe(
        value === 0 ? undefined : value,
      );
      if (value > 0) cells += 1;
    });
  }
  expect(chart.bars.size).toBe(cells);
}

describe('the Usage page', { timeout: SLOW_MS }, () => {
  it.each(storeKinds())(
    'shows an owner four charts whose tables equal their bars and the CLI usage output [%s]',
    async (kind) => {
      if (kind !== 'sqlite') {
        await h.restartServer({ kind });
      }
      await recordCalls();
      await signIn('ada@example.com');
      const response = await h.page.goto(`${h.server.url}${USAGE_PATH}`);
      expect(response?.status()).toBe(200);
      expect(await h.page.locator('h1').textContent()).toBe('Usage');
      expect(await h.page.locator('header nav a[aria-current="page"]').textContent()).toBe('Usage');
      const cli = createServerCli(h.server);
      const result = await cli.run('usage', '--workspace', 'demo', '--json');
      cli.remove();
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as {
        days: string[];
        calls: DaySeries;
        errors: DaySeries;
        denials: DaySeries;
        writes: DaySeries;
        byKey: DaySeries[];
        byTool: DaySeries[];
        writesByTool: DaySeries[];
      };
      expect(report.days).toHaveLength(30);
      expect(report.calls.total).toBe(8);
      const found = await charts();
      expect([...found.keys()]).toEqual([
        'calls-by-key',
        'calls-by-tool',
        'errors-denials',
        'writes-by-tool',
      ]);
      expectTableEquals(found.get('calls-by-key')!, report.byKey, report.days);
      expectTableEquals(found.get('calls-by-tool')!, report.byTool, report.days);
      expectTableEquals(found.get('errors-denials')!, [report.errors, report.denials], report.days);
      expectTableEquals(found.get('writes-by-tool')!, report.writesByTool, report.days);
      for (const chart of found.values()) expectBarsEqualTable(chart);
      // The fixture's own numbers, so a wrong service cannot agree with itself.
      expect(found.get('calls-by-key')!.columns).toEqual(['claude-desktop-mac', 'cursor-work-laptop']);
      expect(found.get('calls-by-key')!.totals).toEqual([4, 4, 8]);
      expect(found.get('errors-denials')!.totals).toEqual([1, 1, 2]);
      expect(found.get('writes-by-tool')!.columns).toEqual(['create_task', 'update_task']);
      expect(found.get('writes-by-tool')!.totals).toEqual([1, 1, 2]);
      const summary = await h.page.locator('dl.usage-totals dd').allTextContents();
      expect(summary).toEqual(['8', '1', '1', '2']);
      await expectAccessible(h.page, USAGE_PATH);
    },
  );

  it('shows an admin the page', async () => {
    await recordCalls();
    await signIn('grace@example.com');
    const response = await h.page.goto(`${h.server.url}${USAGE_PATH}`);
    expect(response?.status()).toBe(200);
    expect((await charts()).get('calls-by-key')!.totals.at(-1)).toBe(8);
    await expectAccessible(h.page, `${USAGE_PATH} as admin`);
  });

  it('draws the charts and tables without script', async () => {
    await recordCalls();
    await h.reopenPage({ javaScriptEnabled: false });
    await signIn('grace@example.com');
    await h.page.goto(`${h.server.url}${USAGE_PATH}`);
    expect(await h.page.locator('main figure svg rect').count()).toBeGreaterThan(0);
    expect(await h.page.locator('main figure table.chart-data').count()).toBe(4);
  });

  it('draws every chart and its table with no events at all', async () => {
    await signIn('ada@example.com');
    await h.page.goto(`${h.server.url}${USAGE_PATH}`);
    const found = await charts();
    expect(found.size).toBe(4);
    for (const chart of found.values()) {
      expect(chart.rows.size, chart.heading).toBe(30);
      expect(chart.bars.size, chart.heading).toBe(0);
      expect(chart.totals.at(-1), chart.heading).toBe(0);
      expect(chart.description, chart.heading).toMatch(/^No .+ in the 30 days shown\.$/);
    }
    expect(await h.page.locator('main svg').count()).toBe(4);
    await expectAccessible(h.page, `${USAGE_PATH} with no events`);
  });

  for (const [role, email] of [
    ['member', 'alan@example.com'],
    ['viewer', 'katherine@example.com'],
  ] as const) {
    it(`answers a ${role} the unknown page's 404, with no hint that the page exists`, async () => {
      await recordCalls();
      await signIn(email);
      const unknown = await h.page.goto(`${h.server.url}/admin/no-such-page`);
      const unknownBody = await h.page.locator('main').innerHTML();
      const response = await h.page.goto(`${h.server.url}${USAGE_PATH}`);
      expect(response?.status()).toBe(404);
      expect(unknown?.status()).toBe(404);
      expect(await h.page.locator('h1').textContent()).toBe(NOT_FOUND_TITLE);
      expect(await h.page.locator('main').innerHTML()).toBe(unknownBody);
      expect(await h.page.locator('svg, table').count()).toBe(0);
      expect(await h.page.locator('header nav a', { hasText: 'Usage' }).count()).toBe(0);
    });
  }

  it('sends a signed-out visitor to the sign-in page', async () => {
    await h.page.goto(`${h.server.url}${USAGE_PATH}`);
    expect(new URL(h.page.url()).pathname).toBe('/login');
  });
});
