/**
 * `taskgate incident report|revert|contain`: the routine for a leaked key — contain it, see
 * what it did, undo it. The command line is the operator of the database: it acts as the
 * workspace owner, through `cli`. `revert` only plans unless given `--yes`, and exits 1 when
 * anything it planned was left undone (a conflict, a failure, a step only a human can take).
 */
import type { Command } from 'commander';
import type { App } from '../../app.js';
import { AppError, invalidInput } from '../../core/index.js';
import { resolveWorkspace } from '../../domain/index.js';
import { containText, type IncidentScope, reportMarkdown, revertText } from '../../incident/index.js';
import type { Workspace } from '../../model/index.js';
import { configFor, withApp } from '../context.js';
import { parseDuration, untilFlag } from '../duration.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

interface IncidentOptions extends CommonOptions {
  readonly workspace?: string;
  readonly key: string;
  readonly since?: string;
}

interface ReportOptions extends IncidentOptions {
  readonly format?: string;
}

interface RevertOptions extends IncidentOptions {
  readonly dryRun?: boolean;
  readonly yes?: boolean;
}

export function registerIncident(program: Command, io: CliIo): void {
  const incident = program
    .command('incident')
    .description('incident response for a leaked key: contain, report, revert');
  const run = <O extends CommonOptions>(
    options: O,
    work: (app: App) => Promise<void>,
    access: 'read' | 'write' = 'write',
  ) => withApp(io, configFor(io, options, {}, access), work);
  const withScope = (command: Command) =>
    command
      .option('--workspace <slug>', 'workspace slug (may be left out when the database has one workspace)')
      .requiredOption('--key <name>', 'the key name, as keys list shows it (every key that carried it)');

  withScope(incident.command('report').description('when, from where and what a key did, with before/after'))
    .option('--since <time>', 'an ISO time or a duration back from now, like 24h or 7d (default: all)')
    .option('--format <format>', 'md (default) or json')
    .action((options: ReportOptions) =>
      run(
        options,
        async (app) => {
          const json = options.json === true || formatOf(options.format) === 'json';
          const { workspace, scope } = await scopeOf(app, options);
          const report = await app.incident.report(workspace, scope, null);
          printResult(io, { json }, report, reportMarkdown(report));
        },
        'read',
      ),
    );

  withScope(
    incident.command('revert').description('undo what a key changed, newest first; plans only unless --yes'),
  )
    .option('--since <time>', 'an ISO time or a duration back from now, like 24h or 7d (default: all)')
    .option('--dry-run', 'print the plan and change nothing (the default without --yes)')
    .option('--yes', 'apply the plan; each step is its own audited transaction')
    .action((options: RevertOptions) =>
      run(options, async (app) => {
        const { workspace, scope } = await scopeOf(app, options);
        const dryRun = options.dryRun === true || options.yes !== true;
        const result = await app.incident.revert(workspace, scope, null, { dryRun });
        printResult(io, options, result, revertText(result));
        const { conflict, failed, manual } = result.counts;
        if (!dryRun && conflict + failed + manual > 0) {
          // runCli maps conflict to exit code 1; the steps are already printed.
          throw new AppError(
            'conflict',
            `${conflict} conflict(s), ${failed} failure(s) and ${manual} step(s) for a human: not everything was undone`,
            { detail: { reported: true } },
          );
        }
      }),
    );

  withScope(
    incident
      .command('contain')
      .description("revoke a key, make its member's other keys dry-run-only, report"),
  ).action((options: IncidentOptions) =>
    run(options, async (app) => {
      const { workspace, scope } = await scopeOf(app, options);
      const contained = await app.incident.contain(workspace, scope.keyName, null);
      const report = await app.incident.report(workspace, scope, null);
      printResult(
        io,
        options,
        { contained, report },
        `${containText(workspace, contained)}\n\n${reportMarkdown(report)}`,
      );
    }),
  );
}

function formatOf(format: string | undefined): 'md' | 'json' {
  if (format === undefined || format === 'md' || format === 'json') return format ?? 'md';
  throw invalidInput([{ field: 'format', message: 'must be md or json' }]);
}

/** `--since`: a duration back from now (`24h`) or an ISO-8601 time. */
export function sinceFlag(text: string, now: Date): Date {
  const duration = parseDuration(text);
  if (duration.ok) return new Date(now.getTime() - duration.value);
  return untilFlag('since', text, now);
}

async function scopeOf(
  app: App,
  options: IncidentOptions,
): Promise<{ workspace: Workspace; scope: IncidentScope }> {
  const keyName = options.key.trim();
  if (!keyName) throw invalidInput([{ field: 'key', message: 'must name a key' }]);
  const since = options.since === undefined ? undefined : sinceFlag(options.since, app.clock.now());
  const workspace = await workspaceOf(app, options.workspace);
  return { workspace, scope: { keyName, ...(since && { since: since.toISOString() }) } };
}

async function workspaceOf(app: App, ref: string | undefined): Promise<Workspace> {
  if (ref === undefined) {
    const all = await app.store.workspaces.list();
    if (all.length === 1) return all[0]!;
    throw invalidInput([
      {
        field: 'workspace',
        message: all.length
          ? `is required: this database has ${all.length} workspaces (${all.map((w) => w.slug).join(', ')})`
          : 'is required: this database has no workspace yet',
      },
    ]);
  }
  return resolveWorkspace(app.store, ref);
}
