/**
 * `taskgate keys create|list|show|rotate|revoke|narrow|health|lift`. The secret is printed once, by create
 * and rotate, and never again; list and show give the id, name, prefix and last four
 * characters. `--as <email>` acts as a member, whose role must allow the action and who is
 * named in its audit event; without it the command acts as the database's operator.
 */

import type { Command } from 'commander';
import { type App, MAIN_MODULE } from '../../app.js';
import { invalidInput } from '../../core/index.js';
import {
  type ClientConfigSnippet,
  type CreateKeyInput,
  clientConfigSnippet,
  type IssuedKey,
  isKnownClient,
  type KeyActor,
  type KeyHealth,
  type KeyNarrowing,
  type KeyRevocation,
  type KeyView,
  type NarrowKeyInput,
} from '../../credentials/index.js';
import { describeClient } from '../../domain/index.js';
import { configFor, withApp } from '../context.js';
import { durationFlag } from '../duration.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

interface CreateOptions extends CommonOptions {
  readonly workspace: string;
  readonly name: string;
  readonly env: string;
  readonly member?: string;
  readonly scopes?: string;
  readonly preset?: string;
  readonly projects?: string;
  readonly readOnly?: boolean;
  readonly dryRunOnly?: boolean;
  readonly ip?: string;
  readonly expiresIn?: string;
  readonly client?: string;
  readonly as?: string;
}

interface RefOptions extends CommonOptions {
  readonly workspace: string;
  readonly as?: string;
}

interface RotateOptions extends RefOptions {
  readonly grace?: string;
  readonly leaked?: boolean;
}

interface NarrowOptions extends RefOptions {
  readonly removeScope?: string;
  readonly removeProject?: string;
  readonly readOnly?: boolean;
  readonly dryRunOnly?: boolean;
  readonly expires?: string;
  readonly ip?: string;
}

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

interface RevokeOptions extends RefOptions {
  readonly only?: string;
}

