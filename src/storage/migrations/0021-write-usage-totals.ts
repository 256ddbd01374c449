/**
 * The write budget's ledger keeps running totals (issue 17): each row carries the
 * credential's objects written and deleted up to and including it, so the usage in a window
 * is the latest total minus the total at the window's start — two index seeks instead of a
 * sum over every row in the window (which grew with the budget: ~1 ms for 3,000 rows, paid by
 * every write). Rows are appended under the credential's lock with `at` never earlier than
 * the credential's latest row (src/storage/kysely/write-usage.ts), so totals rise with `at`.
 * Existing rows get their totals in (`at`, `id`) order. The index on the four columns
 * answers both seeks from the index alone, and serves what the old (credential, at) one did.
 */
import { type Kysely, type Migration, sql } from 'kysely';

export const writeUsageTotals: Migration = {
  async up(db: Kysely<unknown>) {
    for (const column of ['writes_total', 'deletes_total'])
      await db.schema
        .alterTable('write_usage')
        .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    await sql`update write_usage set
      writes_total = (select sum(p.writes) from write_usage p where p.credential_id = write_usage.credential_id
        and (p.at < write_usage.at or (p.at = write_usage.at and p.id <= write_usage.id))),
      deletes_total = (select sum(p.deletes) from write_usage p where p.credential_id = write_usage.credential_id
        and (p.at < write_usage.at or (p.at = write_usage.at and p.id <= write_usage.id)))`.execute(db);
    await db.schema
      .createIndex('write_usage_credential_totals_idx')
      .on('write_usage')
      .columns(['credential_id', 'at', 'writes_total', 'deletes_total'])
      .execute();
    await db.schema.dropIndex('write_usage_credential_at_idx').execute();
  },
};
