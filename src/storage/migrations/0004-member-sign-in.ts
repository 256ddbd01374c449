/**
 * Member sign-in for the web pages: a password hash on members, server-side sessions (only
 * the SHA-256 of each session token is stored), the failed attempts that drive throttling,
 * and one-time login links (stored as SHA-256 too).
 */
import type { Kysely, Migration } from 'kysely';

export const memberSignIn: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('members').addColumn('password_hash', 'text').execute();

    await db.schema
      .createTable('member_sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema
      .createIndex('member_sessions_member_idx')
      .on('member_sessions')
      .columns(['workspace_id', 'member_id'])
      .execute();

    await db.schema
      .createTable('sign_in_failures')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('sign_in_failures_subject_idx')
      .on('sign_in_failures')
      .columns(['kind', 'subject', 'at'])
      .execute();

    await db.schema
      .createTable('login_links')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .execute();
  },
};