export function registerKeys(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('named API keys, one per AI client and machine');
  const run = <O extends CommonOptions>(
    options: O,
    work: (app: App) => Promise<void>,
    access: 'read' | 'write' = 'write',
  ) => withApp(io, configFor(io, options, {}, access), work);
  const actor = (app: App, options: { workspace: string; as?: string }): Promise<KeyActor> =>
    options.as === undefined ? Promise.resolve(null) : app.keys.actorFor(options.workspace, options.as);
  const asHelp =
    'act as this member (named in the audit log): owners and admins for any key, others for their own';

  keys
    .command('create')
    .description('create a key; prints it once with a ready-to-paste client config')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .requiredOption('--name <name>', 'kebab-case <client>-<machine>, e.g. cursor-work-laptop')
    .requiredOption('--env <environment>', "the workspace's environment: development, staging or production")
    .option('--member <email>', 'the member the key acts for (default: the owner)')
    .option('--scopes <list>', 'comma-separated scopes, e.g. tasks:read,tasks:write')
    .option('--preset <preset>', 'read-only (default), standard or full')
    .option('--projects <keys>', 'comma-separated project keys the key is limited to')
    .option('--read-only', 'drop every write scope')
    .option('--dry-run-only', 'writes only ever preview')
    .option('--ip <cidrs>', 'comma-separated CIDR blocks the key may be used from')
    .option('--expires-in <days>', 'lifetime like 30d (at most the workspace rotation period)')
    .option('--client <client>', 'claude-desktop, cursor, windsurf, continue or vscode: prints its config')
    .option('--as <email>', `${asHelp}; the key is theirs unless --member says otherwise`)
    .action((options: CreateOptions) =>
      run(options, async (app) => {
        const input: CreateKeyInput = {
          workspace: options.workspace,
          name: options.name,
          // The service validates these and names the field when they are wrong.
          environment: options.env as CreateKeyInput['environment'],
          readOnly: options.readOnly ?? false,
          dryRunOnly: options.dryRunOnly ?? false,
          ...(options.member !== undefined && { member: options.member }),
          ...(options.scopes !== undefined && { scopes: options.scopes }),
          ...(options.preset !== undefined && { preset: options.preset as CreateKeyInput['preset'] }),
          ...(options.projects !== undefined && { projects: options.projects }),
          ...(options.ip !== undefined && { ip: options.ip }),
          ...(options.expiresIn !== undefined && { expiresIn: options.expiresIn }),
          ...(options.client !== undefined && { client: options.client as CreateKeyInput['client'] }),
        };
        const issued = await app.keys.create(input, { actor: await actor(app, options) });
        const snippet = snippetFor(app, issued.key);
        printResult(
          io,
          options,
          { ...issued.key, key: issued.secret, ...(snippet && { clientConfig: snippet }) },
          [issuedText(app, issued, 'Created'), snippet && snippetText(snippet)].filter(Boolean).join('\n\n'),
        );
      }),
    );

  keys
    .command('list')
    .description('list keys with status, rotation due date and last use')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .option('--as <email>', 'list as this member: owners and admins see every key, others their own')
    .action((options: RefOptions) =>
      run(
        options,
        async (app) => {
          const list = await app.keys.list(options.workspace, { actor: await actor(app, options) });
          printResult(
            io,
            options,
            { keys: list },
            list.length ? list.map(keyLine).join('\n') : 'No keys yet.',
          );
        },
        'read',
      ),
    );

  keys
    .command('show <key>')
    .description('show one key by name or id')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .option('--as <email>', 'show as this member: a key they may not see is not found')
    .action((ref: string, options: RefOptions) =>
      run(
        options,
        async (app) => {
          const key = await app.keys.show(options.workspace, ref, { actor: await actor(app, options) });
          printResult(io, options, key, keyDetail(key));
        },
        'read',
      ),
    );

  keys
    .command('rotate <key>')
    .description('issue a replacement; the old key keeps working for the grace window')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .option('--grace <duration>', 'how long the old key keeps working, e.g. 24h or 30m (default 24h)')
    .option('--leaked', 'the old key leaked: no grace, it is revoked now with any predecessor still in grace')
    .option('--as <email>', asHelp)
    .action((ref: string, options: RotateOptions) =>
      run(options, async (app) => {
        const grace = options.grace === undefined ? undefined : parseGrace(options.grace);
        const rotated = await app.keys.rotate(options.workspace, ref, {
          ...(grace !== undefined && { graceHours: grace }),
          ...(options.leaked && { leaked: true }),
          actor: await actor(app, options),
        });
        const after = options.leaked
          ? [
              `The leaked key ${rotated.revoked.map((k) => k.display).join(', ')} is revoked now: its next request gets 401.`,
              `Put the new key in every client, then see what the leaked key did: taskgate incident report --key ${rotated.key.name}`,
            ].join('\n')
          : `The old key ${rotated.old.display} keeps working until ${rotated.old.grace?.until}.`;
        printResult(
          io,
          options,
          { ...rotated.key, key: rotated.secret, old: rotated.old, revoked: rotated.revoked },
          `${issuedText(app, rotated, 'Rotated')}\n${after}`,
        );
      }),
    );

  keys
    .command('revoke [key]')
    .description('revoke a key and its rotation family (the old key in grace, its replacement): 401 next')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .option('--only <id>', 'revoke exactly this key id (from keys list) and leave the rest of its family')
    .option('--as <email>', asHelp)
    .action((ref: string | undefined, options: RevokeOptions) =>
      run(options, async (app) => {
        if ((ref === undefined) === (options.only === undefined)) {
          throw invalidInput([{ field: 'key', message: 'give either a key name or --only <id>' }]);
        }
        const by = await actor(app, options);
        const result =
          options.only !== undefined
            ? await app.keys.revoke(options.workspace, options.only, { only: true, actor: by })
            : await app.keys.revoke(options.workspace, ref!, { actor: by });
        printResult(io, options, result, revokedText(result));
      }),
    );

  keys
    .command('lift <key>')
    .alias('unsuspend')
    .description(
      'lift the suspension an anomaly rule or the write budget put on a key: its own rights return',
    )
    .requiredOption('--workspace <slug>', 'workspace slug')
    .option('--as <email>', 'act as this member (an owner or admin), named in the audit log')
    .action((ref: string, options: RefOptions) =>
      run(options, async (app) => {
        const by = await actor(app, options);
        const key = await app.monitoring.suspensions.lift(options.workspace, ref, by?.memberId ?? null);
        printResult(
          io,
          options,
          { id: key.id, name: key.name, suspended: false },
          `lifted the suspension of ${key.name}`,
        );
      }),
    );

  keys
    .command('narrow <key>')
    .description('take rights away from a key (and its old key still in grace); never adds any')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .option('--remove-scope <scopes>', 'comma-separated scopes to take away (X:read takes X:write with it)')
    .option('--remove-project <keys>', 'comma-separated project keys to take away')
    .option('--read-only', 'drop every write scope')
    .option('--dry-run-only', 'writes only ever preview')
    .option('--expires <time>', 'an earlier expiry: a duration from now like 7d, or an ISO-8601 time')
    .option('--ip <cidrs>', 'a tighter IP allow-list: CIDR blocks inside the current one')
    .option('--as <email>', asHelp)
    .action((ref: string, options: NarrowOptions) =>
      run(options, async (app) => {
        const input: NarrowKeyInput = {
          ...(options.removeScope !== undefined && { removeScopes: list(options.removeScope) }),
          ...(options.removeProject !== undefined && { removeProjects: list(options.removeProject) }),
          ...(options.readOnly && { readOnly: true }),
          ...(options.dryRunOnly && { dryRunOnly: true }),
          ...(options.expires !== undefined && { expires: options.expires }),
          ...(options.ip !== undefined && { ip: list(options.ip) }),
        };
        const result = await app.keys.narrow(options.workspace, ref, input, {
          actor: await actor(app, options),
        });
        printResult(io, options, result, narrowedText(result));
      }),
    );

  keys
    .command('health')
    .description('keys due soon or overdue for rotation, never used, or idle for 30 days')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .action((options: RefOptions) =>
      run(
        options,
        async (app) => {
          const health = await app.keys.health(options.workspace);
          printResult(io, options, health, healthText(health));
        },
        'read',
      ),
    );
}

