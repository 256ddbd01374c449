/**
 * Checkpoints form a chain of their own and name the key that may verify them: each new
 * checkpoint stores the hash of the one before it (`prev_checkpoint_hash`), so one deleted
 * from the middle breaks a link; `signing_keys` keeps the public half of every key that
 * signed a checkpoint here (never a private key), so checkpoints signed before a lost
 * secret was replaced still verify. `audit_heads.linked_from` is where each chain stood when
 * this ran: the cadence checks of `audit verify` start there, not in older history, which
 * was written by versions that did not sign from the command line.
 */
import { type Kysely, type Migration, sql } from 'kysely';

export const checkpointChain: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('audit_checkpoints').addColumn('prev_checkpoint_hash', 'text').execute();
    await db.schema
      .alterTable('audit_heads')
      .addColumn('linked_from', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await sql`update audit_heads set linked_from = seq`.execute(db);
    await db.schema
      .createTable('signing_keys')
      .addColumn('key_id', 'text', (c) => c.primaryKey())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('first_used_at', 'text', (c) => c.notNull())
      .execute();
  },
};
