/** Anomaly detection: key baselines, alerts and suspensions (see anomaly-ports.ts). */
import { type Kysely, type Selectable, sql } from 'kysely';
import type {
  AlertRecord,
  AlertRepository,
  AlertSeverity,
  BaselineSwap,
  KeyBaselineRepository,
  KeyBaselineRow,
  KeySuspensionRepository,
} from '../anomaly-ports.js';
import type { DatabaseKind } from '../connect.js';
import type { AlertTable, Database } from '../schema.js';
import type { KeyBaselineTable } from '../schema-monitoring.js';

const toBaseline = (row: Selectable<KeyBaselineTable>): KeyBaselineRow => ({
  workspaceId: row.workspace_id,
  credentialId: row.credential_id,
  state: row.state,
  lastSeenAt: row.last_seen_at,
});

/** What a new key's baseline holds until the group that created it writes it: the defaults. */
const EMPTY_STATE = '{}';

export function createKeyBaselineRepository(db: Kysely<Database>, kind: DatabaseKind): KeyBaselineRepository {
  const settingsOf = (workspaceIds: readonly string[], section: string) =>
    db
      .selectFrom('monitoring_settings')
      .select(['workspace_id', 'value'])
      .where('workspace_id', 'in', workspaceIds)
      .where('section', '=', section);

  /**
   * PostgreSQL: the baselines locked (FOR UPDATE, in credential order) and the settings in one
   * round trip. A row lock serialises exactly as the advisory lock did, and a waiter reads the
   * row as the holder committed it (READ COMMITTED re-reads a row it waited for).
   */
  async function lockedRead(ids: readonly string[], workspaceIds: readonly string[], section: string) {
    type Row = { credential_id: string | null; workspace_id: string; value: string; last_seen_at: string };
    const { rows } = await sql<Row>`
      with locked as (
        select * from "key_baselines" where credential_id in (${sql.join(ids)})
        order by credential_id for update
      )
      select credential_id, workspace_id, state as value, last_seen_at from locked
      union all
      select null, workspace_id, value, null from "monitoring_settings"
      where workspace_id in (${sql.join(workspaceIds)}) and section = ${section}`.execute(db);
    const baselines = new Map<string, KeyBaselineRow>();
    const settings = new Map<string, string>();
    for (const row of rows) {
      if (row.credential_id === null) settings.set(row.workspace_id, row.value);
      else
        baselines.set(row.credential_id, {
          workspaceId: row.workspace_id,
          credentialId: row.credential_id,
          state: row.value,
          lastSeenAt: row.last_seen_at,
        });
    }
    return { baselines, settings };
  }

  /**
   * The compare-and-set: `update … from` the rows as one JSON parameter (one prepared text for
   * any group). READ COMMITTED re-checks a row's `where` on the version its lock holder
   * committed, so a swap that waited sees that write and misses.
   */
  async function swap(rows: readonly BaselineSwap[], section: string): Promise<ReadonlySet<string>> {
    if (rows.length === 0) return new Set();
    const given = rows.map((r) => ({
      credential_id: r.credentialId,
      workspace_id: r.workspaceId,
      state: r.state,
      last_seen_at: r.lastSeenAt,
      previous: r.previous,
      settings: r.settings,
    }));
    const { rows: written } = await sql<{ credential_id: string }>`
      with v as (
        select * from json_to_recordset(${JSON.stringify(given)}::json) as v(credential_id text,
          workspace_id text, state text, last_seen_at text, previous text, settings text)
      )
      update "key_baselines" as kb set state = v.state, last_seen_at = v.last_seen_at
      from v
      where kb.credential_id = v.credential_id and kb.workspace_id = v.workspace_id
        and kb.state = v.previous
        and (select s.value from "monitoring_settings" s
             where s.workspace_id = v.workspace_id and s.section = ${section}) is not distinct from v.settings
      returning kb.credential_id`.execute(db);
    return new Set(written.map((r) => r.credential_id));
  }

  return {
    ...(kind === 'postgres' && { swap }),
    async claim(owners, section, at) {
      const sorted = [...owners].sort((a, b) => (a.credentialId < b.credentialId ? -1 : 1));
      const ids = sorted.map((o) => o.credentialId);
      const workspaceIds = [...new Set(sorted.map((o) => o.workspaceId))];
      if (kind !== 'postgres') {
        // SQLite: the transaction began IMMEDIATE, so it already holds the one write lock.
        const rows = await db
          .selectFrom('key_baselines')
          .selectAll()
          .where('credential_id', 'in', ids)
          .execute();
        const settings = await settingsOf(workspaceIds, section).execute();
        return {
          baselines: new Map(rows.map((r) => [r.credential_id, toBaseline(r)])),
          settings: new Map(settings.map((r) => [r.workspace_id, r.value])),
        };
      }
      const first = await lockedRead(ids, workspaceIds, section);
      const missing = sorted.filter((o) => !first.baselines.has(o.credentialId));
      if (missing.length === 0) return first;
      // A key's first group: a row to lock (a concurrent first group waits on its insert).
      await db
        .insertInto('key_baselines')
        .values(
          missing.map((o) => ({
            workspace_id: o.workspaceId,
            credential_id: o.credentialId,
            state: EMPTY_STATE,
            last_seen_at: at,
          })),
        )
        .onConflict((oc) => oc.column('credential_id').doNothing())
        .execute();
      return lockedRead(ids, workspaceIds, section);
    },
    async find(credentialId) {
      const row = await db
        .selectFrom('key_baselines')
        .selectAll()
        .where('credential_id', '=', credentialId)
        .executeTakeFirst();
      return row && toBaseline(row);
    },
    async upsert(rows) {
      if (rows.length === 0) return;
      await db
        .insertInto('key_baselines')
        .values(
          rows.map((r) => ({
            workspace_id: r.workspaceId,
            credential_id: r.credentialId,
            state: r.state,
            last_seen_at: r.lastSeenAt,
          })),
        )
        .onConflict((oc) =>
          oc.column('credential_id').doUpdateSet((eb) => ({
            state: eb.ref('excluded.state'),
            last_seen_at: eb.ref('excluded.last_seen_at'),
          })),
        )
        .execute();
    },
  };
}

