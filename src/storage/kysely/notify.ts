/** Notifications: webhook endpoints, deliveries, the dispatcher's cursor, job leases (notify-ports.ts). */
import type { Kysely, Selectable } from 'kysely';
import type { DatabaseKind } from '../connect.js';
import type {
  DeliveryChannel,
  DeliveryRepository,
  DeliveryRow,
  DeliveryStatus,
  JobRepository,
  NotifyCursorRepository,
  WebhookRepository,
} from '../notify-ports.js';
import type { Database, NotificationDeliveryTable } from '../schema.js';
import { lockName } from './locks.js';

const changed = (result: { numUpdatedRows?: bigint; numInsertedOrUpdatedRows?: bigint } | undefined) =>
  Number(result?.numUpdatedRows ?? result?.numInsertedOrUpdatedRows ?? 0) > 0;

export function createWebhookRepository(db: Kysely<Database>, kind: DatabaseKind): WebhookRepository {
  const toRow = (r: Selectable<Database['webhook_endpoints']>) => ({
    id: r.id,
    workspaceId: r.workspace_id,
    url: r.url,
    secretSealed: r.secret_sealed,
    createdAt: r.created_at,
    createdBy: r.created_by,
  });
  return {
    lock: (workspaceId) => lockName(db, kind, `webhooks:${workspaceId}`),
    async insert(row) {
      await db
        .insertInto('webhook_endpoints')
        .values({
          id: row.id,
          workspace_id: row.workspaceId,
          url: row.url,
          secret_sealed: row.secretSealed,
          created_at: row.createdAt,
          created_by: row.createdBy,
        })
        .execute();
    },
    async list(workspaceId) {
      const rows = await db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('id')
        .execute();
      return rows.map(toRow);
    },
    async find(workspaceId, id) {
      const row = await db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toRow(row);
    },
    async remove(workspaceId, id) {
      const result = await db
        .deleteFrom('webhook_endpoints')
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

const toDelivery = (r: Selectable<NotificationDeliveryTable>): DeliveryRow => ({
  id: r.id,
  workspaceId: r.workspace_id,
  channel: r.channel as DeliveryChannel,
  target: r.target,
  notice: r.notice,
  kind: r.kind,
  payload: r.payload,
  status: r.status as DeliveryStatus,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
});

export function createDeliveryRepository(db: Kysely<Database>): DeliveryRepository {
  return {
    async insertIfNew(row) {
      const result = await db
        .insertInto('notification_deliveries')
        .values({
          id: row.id,
          workspace_id: row.workspaceId,
          channel: row.channel,
          target: row.target,
          notice: row.notice,
          kind: row.kind,
          payload: row.payload,
          status: row.status,
          attempts: row.attempts,
          next_attempt_at: row.nextAttemptAt,
          last_error: row.lastError,
          created_at: row.createdAt,
          delivered_at: row.deliveredAt,
        })
        .onConflict((oc) => oc.columns(['channel', 'target', 'notice']).doNothing())
        .executeTakeFirst();
      return changed(result);
    },
    async due(now, limit) {
      const rows = await db
        .selectFrom('notification_deliveries')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toDelivery);
    },
    async claim(id, now, until) {
      const result = await db
        .updateTable('notification_deliveries')
        .set({ next_attempt_at: until })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .executeTakeFirst();
      return changed(result);
    },
    async settle(id, outcome) {
      await db
        .updateTable('notification_deliveries')
        .set({
          status: outcome.status,
          attempts: outcome.attempts,
          next_attempt_at: outcome.nextAttemptAt,
          last_error: outcome.lastError,
          delivered_at: outcome.deliveredAt,
        })
        .where('id', '=', id)
        .execute();
    },
    async list(workspaceId, query) {
      let q = db.selectFrom('notification_deliveries').selectAll().where('workspace_id', '=', workspaceId);
      if (query.before !== undefined) q = q.where('id', '<', query.before);
      return (await q.orderBy('id', 'desc').limit(query.limit).execute()).map(toDelivery);
    },
    async find(workspaceId, id) {
      const row = await db
        .selectFrom('notification_deliveries')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toDelivery(row);
    },
  };
}

export function createNotifyCursorRepository(db: Kysely<Database>): NotifyCursorRepository {
  return {
    async get(chain) {
      const row = await db
        .selectFrom('notify_cursor')
        .select('seq')
        .where('chain', '=', chain)
        .executeTakeFirst();
      return row && Number(row.seq);
    },
    async advance(chain, from, to) {
      if (from === undefined) {
        const result = await db
          .insertInto('notify_cursor')
          .values({ chain, seq: to })
          .onConflict((oc) => oc.column('chain').doNothing())
          .executeTakeFirst();
        return changed(result);
      }
      const result = await db
        .updateTable('notify_cursor')
        .set({ seq: to })
        .where('chain', '=', chain)
        .where('seq', '=', from)
        .executeTakeFirst();
      return changed(result);
    },
  };
}

export function createJobRepository(db: Kysely<Database>): JobRepository {
  return {
    async ensure(name, nextRunAt) {
      await db
        .insertInto('scheduled_jobs')
        .values({ name, next_run_at: nextRunAt, lease_owner: null, lease_until: null, last_run_at: null })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
    },
    async acquire(name, owner, now, until) {
      // SECURITY of the schedule: one conditional UPDATE, so of several instances racing for
      // a due job exactly one sees its row change (PostgreSQL re-checks the WHERE after the
      // winner commits; SQLite runs writers one at a time).
      const result = await db
        .updateTable('scheduled_jobs')
        .set({ lease_owner: owner, lease_until: until })
        .where('name', '=', name)
        .where('next_run_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .executeTakeFirst();
      return changed(result);
    },
    async finish(name, owner, run) {
      await db
        .updateTable('scheduled_jobs')
        .set({ lease_owner: null, lease_until: null, last_run_at: run.at, next_run_at: run.nextRunAt })
        .where('name', '=', name)
        .where('lease_owner', '=', owner)
        .execute();
    },
    async list() {
      const rows = await db.selectFrom('scheduled_jobs').selectAll().orderBy('name').execute();
      return rows.map((r) => ({
        name: r.name,
        nextRunAt: r.next_run_at,
        leaseOwner: r.lease_owner,
        leaseUntil: r.lease_until,
        lastRunAt: r.last_run_at,
      }));
    },
  };
}
