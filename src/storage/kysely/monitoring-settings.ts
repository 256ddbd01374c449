/** Monitoring settings: one row per workspace and section (see monitoring-ports.ts). */
import type { Kysely } from 'kysely';
import type { DatabaseKind } from '../connect.js';
import type { MonitoringSettingsRepository } from '../monitoring-ports.js';
import type { Database } from '../schema.js';
import { lockName } from './locks.js';

export function createMonitoringSettingsRepository(
  db: Kysely<Database>,
  kind: DatabaseKind,
): MonitoringSettingsRepository {
  return {
    lock: (workspaceId, section) => lockName(db, kind, `monitoring:${workspaceId}:${section}`),
    async find(workspaceId, section) {
      const row = await db
        .selectFrom('monitoring_settings')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('section', '=', section)
        .executeTakeFirst();
      return (
        row && {
          section: row.section,
          value: row.value,
          updatedAt: row.updated_at,
          updatedBy: row.updated_by,
        }
      );
    },
    async upsert(workspaceId, row) {
      const changed = { value: row.value, updated_at: row.updatedAt, updated_by: row.updatedBy };
      await db
        .insertInto('monitoring_settings')
        .values({ workspace_id: workspaceId, section: row.section, ...changed })
        .onConflict((oc) => oc.columns(['workspace_id', 'section']).doUpdateSet(changed))
        .execute();
    },
  };
}
