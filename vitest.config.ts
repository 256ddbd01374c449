import { defineConfig } from 'vitest/config';

/**
 * Suites that time spawned processes or a browser: they run alone, after the rest, so their
 * waits never compete with a second worker (on a 2-CPU machine a loaded neighbour made them
 * miss their timeouts). Everything else runs two files at a time: most of a test's time is
 * spent waiting on a disk sync, PostgreSQL or a socket, not on a CPU.
 */
const ALONE = [
  'test/**/*.browser.test.ts',
  'test/cluster/**/*.test.ts',
  'test/cli/**/*.test.ts',
  'test/audit/crash.test.ts',
  'test/mcp/connect-bridge.test.ts',
  'test/monitoring/doctor-notify.test.ts',
  'test/storage/postgres-faults.test.ts',
  'test/storage/sqlite.test.ts',
  'test/storage/sqlite-faults.test.ts',
  'src/storage/sqlite-chain-check.test.ts',
];
const EXCLUDE = ['test/fixtures/**', 'node_modules/**', 'dist/**'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    // CI lists every test, so its log shows each suite running on SQLite and on PostgreSQL.
    reporters: [process.env.CI ? 'verbose' : 'default', './test/support/summary-reporter.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.{ts,tsx}'],
          exclude: [...EXCLUDE, ...ALONE],
          maxWorkers: 2,
          // A second worker slows each test down: the limits leave room for it.
          testTimeout: 60_000,
          hookTimeout: 90_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ALONE,
          exclude: EXCLUDE,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
