/** Projects, their members and their task-number counter. */
import type { Kysely } from 'kysely';
import type { ProjectRepository } from '../ports.js';
import type { Database } from '../schema.js';
import { toProject } from './rows.js';

export function createProjectRepository(db: Kysely<Database>): ProjectRepository {
  return {
    async insert(p) {
      await db
        .insertInto('projects')
        .values({
          id: p.id,
          workspace_id: p.workspaceId,
          key: p.key,
          name: p.name,
          description: p.description,
          archived: p.archived ? 1 : 0,
          created_at: p.createdAt,
          updated_at: p.updatedAt,
        })
        .execute();
    },
    async findById(workspaceId, id) {
      const row = await db
        .selectFrom('projects')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toProject(row);
    },
    async findByKey(workspaceId, key) {
      const row = await db
        .selectFrom('projects')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('key', '=', key)
        .executeTakeFirst();
      return row && toProject(row);
    },
    async list(workspaceId, { includeArchived, memberId }) {
      let query = db.selectFrom('projects').selectAll().where('workspace_id', '=', workspaceId);
      if (!includeArchived) query = query.where('archived', '=', 0);
      if (memberId !== undefined) {
        query = query.where(
          'id',
          'in',
          db.selectFrom('project_members').select('project_id').where('member_id', '=', memberId),
        );
      }
      return (await query.orderBy('key').execute()).map(toProject);
    },
    async update(workspaceId, id, patch) {
      await db
        .updateTable('projects')
        .set({
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.description !== undefined && { description: patch.description }),
          ...(patch.archived !== undefined && { archived: patch.archived ? 1 : 0 }),
          updated_at: patch.updatedAt,
        })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .execute();
    },
    async addMember(projectId, memberId) {
      await db
        .insertInto('project_members')
        .values({ project_id: projectId, member_id: memberId })
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
    async isMember(projectId, memberId) {
      const row = await db
        .selectFrom('project_members')
        .select('member_id')
        .where('project_id', '=', projectId)
        .where('member_id', '=', memberId)
        .executeTakeFirst();
      return row !== undefined;
    },
    async listMemberIds(projectId) {
      const rows = await db
        .selectFrom('project_members')
        .select('member_id')
        .where('project_id', '=', projectId)
        .orderBy('member_id')
        .execute();
      return rows.map((r) => r.member_id);
    },
  };
}
