import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.{ts,tsx}'],
    exclude: ['test/fixtures/**', 'node_modules/**', 'dist/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // CI lists every test, so its log shows each suite running on SQLite and on PostgreSQL.
    reporters: [process.env.CI ? 'verbose' : 'default', './test/support/summary-reporter.ts'],
    pool: 'forks',
    // vitest's default, one worker per CPU less one, runs the files one at a time on the 2-CPU
    // CI machine, where most of a file's time is spent waiting on chromium, sockets, spawned
    // binaries and PostgreSQL: two files at once overlap those waits.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
