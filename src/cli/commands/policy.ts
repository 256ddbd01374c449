/**
 * `taskgate policy show|set`, `taskgate freeze` and `taskgate unfreeze`: the workspace
 * safe-write policy and the key rotation period from the command line, which acts as the
 * operator of the database (or, with `--as <email>`, as that member, who must be allowed).
 * A bad value exits 2 naming its flag and changes nothing.
 */
import type { Command } from 'commander';
import {
  type PolicyField,
  type PolicyPatch,
  parseRotationDays,
  type WorkspacePolicy,
} from '../../admin/index.js';
import type { App } from '../../app.js';
import { type FieldIssue, invalidInput, isAppError } from '../../core/index.js';
import type { KeyHealth } from '../../credentials/index.js';
import { RISK_CLASSES } from '../../model/index.js';
import { configFor, withApp } from '../context.js';
import { durationFlag, untilFlag } from '../duration.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

interface WorkspaceOptions extends CommonOptions {
  readonly workspace: string;
}

interface SetOptions extends WorkspaceOptions {
  readonly create?: string;
  readonly update?: string;
  readonly delete?: string;
  readonly bulk?: string;
  readonly requireReason?: boolean;
  readonly requireReadFirst?: boolean;
  readonly requireOauth?: boolean;
  readonly approver?: string;
  readonly writeBudget?: string;
  readonly deleteBudget?: string;
  readonly budgetWindow?: string;
  readonly rotationDays?: string;
  readonly as?: string;
}

interface FreezeOptions extends WorkspaceOptions {
  readonly until?: string;
  readonly reason?: string;
}

/** The flag (without dashes) that sets each policy field, so errors name what was typed. */
const FLAG: Record<PolicyField, string> = {
  create: 'create',
  update: 'update',
  delete: 'delete',
  bulk: 'bulk',
  requireReason: 'require-reason',
  requireReadFirst: 'require-read-first',
  requireOauth: 'require-oauth',
  approver: 'approver',
  writeBudget: 'write-budget',
  deleteBudget: 'delete-budget',
  budgetWindowMinutes: 'budget-window',
  keyRotationDays: 'rotation-days',
};

const APPROVER_FLAG: Record<string, 'member' | 'member_or_admin'> = {
  member: 'member',
  'member-or-admin': 'member_or_admin',
};

export function registerPolicy(program: Command, io: CliIo): void {
  const run = <O extends CommonOptions>(options: O, work: (app: App) => Promise<void>) =>
    withApp(io, configFor(io, options), work);
  const policy = program.command('policy').description('the workspace safe-write policy');

  policy
    .command('show')
    .description('confirmation tier per risk class, requirements, budgets and freeze state')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .action((options: WorkspaceOptions) =>
      withApp(io, configFor(io, options, {}, 'read'), async (app) => {
        const shown = await app.policy.show(options.workspace);
        printResult(io, options, shown, policyText(shown));
      }),
    );

  const tier = 'none, token, elicit, approve or default (the environment default)';
  policy
    .command('set')
    .description('change the policy; settings not named stay as they are')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .option('--create <tier>', `tier for creates: ${tier}`)
    .option('--update <tier>', `tier for updates: ${tier}`)
    .option('--delete <tier>', `tier for deletes: ${tier}`)
    .option('--bulk <tier>', `tier for bulk changes: ${tier}`)
    .option('--require-reason', 'refuse writes that give no reason')
    .option('--no-require-reason', 'accept writes without a reason')
    .option('--require-read-first', 'refuse updates and deletes that do not name the version read')
    .option('--no-require-read-first', 'accept updates and deletes without a version')
    .option('--require-oauth', 'refuse API keys: only OAuth connections (consented in the browser) may act')
    .option('--no-require-oauth', 'accept API keys again')
    .option('--approver <who>', 'who approves in the browser: member or member-or-admin')
    .option('--write-budget <n>', 'writes per credential per window (1-10000, default 60)')
    .option('--delete-budget <n>', 'deletes per credential per window (1-10000, default 10)')
    .option('--budget-window <duration>', 'the budget window, e.g. 10m or 1h (at most 24h)')
    .option(
      '--rotation-days <days>',
      'keys are due for rotation this many days after creation: 30, 60, 90 or 180',
    )
    .option('--as <email>', 'act as this member (an owner or admin), named in the audit log')
    .action((options: SetOptions) =>
      run(options, async (app) => {
        const patch = toPatch(options);
        const by =
          options.as === undefined ? null : (await app.keys.actorFor(options.workspace, options.as)).memberId;
        const changed = await withFlagNames(() => app.policy.set(by, options.workspace, patch));
        const rotation =
          patch.keyRotationDays === undefined
            ? ''
            : `\n\n${rotationText(await app.keys.health(options.workspace))}`;
        printResult(
          io,
          options,
          changed,
          `Updated the policy of ${options.workspace}.\n\n${policyText(changed)}${rotation}`,
        );
      }),
    );

  program
    .command('freeze')
    .description('stop every write by every credential in a workspace; reads go on')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .option('--until <time>', 'an ISO time or a duration like 2h or 3d (default: until unfrozen)')
    .option('--reason <text>', 'why, for the audit log and the next operator')
    .action((options: FreezeOptions) =>
      run(options, async (app) => {
        const until =
          options.until === undefined ? undefined : untilFlag('until', options.until, app.clock.now());
        const frozen = await app.policy.freeze(options.workspace, {
          by: null,
          ...(until && { until }),
          ...(options.reason !== undefined && { reason: options.reason }),
        });
        printResult(
          io,
          options,
          frozen,
          `Froze ${frozen.workspace.slug} ${frozen.freeze.until ? `until ${frozen.freeze.until}` : 'until unfrozen'}: every write by every credential is refused; reads go on.`,
        );
      }),
    );

  program
    .command('unfreeze')
    .description('allow writes again in a frozen workspace')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .action((options: WorkspaceOptions) =>
      run(options, async (app) => {
        const policy = await app.policy.unfreeze(options.workspace, null);
        printResult(io, options, policy, `Unfroze ${policy.workspace.slug}: writes are allowed again.`);
      }),
    );
}

