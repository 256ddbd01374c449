/**
 * OAuth connections live beside API keys, in `api_keys`: a connection is a credential bound
 * to one member, environment, scope set and project list exactly like a key, so revocation,
 * budgets, flags, incident commands and the audit trail treat both alike. `kind` tells them
 * apart; a connection has no key (its `hash` is the digest of random bytes nobody holds) and
 * carries its OAuth client and the grant whose tokens it accepts. A workspace policy may
 * refuse API keys altogether (`require_oauth`).
 */
import type { Kysely, Migration } from 'kysely';

export const oauthConnections: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('api_keys')
      .addColumn('kind', 'text', (c) => c.notNull().defaultTo('api_key'))
      .execute();
    await db.schema.alterTable('api_keys').addColumn('oauth_client_id', 'text').execute();
    await db.schema.alterTable('api_keys').addColumn('oauth_client_name', 'text').execute();
    await db.schema.alterTable('api_keys').addColumn('oauth_grant_id', 'text').execute();
    await db.schema
      .createIndex('api_keys_oauth_client_idx')
      .on('api_keys')
      .columns(['workspace_id', 'member_id', 'oauth_client_id'])
      .execute();
    await db.schema.createIndex('api_keys_oauth_grant_idx').on('api_keys').column('oauth_grant_id').execute();
    await db.schema
      .alterTable('workspace_policies')
      .addColumn('require_oauth', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};
