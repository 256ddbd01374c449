/** `taskgate migrate`: applies pending database migrations and says which. */

import type { Command } from 'commander';
import { migrateDatabase } from '../../app.js';
import { announceCreated, configFor } from '../context.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

export function registerMigrate(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async (options: CommonOptions) => {
      const config = configFor(io, options);
      const report = await migrateDatabase(config.databaseUrl, {
        connectMs: config.databaseConnectTimeoutMs,
        onCreated: (file) => announceCreated(io, file),
      });
      const human = report.applied.length
        ? `Applied ${report.applied.length} migration(s): ${report.applied.join(', ')}.`
        : 'Database is up to date.';
      printResult(io, options, { database: report.database, applied: report.applied }, human);
    });
}
