/**
 * Runs once before the suites: builds dist/ (the CLI tests run the real binary) and says
 * loudly whether the PostgreSQL half of the storage suites will run.
 */
import { execFileSync } from 'node:child_process';
import { POSTGRES_SKIP_MESSAGE, postgresUrl } from './postgres.js';

export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  if (!postgresUrl()) process.stderr.write(`\n${POSTGRES_SKIP_MESSAGE}\n\n`);
}
