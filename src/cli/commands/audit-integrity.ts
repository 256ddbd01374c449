/**
 * `taskgate audit verify|keys|hash|prune`: the tamper evidence of the audit log from the
 * command line. `verify` exits 1 naming the first bad sequence number of each damaged chain
 * and the kind of damage; `prune` removes old events only up to a signed checkpoint, so what
 * remains still verifies.
 */

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { App } from '../../app.js';
import {
  createAuditMasks,
  createAuditPrune,
  OPERATOR,
  parseAnchor,
  type VerifyOptions as VerifyOptions_,
  type VerifyReport,
  verifyAudit,
} from '../../audit/index.js';
import { chainOf, GLOBAL_CHAIN } from '../../chain/index.js';
import { AppError } from '../../core/index.js';
import { resolveWorkspace } from '../../domain/index.js';
import type { Workspace } from '../../model/index.js';
import { configFor, configWithSecret, withApp } from '../context.js';
import { agoFlag } from '../duration.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';
import { AS_FLAG, viewerOf } from './audit-viewer.js';

interface WorkspaceOption extends CommonOptions {
  readonly workspace?: string;
}

async function findWorkspace(app: App, slug: string): Promise<Workspace> {
  return resolveWorkspace(app.store, slug);
}

/** The given workspace, or the only one there is. */
async function oneWorkspace(app: App, slug: string | undefined): Promise<Workspace> {
  if (slug) return findWorkspace(app, slug);
  const all = await app.store.workspaces.list();
  if (all.length !== 1) throw new AppError('invalid_input', 'workspace: name one with --workspace');
  return all[0]!;
}

const KEY_SOURCES = {
  instance: "this instance's key",
  vouched: 'an earlier key, vouched for by an audited key change',
  anchor: 'the key of the anchor file',
  untrusted: 'NOT TRUSTED',
} as const;

function verifySummary(report: VerifyReport, names: Map<string, string>): string {
  const counts = `${report.events} events, ${report.checkpoints} checkpoints`;
  // Which key signed what: after a replaced secret, the old checkpoints are the old key's.
  const keys = report.keys.map(
    (k) =>
      `  key ${k.keyId} (${KEY_SOURCES[k.source]}) signed ${k.chains
        .map((c) => `chain ${names.get(c.chain) ?? c.chain} ${c.from}…${c.to} (${c.count})`)
        .join(', ')}`,
  );
  const lines = report.problems.map(
    (p) => `chain ${names.get(p.chain) ?? p.chain}: first bad event ${p.seq}: ${p.kind} (${p.detail})`,
  );
  const verdict = report.ok ? `${counts}, chain intact` : `${counts}, chain BROKEN`;
  return [verdict, ...lines, ...(keys.length > 1 || !report.ok ? keys : [])].join('\n');
}

interface VerifyOptions extends WorkspaceOption {
  readonly anchor?: string;
  readonly as?: string;
}

export function registerAuditIntegrity(program: Command, io: CliIo): void {
  const audit =
    program.commands.find((command) => command.name() === 'audit') ??
    program.command('audit').description('the audit log: verify, query, export');
  const run = <O extends CommonOptions>(
    options: O,
    work: (app: App) => Promise<void>,
    access: 'read' | 'write' = 'write',
  ) => withApp(io, configFor(io, options, {}, access), work);

  audit
    .command('verify')
    .description('recompute every hash chain and check every signed checkpoint')
    .option('--workspace <slug>', 'only this workspace')
    .option('--anchor <file>', 'an anchor from `audit anchor`: the log must still hold and extend it')
    .option(...AS_FLAG)
    .action((options: VerifyOptions) => {
      const anchor = options.anchor
        ? { file: options.anchor, anchor: readAnchor(options.anchor) }
        : undefined;
      return run(
        options,
        async (app) => {
          const workspaces = await app.store.workspaces.list();
          const names = new Map<string, string>([
            [GLOBAL_CHAIN, '(no workspace)'],
            ...workspaces.map((w) => [w.id, w.slug] as [string, string]),
          ]);
          const report = await verifyAndRecord(app, options, anchor, (text) => io.stderr.write(text));
          const problems = report.problems.map((p) => ({ ...p, workspace: names.get(p.chain) ?? null }));
          printResult(io, options, { ...report, problems }, verifySummary(report, names));
          if (!report.ok) {
            throw new AppError('conflict', 'the audit log does not verify', { detail: { reported: true } });
          }
        },
        'read',
      );
    });

  audit
    .command('keys')
    .description('print the public key that signs audit checkpoints (JWK)')
    .action((options: CommonOptions) =>
      withApp(io, configWithSecret(io, options), async (app) => {
        const key = app.auditSigner.publicKey;
        printResult(io, options, { keys: [key] }, `${key.kid} Ed25519 ${key.x}`);
      }),
    );

  audit
    .command('hash <value>')
    .description('the HMAC that stands for <value> in the audit log, to search for it')
    .option('--workspace <slug>', 'the workspace whose audit key to use')
    .action((value: string, options: WorkspaceOption) =>
      withApp(io, configWithSecret(io, options), async (app) => {
        const workspace = await oneWorkspace(app, options.workspace);
        const hmac = createAuditMasks(app.config.secretKey!)(workspace.id)(value);
        printResult(io, options, { workspace: workspace.slug, hmac }, hmac);
      }),
    );

  audit
    .command('prune')
    .description('delete events older than a time, up to the last signed checkpoint before it')
    .requiredOption('--before <time>', 'ISO time, or a duration ago like 365d')
    .option('--workspace <slug>', 'only this workspace')
    .action((options: WorkspaceOption & { before: string }) =>
      run(options, async (app) => {
        const cutOff = agoFlag('before', options.before, app.clock.now());
        const only = options.workspace
          ? chainOf((await findWorkspace(app, options.workspace)).id)
          : undefined;
        const { before, pruned } = await createAuditPrune(app)(cutOff, only);
        const total = pruned.reduce((sum, p) => sum + p.count, 0);
        printResult(
          io,
          options,
          { before, pruned },
          `Pruned ${total} event(s) older than ${before}; checkpoints kept.`,
        );
      }),
    );
}

/**
 * Verifies and records `audit.verified` (who: the member of `--as`, or the operator). Without
 * the instance secret it only verifies: this process would sign the record with a key made
 * up on the spot, and every later verification would find a checkpoint nobody trusts.
 */
async function verifyAndRecord(
  app: App,
  options: VerifyOptions,
  anchor: VerifyOptions_['anchor'],
  warn: (text: string) => void,
): Promise<VerifyReport> {
  if (options.as !== undefined) {
    if (anchor)
      throw new AppError('invalid_input', 'anchor: not with --as (a member verifies their workspace)');
    return (await app.activity.verify(await viewerOf(app, options))).report;
  }
  if (app.config.secretKey) {
    return (
      await app.activity.verify(OPERATOR, {
        ...(options.workspace !== undefined && { workspace: options.workspace }),
        ...(anchor && { anchor }),
      })
    ).report;
  }
  warn('taskgate: the instance secret is missing: this verification is not recorded in the audit log\n');
  const chain = options.workspace ? chainOf((await findWorkspace(app, options.workspace)).id) : undefined;
  return verifyAudit(app.store, app.auditSigner, { ...(chain && { chain }), ...(anchor && { anchor }) });
}

function readAnchor(file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new AppError('invalid_input', `anchor: cannot read ${file}`);
  }
  return parseAnchor(text, file);
}