function healthText(h: KeyHealth): string {
  const section = (
    title: string,
    list: KeyHealth['overdue'],
    what: (k: KeyHealth['overdue'][number]) => string,
  ) =>
    list.length
      ? [
          `${title} (${list.length}):`,
          ...list.map((k) => `  ${k.name.padEnd(32)} ${k.owner.email} ${k.environment} ${what(k)}`),
        ]
      : [`${title}: none`];
  const used = (k: KeyHealth['overdue'][number]) =>
    k.lastUsed ? `last used ${k.lastUsed.at}` : 'never used';
  return [
    `Key health of ${h.workspace.slug}: ${h.liveKeys} live key${h.liveKeys === 1 ? '' : 's'}, rotation every ${h.workspace.keyRotationDays} days`,
    ...section('Overdue for rotation', h.overdue, (k) => `due ${k.rotation.dueAt}, ${used(k)}`),
    ...section('Due for rotation within 7 days', h.dueSoon, (k) => `due ${k.rotation.dueAt}, ${used(k)}`),
    ...section('Never used', h.neverUsed, (k) => `created ${k.createdAt}`),
    ...section('Idle for 30 days or more', h.idle, used),
  ].join('\n');
}

function narrowedText(result: KeyNarrowing): string {
  return [
    `Narrowed ${result.key.name} (${result.changed.join(', ')}): ${result.narrowed.map((k) => k.display).join(', ')}.`,
    keyDetail(result.key),
  ].join('\n');
}

function revokedText(result: KeyRevocation): string {
  const lines = result.revoked.map((k) => `  ${k.id} ${k.display}${k.replacedBy ? ' (rotated out)' : ''}`);
  const before = result.alreadyRevoked.length
    ? [`Already revoked before: ${result.alreadyRevoked.map((k) => k.display).join(', ')}`]
    : [];
  return [
    `Revoked ${result.name}: ${result.revoked.length} key${result.revoked.length === 1 ? '' : 's'}. Its next request gets 401.`,
    ...lines,
    ...before,
  ].join('\n');
}

