/**
 * The rate limiter's counters when several instances share one PostgreSQL (issue 16): one
 * row per limit and subject, in the layout rate-limiter-flexible's RateLimiterPostgres reads
 * (`key`, `points`, `expire` in epoch ms). Created here rather than by the library, so the
 * runtime role needs no CREATE right. Unused on SQLite (one instance counts in memory).
 */
import type { Kysely, Migration } from 'kysely';

export const rateLimits: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('rate_limits')
      .addColumn('key', 'varchar(255)', (c) => c.primaryKey())
      .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('expire', 'bigint')
      .execute();
  },
};
