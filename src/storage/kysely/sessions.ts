/**
 * Web sign-in storage: sessions, password hashes, failed attempts and login links. Session
 * and link ids are SHA-256 digests of the secrets the browser holds, never the secrets.
 */
import type { Kysely, Selectable } from 'kysely';
import type { LoginLink, MemberSession } from '../../model/index.js';
import type { Database, LoginLinkTable, MemberPasswordColumns, MemberSessionTable } from '../schema.js';
import type { SessionRepository, SignInRepository } from '../session-ports.js';
import { OWNER_COLUMNS, toMember, toOwner } from './rows.js';

const toSession = (row: Selectable<MemberSessionTable>): MemberSession => ({
  id: row.id,
  memberId: row.member_id,
  workspaceId: row.workspace_id,
  csrfToken: row.csrf_token,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
  expiresAt: row.expires_at,
  ip: row.ip,
  userAgent: row.user_agent,
  revokedAt: row.revoked_at,
});

const toLoginLink = (row: Selectable<LoginLinkTable>): LoginLink => ({
  hash: row.hash,
  workspaceId: row.workspace_id,
  memberId: row.member_id,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  usedAt: row.used_at,
});

export function createSessionRepository(db: Kysely<Database>): SessionRepository {
  return {
    async insert(s) {
      await db
        .insertInto('member_sessions')
        .values({
          id: s.id,
          member_id: s.memberId,
          workspace_id: s.workspaceId,
          csrf_token: s.csrfToken,
          created_at: s.createdAt,
          last_seen_at: s.lastSeenAt,
          expires_at: s.expiresAt,
          ip: s.ip,
          user_agent: s.userAgent,
          revoked_at: s.revokedAt,
        })
        .execute();
    },
    async findOwnedById(id) {
      const row = await db
        .selectFrom('member_sessions as s')
        .innerJoin('workspaces as w', 'w.id', 's.workspace_id')
        .innerJoin('members as m', (join) =>
          join.onRef('m.id', '=', 's.member_id').onRef('m.workspace_id', '=', 's.workspace_id'),
        )
        .where('m.removed_at', 'is', null)
        .selectAll('s')
        .select(OWNER_COLUMNS)
        .where('s.id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        session: toSession(row),
        ...toOwner(row),
      };
    },
    async touch(id, lastSeenAt) {
      await db
        .updateTable('member_sessions')
        .set({ last_seen_at: lastSeenAt })
        .where('id', '=', id)
        .execute();
    },
    async revoke(id, at) {
      const result = await db
        .updateTable('member_sessions')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async revokeAllForMember(workspaceId, memberId, at) {
      const result = await db
        .updateTable('member_sessions')
        .set({ revoked_at: at })
        .where('workspace_id', '=', workspaceId)
        .where('member_id', '=', memberId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async deleteEndedBefore(before) {
      const result = await db
        .deleteFrom('member_sessions')
        .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export function createSignInRepository(db: Kysely<Database>): SignInRepository {
  // SECURITY: the password hash is visible only here, not through MemberTable.
  const withPassword = db.withTables<{ members: MemberPasswordColumns }>();
  return {
    async findCredentials(workspaceId, email) {
      const row = await withPassword
        .selectFrom('members')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('email', '=', email)
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      return row && { member: toMember(row), passwordHash: row.password_hash };
    },
    async setPasswordHash(workspaceId, memberId, hash) {
      await withPassword
        .updateTable('members')
        .set({ password_hash: hash })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', memberId)
        .execute();
    },
    async membersWithPassword(workspaceId) {
      const rows = await withPassword
        .selectFrom('members')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('password_hash', 'is not', null)
        .orderBy('id')
        .execute();
      return rows.map((row) => row.id);
    },
    async recordFailure(f) {
      await db
        .insertInto('sign_in_failures')
        .values({ id: f.id, kind: f.kind, subject: f.subject, at: f.at })
        .execute();
    },
    async countFailures(kind, subject, since) {
      const row = await db
        .selectFrom('sign_in_failures')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('kind', '=', kind)
        .where('subject', '=', subject)
        .where('at', '>=', since)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async clearFailures(kind, subject) {
      await db
        .deleteFrom('sign_in_failures')
        .where('kind', '=', kind)
        .where('subject', '=', subject)
        .execute();
    },
    async deleteFailuresBefore(before) {
      const result = await db.deleteFrom('sign_in_failures').where('at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async insertLoginLink(link) {
      await db
        .insertInto('login_links')
        .values({
          hash: link.hash,
          workspace_id: link.workspaceId,
          member_id: link.memberId,
          created_at: link.createdAt,
          expires_at: link.expiresAt,
          used_at: link.usedAt,
        })
        .execute();
    },
    async consumeLoginLink(hash, at) {
      // The conditional UPDATE is the single-use guarantee: only one caller can flip used_at.
      const result = await db
        .updateTable('login_links')
        .set({ used_at: at })
        .where('hash', '=', hash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', at)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return undefined;
      const row = await db.selectFrom('login_links').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row && toLoginLink(row);
    },
  };
}
