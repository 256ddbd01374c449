/**
 * Usage counts: one `group by` over the audit events of a window, the same SQL on SQLite and
 * PostgreSQL. `occurred_at` is ISO-8601 text in UTC on both, so its first ten characters are
 * the UTC day and the window is a range on the `(workspace_id, occurred_at)` index.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.js';
import type { UsageCount, UsageRepository } from '../usage-ports.js';

export function createUsageRepository(db: Kysely<Database>): UsageRepository {
  return {
    async dailyCounts(workspaceId, query) {
      if (query.credentialIds?.length === 0 || query.actions.length === 0) return [];
      const day = sql<string>`substr(occurred_at, 1, 10)`;
      const wrote = sql<number>`case when changes is null then 0 else 1 end`;
      let q = db
        .selectFrom('audit_events')
        .select([
          day.as('day'),
          'credential_id',
          'tool',
          'outcome',
          wrote.as('wrote'),
          (eb) => eb.fn.countAll<number | string>().as('n'),
        ])
        .where('workspace_id', '=', workspaceId)
        .where('occurred_at', '>=', query.since)
        .where('occurred_at', '<', query.until)
        .where('action', 'in', query.actions)
        .where('credential_id', 'is not', null);
      if (query.credentialIds !== undefined) q = q.where('credential_id', 'in', query.credentialIds);
      const rows = await q.groupBy([day, 'credential_id', 'tool', 'outcome', wrote]).execute();
      return rows.map(
        (row): UsageCount => ({
          day: row.day,
          credentialId: row.credential_id as string,
          tool: row.tool,
          outcome: row.outcome,
          wrote: Number(row.wrote) === 1,
          // PostgreSQL's count is a bigint, which the driver hands back as text.
          count: Number(row.n),
        }),
      );
    },
  };
}
