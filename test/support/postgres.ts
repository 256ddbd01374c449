/**
 * Where the PostgreSQL half of the suites connects. In CI the URL must be set (.ci/run
 * exports it): a Postgres suite that silently skips there is a failure, so we throw.
 */
export const POSTGRES_SKIP_MESSAGE =
  'PostgreSQL suites SKIPPED: set TASKGATE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test to run them.';

export function postgresUrl(): string | undefined {
  const url = process.env.TASKGATE_TEST_POSTGRES_URL;
  if (!url && process.env.CI) {
    throw new Error('CI is set but TASKGATE_TEST_POSTGRES_URL is not: the PostgreSQL suites must run in CI.');
  }
  return url || undefined;
}
