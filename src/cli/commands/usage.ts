/**
 * `taskgate usage`: calls per UTC day for the last N days, with errors, denials and writes,
 * then the keys and tools behind them — the numbers the console's Usage page charts, from the
 * same service. Read only.
 */
import type { Command } from 'commander';
import { createUsageService, type DaySeries, USAGE_MAX_DAYS, type UsageReport } from '../../audit/index.js';
import { escapeUnsafe } from '../../domain/index.js';
import { configFor, withApp } from '../context.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

interface UsageOptions extends CommonOptions {
  readonly workspace: string;
  readonly days?: string;
  readonly key?: string;
}

const LABEL_MAX = 40;

export function registerUsage(program: Command, io: CliIo): void {
  program
    .command('usage')
    .description('calls per day per key and per tool, errors, denials and writes (from the audit log)')
    .requiredOption('--workspace <slug>', 'workspace slug or id')
    .option('--days <n>', `the last n days, today (UTC) included: 1 to ${USAGE_MAX_DAYS} (default 30)`)
    .option('--key <name>', 'only this key (every key that ever had the name) or key id')
    .action((options: UsageOptions) =>
      withApp(io, configFor(io, options, {}, 'read'), async (app) => {
        const report = await createUsageService({ store: app.store, clock: app.clock }).report({
          workspace: options.workspace.trim(),
          days: options.days === undefined ? undefined : wholeNumber(options.days),
          key: options.key,
        });
        printResult(io, options, toJson(report), reportText(report));
      }),
    );
}

/** Digits only: `Number` alone would take `0x1e`, `1e1` or ` ` as numbers. The service says what is wrong. */
function wholeNumber(text: string): number {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

function toJson(report: UsageReport) {
  const { workspace, ...rest } = report;
  return { workspace: workspace.slug, ...rest };
}

function reportText(report: UsageReport): string {
  const subject =
    report.key === null ? report.workspace.slug : `key ${shown(report.key)} in ${report.workspace.slug}`;
  const first = report.days[0] ?? '';
  const last = report.days.at(-1) ?? '';
  const lines = [
    `Usage of ${subject}, ${first} to ${last} (${report.days.length} days, UTC): ${n(report.calls.total)} calls, ${n(report.errors.total)} errors, ${n(report.denials.total)} denied, ${n(report.writes.total)} writes.`,
    '',
    table(
      ['DAY', 'CALLS', 'ERRORS', 'DENIED', 'WRITES'],
      report.days.map((day, d) => [
        day,
        ...[report.calls, report.errors, report.denials, report.writes].map((s) => n(s.perDay[d] ?? 0)),
      ]),
    ),
  ];
  if (report.byKey.length) lines.push('', table(['KEY', 'CALLS'], totals(report.byKey)));
  if (report.byTool.length) lines.push('', table(['TOOL', 'CALLS'], totals(report.byTool)));
  if (report.writesByTool.length)
    lines.push('', table(['WRITE TOOL', 'WRITES'], totals(report.writesByTool)));
  return lines.join('\n');
}

const totals = (series: readonly DaySeries[]) => series.map((s) => [shown(s.label), n(s.total)]);

/** Left-aligned first column, right-aligned numbers. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

const n = (value: number) => value.toLocaleString('en-US');

/**
 * SECURITY: tool names of refused requests are whatever the caller sent; control characters
 * (ANSI escapes, bidi overrides) would rewrite the operator's terminal, so they are spelled out.
 */
function shown(label: string): string {
  // Cut before escaping, so an escape is never cut in half.
  const chars = [...label];
  return escapeUnsafe(chars.length > LABEL_MAX ? `${chars.slice(0, LABEL_MAX - 1).join('')}…` : label);
}
