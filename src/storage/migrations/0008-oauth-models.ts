/**
 * The authorization server's state (issue 6): every object oidc-provider persists — clients,
 * grants, codes, tokens, sessions, interactions — as one JSON payload per (model, id), with
 * the few fields it is looked up by pulled out into columns; and the log of dynamic client
 * registrations behind their per-address rate limit. Shared by every instance.
 */
import type { Kysely, Migration } from 'kysely';

export const oauthModels: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('oauth_models')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('grant_id', 'text')
      .addColumn('user_code', 'text')
      .addColumn('uid', 'text')
      .addColumn('expires_at', 'text')
      .addColumn('consumed_at', 'text')
      .addPrimaryKeyConstraint('oauth_models_pk', ['model', 'id'])
      .execute();
    // revokeByGrantId: every code and token of a grant, whatever its model.
    await db.schema.createIndex('oauth_models_grant_idx').on('oauth_models').column('grant_id').execute();
    await db.schema
      .createIndex('oauth_models_uid_idx')
      .on('oauth_models')
      .columns(['model', 'uid'])
      .execute();
    await db.schema
      .createIndex('oauth_models_user_code_idx')
      .on('oauth_models')
      .columns(['model', 'user_code'])
      .execute();
    await db.schema.createIndex('oauth_models_expires_idx').on('oauth_models').column('expires_at').execute();

    await db.schema
      .createTable('oauth_registrations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('ip', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('oauth_registrations_ip_at_idx')
      .on('oauth_registrations')
      .columns(['ip', 'at'])
      .execute();
  },
};
