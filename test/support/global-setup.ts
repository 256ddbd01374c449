/**
 * Runs once before the suites: builds dist/ as users get it, bundle included (the CLI tests run
 * the real binary), says loudly whether the PostgreSQL half of the storage suites will run, and
 * migrates the templates the suites' databases are copied from (store-templates.ts).
 */
import { execFileSync } from 'node:child_process';
import { POSTGRES_SKIP_MESSAGE, postgresUrl } from './postgres.js';
import { prepareStoreTemplates } from './store-templates.js';

export default function setup(): Promise<() => void> {
  // Each vitest project runs its global setup, in this one process: build once.
  if (!process.env.TASKGATE_TEST_DIST_BUILT) {
    process.env.TASKGATE_TEST_DIST_BUILT = '1';
    execFileSync(process.execPath, ['scripts/build.mjs', '--force'], { stdio: 'inherit' });
    if (!postgresUrl()) process.stderr.write(`\n${POSTGRES_SKIP_MESSAGE}\n\n`);
  }
  return prepareStoreTemplates();
}