/** Flags to a patch; what the CLI alone can tell is wrong is reported here, all at once. */
function toPatch(options: SetOptions): PolicyPatch {
  const issues: FieldIssue[] = [];
  const count = (field: PolicyField, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    if (/^\d{1,9}$/.test(value.trim())) return Number(value);
    issues.push({ field: FLAG[field], message: 'must be a whole number' });
    return undefined;
  };
  let approver: PolicyPatch['approver'];
  if (options.approver !== undefined) {
    approver = APPROVER_FLAG[options.approver];
    if (!approver) issues.push({ field: 'approver', message: 'must be member or member-or-admin' });
  }
  let windowMinutes: number | undefined;
  if (options.budgetWindow !== undefined) {
    try {
      windowMinutes = durationFlag('budget-window', options.budgetWindow, ['m', 'h']) / 60_000;
    } catch (error) {
      if (!isAppError(error)) throw error;
      issues.push(...error.fields);
    }
  }
  let keyRotationDays: PolicyPatch['keyRotationDays'];
  if (options.rotationDays !== undefined) {
    const parsed = parseRotationDays(options.rotationDays);
    if (parsed.ok) keyRotationDays = parsed.days;
    else issues.push({ field: 'rotation-days', message: parsed.message });
  }
  const patch: PolicyPatch = {
    ...(options.create !== undefined && { create: options.create as PolicyPatch['create'] }),
    ...(options.update !== undefined && { update: options.update as PolicyPatch['update'] }),
    ...(options.delete !== undefined && { delete: options.delete as PolicyPatch['delete'] }),
    ...(options.bulk !== undefined && { bulk: options.bulk as PolicyPatch['bulk'] }),
    ...(options.requireReason !== undefined && { requireReason: options.requireReason }),
    ...(options.requireReadFirst !== undefined && { requireReadFirst: options.requireReadFirst }),
    ...(options.requireOauth !== undefined && { requireOauth: options.requireOauth }),
    ...(approver !== undefined && { approver }),
    writeBudget: count('writeBudget', options.writeBudget),
    deleteBudget: count('deleteBudget', options.deleteBudget),
    budgetWindowMinutes: windowMinutes,
    keyRotationDays,
  };
  if (issues.length) throw invalidInput(issues);
  return patch;
}

/** The service names fields as the API does; here they become the flags that set them. */
async function withFlagNames<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isAppError(error) || error.code !== 'invalid_input' || !error.fields.length) throw error;
    const flagged = error.fields.map((f) => ({ ...f, field: FLAG[f.field as PolicyField] ?? f.field }));
    throw invalidInput(flagged);
  }
}

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

/** After a new rotation period: where every live key now stands under it. */
function rotationText(health: KeyHealth): string {
  const names = (list: KeyHealth['overdue']) =>
    list.length ? `: ${list.map((k) => k.name).join(', ')}` : '';
  return [
    `Every key is now judged against ${health.workspace.keyRotationDays} days (${health.liveKeys} live key${health.liveKeys === 1 ? '' : 's'}).`,
    `  overdue for rotation: ${health.overdue.length}${names(health.overdue)}`,
    `  due within 7 days:    ${health.dueSoon.length}${names(health.dueSoon)}`,
    'Overdue keys keep working until their own expiry; rotate them: taskgate keys rotate <name>.',
  ].join('\n');
}

export function policyText(p: WorkspacePolicy): string {
  const env = p.workspace.environment;
  const tiers = RISK_CLASSES.map(
    (risk) =>
      `  ${risk.padEnd(8)} ${p.tiers[risk].padEnd(8)} ${p.tierSource[risk] === 'default' ? `(${env} default)` : '(set for this workspace)'}`,
  );
  const f = p.freeze;
  const freeze = f.frozen
    ? `FROZEN since ${f.since} ${f.until ? `until ${f.until}` : 'until unfrozen'}${f.reason ? ` (${f.reason})` : ''}: writes are refused`
    : 'not frozen';
  return [
    `Safe-write policy of ${p.workspace.slug} (${env})`,
    'confirmation tier per risk class:',
    ...tiers,
    `require reason:      ${yesNo(p.requireReason)}`,
    `require read first:  ${yesNo(p.requireReadFirst)}`,
    `require OAuth:       ${yesNo(p.requireOauth)}${p.requireOauth ? ' (API keys are refused)' : ''}`,
    `approver:            ${p.approver === 'member' ? 'member (the member the credential acts for)' : 'member-or-admin (that member, or an owner or admin)'}`,
    `write budget:        ${p.budget.writes} writes and ${p.budget.deletes} deletes per credential per ${p.budget.windowMinutes} min`,
    `key rotation:        every ${p.keyRotationDays} days (a key is due that long after its creation)`,
    `freeze:              ${freeze}`,
  ].join('\n');
}