/** The config for the key's client; its stdio bridge runs this very installation, by absolute path. */
function snippetFor(app: App, key: KeyView): ClientConfigSnippet | undefined {
  if (key.client === null || !isKnownClient(key.client)) return undefined;
  return clientConfigSnippet({
    client: key.client,
    mcpUrl: `${app.config.publicUrl}/mcp`,
    keyName: key.name,
    bridge: { command: process.execPath, args: [MAIN_MODULE] },
  });
}

function snippetText(snippet: ClientConfigSnippet): string {
  return [`Paste into ${snippet.file}:`, '', snippet.text, '', snippet.note].join('\n');
}

function parseGrace(value: string): number {
  return durationFlag('grace', value, ['m', 'h']) / 3_600_000;
}

function issuedText(app: App, issued: IssuedKey, verb: string): string {
  const k = issued.key;
  return [
    `${verb} key ${k.name} for ${k.member.email} (${k.environment}), expires ${k.expiresAt}.`,
    `Scopes: ${k.scopes.join(' ')}${k.projects ? `; projects: ${k.projects.join(', ')}` : ''}`,
    '',
    `  ${issued.secret}`,
    '',
    'This is the only time the key is shown. Store it in a password manager or an environment variable.',
    `MCP endpoint: ${app.config.publicUrl}/mcp  (header "Authorization: Bearer <key>")`,
  ].join('\n');
}

function keyLine(k: KeyView): string {
  const rotation = k.rotation.state === 'ok' ? '' : ` rotation ${k.rotation.state.replace('_', ' ')}`;
  const grace = k.grace
    ? ` (${Math.round(k.grace.remainingSeconds / 60)} min left${k.grace.stillInUse ? ', STILL IN USE by a client' : ''})`
    : '';
  const used = k.lastUsed ? ` ${lastUsedText(k.lastUsed)}` : ' never used';
  const flagged = `${k.flagged ? ` FLAGGED (${k.flagged.reason} at ${k.flagged.at})` : ''}${k.suspension ? ` SUSPENDED ${k.suspension.mode}` : ''}`;
  if (k.oauthClient) {
    // A connection has no key to show: who granted what to which client.
    const rights = `${k.scopes.join(' ')}${k.readOnly ? ' read-only' : ''}`;
    return `${k.name.padEnd(32)} ${k.id} OAuth ${describeClient(k.oauthClient.name) ?? k.oauthClient.id} for ${k.member.email} ${k.status}${flagged} [${rights}]${used}`;
  }
  return `${k.name.padEnd(32)} ${k.id} ${k.display} ${k.status}${rotation}${grace}${flagged}${used}`;
}

function keyDetail(k: KeyView): string {
  return [
    `${k.name} (${k.id}) ${k.display} — ${k.status}`,
    `acts for ${k.member.email} (${k.member.role}) in ${k.environment}`,
    `scopes: ${k.scopes.join(' ')}`,
    `projects: ${k.projects ? k.projects.join(', ') : 'all the member can see'}`,
    `flags: ${[k.readOnly && 'read-only', k.dryRunOnly && 'dry-run-only'].filter(Boolean).join(', ') || 'none'}`,
    `ip: ${k.ip ? k.ip.join(', ') : 'any'}`,
    `created ${k.createdAt}, expires ${k.expiresAt}, rotation due ${k.rotation.dueAt} (${k.rotation.state})`,
    k.lastUsed ? lastUsedText(k.lastUsed) : 'never used',
    ...(k.flagged ? [`FLAGGED for review: ${k.flagged.reason} at ${k.flagged.at}`] : []),
    ...(k.suspension ? [suspensionText(k.suspension)] : []),
  ].join('\n');
}

function lastUsedText(used: NonNullable<KeyView['lastUsed']>): string {
  return `last used ${used.at} from ${used.ip ?? 'an unknown address'} by ${used.client ?? 'an unnamed client'}`;
}

function suspensionText(s: NonNullable<KeyView['suspension']>): string {
  return `SUSPENDED (${s.mode}) since ${s.since}: ${s.reason} — lift with taskgate keys lift`;
}