const toAlert = (row: Selectable<AlertTable>): AlertRecord => ({
  id: row.id,
  workspaceId: row.workspace_id,
  rule: row.rule,
  credentialId: row.credential_id,
  severity: row.severity as AlertSeverity,
  summary: row.summary,
  evidence: JSON.parse(row.evidence) as string[],
  action: row.action,
  createdAt: row.created_at,
  acknowledgedAt: row.acknowledged_at,
  acknowledgedBy: row.acknowledged_by,
  resolvedAt: row.resolved_at,
  resolvedBy: row.resolved_by,
});

export function createAlertRepository(db: Kysely<Database>): AlertRepository {
  const of = (workspaceId: string) => db.selectFrom('alerts').where('workspace_id', '=', workspaceId);
  return {
    async insert(a) {
      await db
        .insertInto('alerts')
        .values({
          id: a.id,
          workspace_id: a.workspaceId,
          rule: a.rule,
          credential_id: a.credentialId,
          severity: a.severity,
          summary: a.summary,
          evidence: JSON.stringify(a.evidence),
          action: a.action,
          created_at: a.createdAt,
          acknowledged_at: a.acknowledgedAt,
          acknowledged_by: a.acknowledgedBy,
          resolved_at: a.resolvedAt,
          resolved_by: a.resolvedBy,
        })
        .execute();
    },
    async find(workspaceId, id) {
      const row = await of(workspaceId).selectAll().where('id', '=', id).executeTakeFirst();
      return row && toAlert(row);
    },
    async list(workspaceId, filter = {}) {
      let query = of(workspaceId).selectAll();
      if (filter.open === true) query = query.where('resolved_at', 'is', null);
      if (filter.open === false) query = query.where('resolved_at', 'is not', null);
      if (filter.credentialId) query = query.where('credential_id', '=', filter.credentialId);
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(filter.limit ?? 100)
        .execute();
      return rows.map(toAlert);
    },
    async countOpen(workspaceId) {
      const row = await of(workspaceId)
        .where('resolved_at', 'is', null)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async acknowledge(workspaceId, id, at, by) {
      const result = await db
        .updateTable('alerts')
        .set({ acknowledged_at: at, acknowledged_by: by })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('acknowledged_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async resolve(workspaceId, id, at, by) {
      const result = await db
        .updateTable('alerts')
        .set({ resolved_at: at, resolved_by: by })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('resolved_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export function createKeySuspensionRepository(db: Kysely<Database>): KeySuspensionRepository {
  return {
    async suspend(workspaceId, id, s) {
      const result = await db
        .updateTable('api_keys')
        .set({ suspended_at: s.at, suspended_mode: s.mode, suspended_reason: s.reason, suspended_by: s.by })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .where('suspended_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async lift(workspaceId, id) {
      const result = await db
        .updateTable('api_keys')
        .set({ suspended_at: null, suspended_mode: null, suspended_reason: null, suspended_by: null })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('suspended_at', 'is not', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
