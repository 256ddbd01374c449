/**
 * `taskgate backup <file> [--force]`: a consistent copy of the SQLite database, also while a
 * server is serving and writing it (SQLite's online backup API). A copy of the database is a
 * copy of every workspace's data, so taking one is recorded: `database.backed_up`, in the
 * workspace-less chain, after the copy (the copy does not hold its own event). PostgreSQL is
 * refused with a pointer to pg_dump (docs/deployment.md "Backups and restore").
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { backupDatabase } from '../../app.js';
import { configFor, withApp } from '../context.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

export const DATABASE_BACKED_UP = 'database.backed_up';

interface BackupOptions extends CommonOptions {
  readonly force?: boolean;
}

export function registerBackup(program: Command, io: CliIo): void {
  program
    .command('backup')
    .description('copy the SQLite database to <file>, consistent while a server runs (PostgreSQL: pg_dump)')
    .argument('<file>', 'where to write the copy')
    .option('--force', 'replace <file> if it exists')
    .action(async (file: string, options: BackupOptions) => {
      const config = configFor(io, options);
      const destination = resolve(io.cwd ?? process.cwd(), file);
      const outcome = await backupDatabase(config.databaseUrl, destination, {
        force: options.force === true,
      });
      await withApp(io, config, (app) =>
        app.audit.append({
          action: DATABASE_BACKED_UP,
          outcome: 'ok',
          workspaceId: null,
          reason: 'taskgate backup',
          detail: { file: outcome.file, bytes: outcome.bytes },
        }),
      );
      printResult(
        io,
        options,
        outcome,
        [
          `Backed up ${outcome.source} to ${outcome.file} (${outcome.bytes} bytes).`,
          'Keep the instance secret (TASKGATE_SECRET_KEY or <data dir>/secret.key) apart from it:',
          'a restore needs both (docs/deployment.md "Backups and restore").',
        ].join('\n'),
      );
    });
}
