/**
 * Signed checkpoints and the public keys that verify them. Checkpoints are only inserted;
 * keys are recorded once, the first time they sign here. Nothing private is stored.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import { chainOf, GLOBAL_CHAIN } from '../../chain/index.js';
import type { AuditRepository } from '../audit-ports.js';
import type { AuditCheckpointTable, Database } from '../schema.js';

type CheckpointMethods = Pick<
  AuditRepository,
  'insertCheckpoint' | 'checkpoints' | 'lastCheckpoint' | 'signingKeys' | 'addSigningKey' | 'eventTimes'
>;

const toCheckpoint = (r: Selectable<AuditCheckpointTable>) => ({
  chain: r.chain,
  seq: r.seq,
  hash: r.hash,
  at: r.at,
  keyId: r.key_id,
  signature: r.signature,
  prevCheckpointHash: r.prev_checkpoint_hash,
});

/** Seqs asked for at once: well under every driver's limit on bound parameters. */
const SEQS_PER_QUERY = 500;

export function createCheckpointMethods(db: Kysely<Database>): CheckpointMethods {
  return {
    async insertCheckpoint(cp) {
      await db
        .insertInto('audit_checkpoints')
        .values({
          chain: cp.chain,
          seq: cp.seq,
          hash: cp.hash,
          at: cp.at,
          key_id: cp.keyId,
          signature: cp.signature,
          prev_checkpoint_hash: cp.prevCheckpointHash,
        })
        .execute();
    },
    async checkpoints(chain) {
      let q = db.selectFrom('audit_checkpoints').selectAll();
      if (chain !== undefined) q = q.where('chain', '=', chain);
      return (await q.orderBy('chain').orderBy('seq').execute()).map(toCheckpoint);
    },
    async lastCheckpoint(chain) {
      const row = await db
        .selectFrom('audit_checkpoints')
        .selectAll()
        .where('chain', '=', chain)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && toCheckpoint(row);
    },
    async signingKeys() {
      const rows = await db.selectFrom('signing_keys').selectAll().orderBy('first_used_at').execute();
      return rows.map((r) => ({ keyId: r.key_id, publicKey: r.public_key, firstUsedAt: r.first_used_at }));
    },
    async addSigningKey(key) {
      await db
        .insertInto('signing_keys')
        .values({ key_id: key.keyId, public_key: key.publicKey, first_used_at: key.firstUsedAt })
        .onConflict((oc) => oc.column('key_id').doNothing())
        .execute();
    },
    async eventTimes(chain, seqs) {
      const times = new Map<number, string>();
      for (let i = 0; i < seqs.length; i += SEQS_PER_QUERY) {
        // The key of `audit_events_chain_seq_uq`, as `chainRows` walks it.
        let q = db
          .selectFrom('audit_events')
          .select(['seq', 'occurred_at'])
          .where(sql<string>`coalesce(workspace_id, ${sql.lit(GLOBAL_CHAIN)})`, '=', chain);
        q =
          chain === chainOf(null) ? q.where('workspace_id', 'is', null) : q.where('workspace_id', '=', chain);
        const rows = await q.where('seq', 'in', seqs.slice(i, i + SEQS_PER_QUERY)).execute();
        for (const row of rows) times.set(row.seq, row.occurred_at);
      }
      return times;
    },
  };
}
