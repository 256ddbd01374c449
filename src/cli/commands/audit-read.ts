/**
 * `taskgate audit query` (newest first, one page at a time, for people) and `taskgate audit
 * export` (oldest first, streamed, for SIEMs: JSON Lines, CSV or OCSF). Both read only, and
 * both are the Activity service's (app.activity), as the console's Activity page is.
 * They attach to the `audit` command when another module has already created it.
 */
import { open } from 'node:fs/promises';
import type { Command } from 'commander';
import type { AuditFilterInput, AuditPage } from '../../audit/index.js';
import { AppError, invalidInput } from '../../core/index.js';
import { describeClient } from '../../domain/index.js';
import type { AuditEvent, Member } from '../../model/index.js';
import { configFor, withApp } from '../context.js';
import { type CliIo, type CommonOptions, printResult, type Writable } from '../io.js';
import { AS_FLAG, viewerOf } from './audit-viewer.js';

interface FilterOptions extends CommonOptions {
  readonly workspace?: string;
  readonly key?: string;
  readonly member?: string;
  readonly tool?: string;
  readonly action?: string;
  readonly outcome?: string;
  readonly ip?: string;
  readonly since?: string;
  readonly until?: string;
  readonly as?: string;
}

interface QueryOptions extends FilterOptions {
  readonly limit?: string;
  readonly cursor?: string;
}

interface ExportOptions extends FilterOptions {
  readonly format: string;
  readonly output?: string;
}

const withFilters = (command: Command): Command =>
  command
    .option('--workspace <slug>', 'workspace slug (optional when the database has only one)')
    .option('--key <name>', 'events of the key with this name (revoked and rotated-out keys too) or id')
    .option('--member <email>', 'events of this member')
    .option('--tool <name>', 'events of this MCP tool, e.g. update_task')
    .option('--action <action>', 'events of this action, e.g. mcp.tool_called or key.revoked')
    .option('--outcome <outcome>', 'ok, denied, error, dry_run or pending')
    .option('--ip <address>', 'events from this client address, or from a block like 203.0.113.0/24')
    .option('--since <time>', 'from this time on: ISO time with offset, or a duration ago like 2h or 7d')
    .option('--until <time>', 'before this time: ISO time with offset, or a duration ago like 1h')
    .option(...AS_FLAG);

export function registerAuditRead(program: Command, io: CliIo): void {
  const audit =
    program.commands.find((c) => c.name() === 'audit') ??
    program.command('audit').description('the audit log: every MCP call and security action');

  withFilters(audit.command('query').description('audit events, newest first, one page at a time'))
    .option('--limit <n>', 'events per page, 1 to 1000 (default 50)')
    .option('--cursor <cursor>', 'the next-page cursor printed by the previous query')
    .action((options: QueryOptions) =>
      withApp(io, configFor(io, options, {}, 'read'), async (app) => {
        const page = await app.activity.page(await viewerOf(app, options), {
          ...filtersOf(options),
          ...(options.limit !== undefined && { limit: Number(options.limit.trim() || Number.NaN) }),
          ...(options.cursor !== undefined && { cursor: options.cursor.trim() }),
        });
        printResult(io, options, { events: page.events, nextCursor: page.nextCursor }, pageText(page));
      }),
    );

  withFilters(audit.command('export').description('stream audit events, oldest first, for a SIEM'))
    .requiredOption('--format <format>', 'jsonl, csv or ocsf (OCSF 1.1.0 JSON Lines)')
    .option('--output <file>', 'write to this file (created with mode 600) instead of stdout')
    .action((options: ExportOptions) =>
      withApp(io, configFor(io, options, {}, 'read'), async (app) => {
        const exported = await app.activity.export(
          await viewerOf(app, options),
          filtersOf(options),
          options.format,
        );
        const { format } = exported;
        // Opened only once the filters are known good, so a typo leaves no empty file behind.
        const sink = options.output === undefined ? stdoutSink(io.stdout) : await fileSink(options.output);
        let count = 0;
        try {
          for await (const chunk of exported.chunks) {
            await sink.write(chunk.text);
            count += chunk.events;
          }
        } finally {
          await sink.close();
        }
        if (options.output === undefined) return;
        const summary = { workspace: exported.workspace.slug, format, events: count, output: options.output };
        printResult(
          io,
          options,
          summary,
          `Exported ${count} event${count === 1 ? '' : 's'} of ${summary.workspace} as ${format} to ${options.output}.`,
        );
      }),
    );
}

