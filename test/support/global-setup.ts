/**
 * Runs once before the suites: builds dist/ as users get it, bundle included (the CLI tests run
 * the real binary), and says loudly whether the PostgreSQL half of the storage suites will run.
 */
import { execFileSync } from 'node:child_process';
import { POSTGRES_SKIP_MESSAGE, postgresUrl } from './postgres.js';

export default function setup(): void {
  // Each vitest project runs its global setup, in this one process: build once.
  if (process.env.TASKGATE_TEST_DIST_BUILT) return;
  process.env.TASKGATE_TEST_DIST_BUILT = '1';
  execFileSync(process.execPath, ['scripts/build.mjs', '--force'], { stdio: 'inherit' });
  if (!postgresUrl()) process.stderr.write(`\n${POSTGRES_SKIP_MESSAGE}\n\n`);
}
