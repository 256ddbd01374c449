/** `taskgate migrate`: applies pending database migrations and says which. */

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { migrateToLatest, openDatabase } from '../../storage/index.js';
import { announceCreated, configFor } from '../context.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

export function registerMigrate(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async (options: CommonOptions) => {
      const config = configFor(io, options);
      // Migrations may rewrite large tables: no statement timeout (the connect timeout holds).
      const handle = await openDatabase(config.databaseUrl, {
        timeouts: { connectMs: config.databaseConnectTimeoutMs, statementMs: 0, idleInTransactionMs: 0 },
      });
      if (handle.created && handle.sqliteFile) announceCreated(io, resolve(handle.sqliteFile));
      try {
        const report = await migrateToLatest(handle.db);
        const human = report.applied.length
          ? `Applied ${report.applied.length} migration(s): ${report.applied.join(', ')}.`
          : 'Database is up to date.';
        printResult(io, options, { database: handle.kind, applied: report.applied }, human);
      } finally {
        await handle.close();
      }
    });
}
