/** Anomaly detection: key baselines, alerts and suspensions (see anomaly-ports.ts). */
import type { Kysely, Selectable } from 'kysely';
import type {
  AlertRecord,
  AlertRepository,
  AlertSeverity,
  KeyBaselineRepository,
  KeySuspensionRepository,
} from '../anomaly-ports.js';
import type { DatabaseKind } from '../connect.js';
import type { AlertTable, Database } from '../schema.js';
import { lockName } from './locks.js';

export function createKeyBaselineRepository(db: Kysely<Database>, kind: DatabaseKind): KeyBaselineRepository {
  return {
    lock: (credentialId) => lockName(db, kind, `baseline:${credentialId}`),
    async find(credentialId) {
      const row = await db
        .selectFrom('key_baselines')
        .selectAll()
        .where('credential_id', '=', credentialId)
        .executeTakeFirst();
      return (
        row && {
          workspaceId: row.workspace_id,
          credentialId: row.credential_id,
          state: row.state,
          lastSeenAt: row.last_seen_at,
        }
      );
    },
    async upsert(row) {
      const changed = { state: row.state, last_seen_at: row.lastSeenAt };
      await db
        .insertInto('key_baselines')
        .values({ workspace_id: row.workspaceId, credential_id: row.credentialId, ...changed })
        .onConflict((oc) => oc.column('credential_id').doUpdateSet(changed))
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
