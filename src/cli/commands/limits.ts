/**
 * `taskgate limits show|set`: a workspace's request limits on /mcp (issue 16), per key, per
 * member and per client address, for reads and writes, per minute. The command line acts as
 * the operator of the database (or, with `--as <email>`, as that member, who must be an owner
 * or admin). A bad value exits 2 naming its flag and changes nothing; each change is audited.
 */
import type { Command } from 'commander';
import type { App } from '../../app.js';
import { invalidInput, isAppError } from '../../core/index.js';
import {
  RATE_LIMIT_FIELDS,
  RATE_LIMIT_LABELS,
  RATE_LIMIT_WINDOW_SECONDS,
  type RateLimitSettings,
} from '../../monitoring/index.js';
import { configFor, withApp } from '../context.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

interface WorkspaceOptions extends CommonOptions {
  readonly workspace: string;
}

type SetOptions = WorkspaceOptions & { readonly as?: string } & Partial<Record<string, string>>;

/** The flag (without dashes) that sets each field, so errors name what was typed. */
const FLAG: Record<keyof RateLimitSettings, string> = {
  keyReadsPerMinute: 'key-reads',
  keyWritesPerMinute: 'key-writes',
  memberReadsPerMinute: 'member-reads',
  memberWritesPerMinute: 'member-writes',
  ipReadsPerMinute: 'ip-reads',
  ipWritesPerMinute: 'ip-writes',
};

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function limitsText(slug: string, limits: RateLimitSettings): string {
  const width = Math.max(...RATE_LIMIT_FIELDS.map((f) => FLAG[f].length));
  return [
    `Request limits of ${slug} on /mcp (per ${RATE_LIMIT_WINDOW_SECONDS} s window; over a limit: HTTP 429):`,
    ...RATE_LIMIT_FIELDS.map(
      (f) => `  ${FLAG[f].padEnd(width)}  ${String(limits[f]).padStart(6)}  ${RATE_LIMIT_LABELS[f]}`,
    ),
    'Change one: taskgate limits set --workspace <slug> --key-reads <n>',
  ].join('\n');
}

export function registerLimits(program: Command, io: CliIo): void {
  const limits = program.command('limits').description('request limits on /mcp (rate limits)');

  limits
    .command('show')
    .description('the workspace limits per key, member and client address, for reads and writes')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .action((options: WorkspaceOptions) =>
      withApp(io, configFor(io, options, {}, 'read'), async (app) => {
        const workspace = await app.domain.workspaces.get(options.workspace);
        const shown = await app.monitoring.rateLimits.show(workspace.id);
        printResult(io, options, shown, limitsText(workspace.slug, shown));
      }),
    );

  const set = limits
    .command('set')
    .description('change limits; those not named stay as they are')
    .requiredOption('--workspace <slug>', 'workspace slug');
  for (const field of RATE_LIMIT_FIELDS) set.option(`--${FLAG[field]} <n>`, `${RATE_LIMIT_LABELS[field]}`);
  set
    .option('--as <email>', 'act as this member (an owner or admin), named in the audit log')
    .action((options: SetOptions) =>
      withApp(io, configFor(io, options), async (app: App) => {
        const patch: Record<string, unknown> = {};
        for (const field of RATE_LIMIT_FIELDS) {
          const value = options[camel(FLAG[field])];
          if (value !== undefined) patch[field] = value;
        }
        if (Object.keys(patch).length === 0)
          throw invalidInput([
            { field: 'limits', message: 'name at least one limit to change, e.g. --key-reads 300' },
          ]);
        const by =
          options.as === undefined ? null : (await app.keys.actorFor(options.workspace, options.as)).memberId;
        const changed = await withFlagNames(() =>
          app.monitoring.rateLimits.tune(options.workspace, patch, by),
        );
        printResult(io, options, changed, limitsText(options.workspace, changed));
      }),
    );
}

async function withFlagNames<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isAppError(error) || error.code !== 'invalid_input' || !error.fields.length) throw error;
    throw invalidInput(
      error.fields.map((f) => ({ ...f, field: FLAG[f.field as keyof RateLimitSettings] ?? f.field })),
    );
  }
}
