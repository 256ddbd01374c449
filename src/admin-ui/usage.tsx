/**
 * GET /admin/usage: the workspace's last 30 days as day charts — calls per key and per tool,
 * errors and denials, executed writes by tool — each an SVG drawn on the server with a table
 * of the same numbers beside it, so the page reads without script and to a screen reader.
 * The numbers come from the usage service, the one `taskgate usage` prints.
 * SECURITY: owners and admins only (nav.ts); `gate` answers anyone else the unknown page's 404.
 */
import type { Hono } from 'hono';
import { raw } from 'hono/html';
import { type DaySeries, USAGE_DEFAULT_DAYS, type UsageReport, type UsageService } from '../audit/index.js';
import { renderPage } from './layout.js';
import { gate } from './not-found.js';
import { type DayChart, renderDayChart } from './svg-chart.js';

export const USAGE_PATH = '/admin/usage';

export interface UsagePageDeps {
  readonly usage: Pick<UsageService, 'report'>;
}

/** The page's charts, in order: what each shows and the service's series behind it. */
export function usageCharts(report: UsageReport): DayChart[] {
  const chart = (id: string, title: string, unit: string, series: readonly DaySeries[]): DayChart => ({
    id,
    title,
    unit,
    days: report.days,
    series,
  });
  return [
    chart('calls-by-key', 'Calls per day by key', 'calls', report.byKey),
    chart('calls-by-tool', 'Calls per day by tool', 'calls', report.byTool),
    chart('errors-denials', 'Errors and denials per day', 'errors and denials', [
      report.errors,
      report.denials,
    ]),
    chart('writes-by-tool', 'Executed writes per day by tool', 'writes', report.writesByTool),
  ];
}

function Summary(props: { report: UsageReport }) {
  const { report } = props;
  const n = (value: number) => value.toLocaleString('en-US');
  return (
    <>
      <p>
        {report.days[0]} to {report.days.at(-1)} ({report.days.length} days, UTC), from the audit log. The
        same numbers as <code>taskgate usage --workspace {report.workspace.slug}</code>.
      </p>
      <dl class="usage-totals">
        <dt>Calls</dt>
        <dd>{n(report.calls.total)}</dd>
        <dt>Errors</dt>
        <dd>{n(report.errors.total)}</dd>
        <dt>Denied</dt>
        <dd>{n(report.denials.total)}</dd>
        <dt>Writes</dt>
        <dd>{n(report.writes.total)}</dd>
      </dl>
    </>
  );
}

export function mountUsage(app: Hono, deps: UsagePageDeps): void {
  app.get(USAGE_PATH, async (c) => {
    const signedIn = await gate(c, 'usage');
    if (signedIn instanceof Response) return signedIn;
    const { member, workspace } = signedIn;
    // An outage or a bug is answered by the HTTP app (the 503 page, or 500) like on every page.
    const report = await deps.usage.report({
      workspace: workspace.id,
      days: USAGE_DEFAULT_DAYS,
      viewer: { workspaceId: workspace.id, memberId: member.id, role: member.role },
    });
    return renderPage(
      c,
      { title: 'Usage', signedIn, current: USAGE_PATH },
      <>
        <Summary report={report} />
        {usageCharts(report).map((chart) => (
          <section aria-labelledby={`${chart.id}-heading`}>
            <h2 id={`${chart.id}-heading`}>{chart.title}</h2>
            {/* SECURITY: svg-chart escapes every label and number it writes (its own tests pin it). */}
            {raw(renderDayChart(chart))}
          </section>
        ))}
      </>,
    );
  });
}
