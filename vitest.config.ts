import { defineConfig } from 'vitest/config';

/**
 * Suites that spawn processes or drive a browser run after the rest, two files at a time, with
 * the shared suites' patience: a second worker slows each down but they wait on children and
 * sockets more than on a CPU. The few that time a fault or a crash (or run a whole cluster)
 * run last, one at a time: on a 2-CPU machine a loaded neighbour made them miss their marks.
 */
const PAIRED = ['test/**/*.browser.test.ts', 'test/cli/**/*.test.ts'];
export const ALONE = [
  'test/cluster/**/*.test.ts',
  // npm pack may rebuild dist/, which the other spawned suites run.
  'test/cli/packed-install.test.ts',
  'test/cli/graceful-shutdown.test.ts',
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
          exclude: [...EXCLUDE, ...PAIRED, ...ALONE],
          maxWorkers: 2,
          // The files a worker runs share one module graph: importing the whole app again for
          // each file took 361 s of a 1,373 s CI test run. It holds because no file here leaves
          // process state behind (module mocks, stubbed globals or environment, fake timers,
          // spies left in place: test/house/test-isolation.test.ts); one that must, runs ALONE,
          // in a fresh graph.
          isolate: false,
          // A second worker slows each test down: the limits leave room for it.
          testTimeout: 60_000,
          hookTimeout: 90_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'paired',
          include: PAIRED,
          exclude: [...EXCLUDE, ...ALONE],
          maxWorkers: 2,
          isolate: false, // as in shared
          testTimeout: 60_000,
          hookTimeout: 90_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ALONE,
          exclude: EXCLUDE,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
