/**
 * `taskgate audit anchor [--workspace <slug>] [--out FILE]`: signs the current heads, then
 * writes the newest signed checkpoint of each chain as an anchor (docs/audit-format.md) for
 * keeping outside the database. `audit verify --anchor FILE` later proves the log still
 * holds and extends it — which nobody who can only write the database can fake.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type AuditCheckpoint, toAnchor } from '../../audit/index.js';
import { chainOf } from '../../chain/index.js';
import { AppError } from '../../core/index.js';
import { resolveWorkspace } from '../../domain/index.js';
import { configFor, withApp } from '../context.js';
import type { CliIo, CommonOptions } from '../io.js';

interface AnchorOptions extends CommonOptions {
  readonly workspace?: string;
  readonly out?: string;
}

export function registerAuditAnchor(program: Command, io: CliIo): void {
  const audit =
    program.commands.find((command) => command.name() === 'audit') ??
    program.command('audit').description('the audit log: verify, query, export');
  audit
    .command('anchor')
    .description('write the newest signed checkpoint of each chain, to keep outside the database')
    .option('--workspace <slug>', 'only this workspace')
    .option('--out <file>', 'write to this file (default: standard output)')
    .action((options: AnchorOptions) =>
      withApp(io, configFor(io, options), async (app) => {
        let chain: string | undefined;
        if (options.workspace) {
          chain = chainOf((await resolveWorkspace(app.store, options.workspace)).id);
        }
        // The freshest anchor pins the most: sign what is not signed yet first.
        await app.checkpointer.checkpointAll();
        const latest = new Map<string, AuditCheckpoint>();
        for (const cp of await app.store.audit.checkpoints(chain)) latest.set(cp.chain, cp);
        if (latest.size === 0)
          throw new AppError('conflict', 'anchor: the audit log has no signed checkpoint yet');
        const publicKeys = new Map((await app.store.audit.signingKeys()).map((k) => [k.keyId, k.publicKey]));
        publicKeys.set(app.auditSigner.keyId, app.auditSigner.publicKey.x);
        const anchor = toAnchor(
          [...latest.values()],
          (keyId) => publicKeys.get(keyId),
          app.clock.now().toISOString(),
        );
        const text = `${JSON.stringify(anchor, null, 2)}\n`;
        if (!options.out) {
          io.stdout.write(text);
          return;
        }
        writeFileSync(options.out, text);
        const summary = { file: options.out, chains: anchor.checkpoints.length };
        io.stdout.write(
          options.json
            ? `${JSON.stringify(summary)}\n`
            : `Wrote an anchor for ${summary.chains} chain(s) to ${options.out}: keep it outside the database.\n`,
        );
      }),
    );
}
