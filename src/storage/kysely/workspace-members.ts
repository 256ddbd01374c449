/** Workspaces and their members. */
import type { Kysely } from 'kysely';
import type { DatabaseKind } from '../connect.js';
import type { MemberRepository, WorkspaceRepository } from '../ports.js';
import type { Database } from '../schema.js';
import { lockName } from './locks.js';
import { toMember, toWorkspace } from './rows.js';

export function createWorkspaceRepository(db: Kysely<Database>): WorkspaceRepository {
  return {
    async insert(w) {
      await db
        .insertInto('workspaces')
        .values({
          id: w.id,
          slug: w.slug,
          name: w.name,
          environment: w.environment,
          key_rotation_days: w.keyRotationDays,
          created_at: w.createdAt,
        })
        .execute();
    },
    async findById(id) {
      const row = await db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toWorkspace(row);
    },
    async findBySlug(slug) {
      const row = await db.selectFrom('workspaces').selectAll().where('slug', '=', slug).executeTakeFirst();
      return row && toWorkspace(row);
    },
    async list() {
      return (await db.selectFrom('workspaces').selectAll().orderBy('slug').execute()).map(toWorkspace);
    },
    async setKeyRotationDays(id, days) {
      await db.updateTable('workspaces').set({ key_rotation_days: days }).where('id', '=', id).execute();
    },
  };
}

export function createMemberRepository(db: Kysely<Database>, kind: DatabaseKind): MemberRepository {
  const current = (workspaceId: string, includeRemoved = false) => {
    const query = db.selectFrom('members').selectAll().where('workspace_id', '=', workspaceId);
    return includeRemoved ? query : query.where('removed_at', 'is', null);
  };
  return {
    async insert(m) {
      await db
        .insertInto('members')
        .values({
          id: m.id,
          workspace_id: m.workspaceId,
          email: m.email,
          name: m.name,
          role: m.role,
          created_at: m.createdAt,
        })
        .execute();
    },
    async findById(workspaceId, id) {
      const row = await db
        .selectFrom('members')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toMember(row);
    },
    async findByEmail(workspaceId, email, options) {
      const row = await current(workspaceId, options?.includeRemoved)
        .where('email', '=', email)
        .executeTakeFirst();
      return row && toMember(row);
    },
    async list(workspaceId, options) {
      const rows = await current(workspaceId, options?.includeRemoved).orderBy('id').execute();
      return rows.map(toMember);
    },
    async updateRole(workspaceId, id, role) {
      await db
        .updateTable('members')
        .set({ role })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .execute();
    },
    async setRemoved(workspaceId, id, at) {
      const result = await db
        .updateTable('members')
        .set({ removed_at: at })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('removed_at', at === null ? 'is not' : 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    lock: (workspaceId) => lockName(db, kind, `members:${workspaceId}`),
  };
}
