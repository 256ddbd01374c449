/**
 * The audit hash chain: a gapless sequence, the previous hash and the hash on every event,
 * the head of each chain, and signed checkpoints. Events written before this migration
 * are chained here, in the order of their ids.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { type ChainedRow, chainOf, chainRow, GENESIS_HASH, type UnchainedRow } from '../../chain/index.js';
import type { Database } from '../schema.js';

export const auditChain: Migration = {
  async up(db: Kysely<unknown>) {
    for (const [column, type] of [
      ['seq', 'integer'],
      ['prev_hash', 'text'],
      ['hash', 'text'],
    ] as const) {
      await db.schema.alterTable('audit_events').addColumn(column, type).execute();
    }
    await db.schema
      .createTable('audit_heads')
      .addColumn('chain', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('audit_checkpoints')
      .addColumn('chain', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('audit_checkpoints_pk', ['chain', 'seq'])
      .execute();

    const typed = db as unknown as Kysely<Database>;
    const heads = new Map<string, { seq: number; hash: string }>();
    const rows = await typed.selectFrom('audit_events').selectAll().orderBy('id').execute();
    for (const row of rows) {
      const chain = chainOf(row.workspace_id);
      const { seq: _s, prev_hash: _p, hash: _h, ...rest } = row as ChainedRow;
      const chained = chainRow(rest as UnchainedRow, heads.get(chain) ?? { seq: 0, hash: GENESIS_HASH });
      heads.set(chain, { seq: chained.seq, hash: chained.hash });
      await typed
        .updateTable('audit_events')
        .set({ seq: chained.seq, prev_hash: chained.prev_hash, hash: chained.hash })
        .where('id', '=', row.id)
        .execute();
    }
    for (const [chain, head] of heads)
      await typed
        .insertInto('audit_heads')
        .values({ chain, ...head })
        .execute();
    await db.schema
      .createIndex('audit_events_chain_seq_uq')
      .on('audit_events')
      .unique()
      .expression(sql`coalesce(workspace_id, '*'), seq`)
      .execute();
  },
};