/** The flags as typed: the Activity service checks and parses them, naming each one it refuses. */
function filtersOf(options: FilterOptions): AuditFilterInput {
  return {
    workspace: options.workspace,
    key: options.key,
    member: options.member,
    tool: options.tool,
    action: options.action,
    outcome: options.outcome,
    ip: options.ip,
    since: options.since,
    until: options.until,
  };
}

interface Sink {
  write(chunk: string): Promise<void>;
  close(): Promise<void>;
}

/** Waits for `drain` when the stream asks for it, so a slow pipe never buffers the whole log. */
function stdoutSink(out: Writable): Sink {
  const stream = out as Writable & { once?: (event: 'drain', listener: () => void) => unknown };
  return {
    write: async (chunk) => {
      if (out.write(chunk) === false && typeof stream.once === 'function') {
        await new Promise<void>((resolve) => stream.once?.('drain', resolve));
      }
    },
    close: async () => {},
  };
}

async function fileSink(path: string): Promise<Sink> {
  // SECURITY: an audit export holds who did what from where: readable by its owner only.
  const file = await open(path, 'w', 0o600).catch((error: NodeJS.ErrnoException) => {
    throw invalidInput([
      { field: 'output', message: `cannot create ${path} (${error.code ?? error.message})` },
    ]);
  });
  const failed = (error: NodeJS.ErrnoException) =>
    new AppError('unavailable', `writing ${path} failed (${error.code ?? error.message})`, { cause: error });
  return {
    write: async (chunk) => {
      await file.write(chunk).catch((error) => {
        throw failed(error);
      });
    },
    close: () => file.close(),
  };
}

const COLUMNS = ['TIME', 'ACTION', 'OUTCOME', 'KEY', 'MEMBER', 'IP', 'CLIENT'] as const;
const MAX_WIDTH = 40;

/** One aligned line per event, a header, and how to get the next page. */
function pageText(page: AuditPage): string {
  if (!page.events.length) return `No audit events in ${page.workspace.slug} match.`;
  const rows = page.events.map((e) => cellsOf(e, page.members));
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const footer = page.nextCursor
    ? `More: repeat with --cursor ${page.nextCursor}`
    : `${page.events.length} event${page.events.length === 1 ? '' : 's'}, no more.`;
  return [line(COLUMNS), ...rows.map(line), footer].join('\n');
}

function cellsOf(e: AuditEvent, members: ReadonlyMap<string, Member>): string[] {
  const member = e.memberId === null ? null : (members.get(e.memberId)?.email ?? e.memberId);
  const client = describeClient(e.clientName, e.clientVersion) ?? e.userAgent;
  return [
    e.occurredAt,
    e.tool ? `${e.action} ${e.tool}` : e.action,
    e.errorCode ? `${e.outcome} (${e.errorCode})` : e.outcome,
    e.credentialName,
    member,
    e.ip,
    client,
  ].map((cell) => shown(cell ?? '-'));
}

/**
 * SECURITY: user agents and client names are chosen by whoever calls the MCP endpoint;
 * control characters (ANSI escapes, bidi overrides) would rewrite the operator's terminal.
 */
function shown(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  const safe = text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
  return safe.length > MAX_WIDTH ? `${safe.slice(0, MAX_WIDTH - 1)}…` : safe;
}
