/**
 * Tampering with the audit log, through a second database connection as an attacker with
 * write access to the tables would: each kind of damage is found, at the right sequence
 * number, on SQLite and on PostgreSQL.
 */
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/index.js';
import { AUDIT_COLUMNS, eventHash } from '../../src/chain/index.js';
import { canonicalJson } from '../../src/core/index.js';
import { type DatabaseHandle, openDatabase } from '../../src/storage/index.js';
import { tamperEvent } from '../support/audit-tamper.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { storeKinds } from '../support/stores.js';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`audit tamper evidence [${kind}]`, () => {
    let server: TestServer;
    let attacker: DatabaseHandle;
    let chain: string;

    beforeEach(async () => {
      server = await startTestServer({ kind });
      chain = (await server.app.store.workspaces.findBySlug('demo'))!.id;
      for (let i = 0; i < 20; i++) {
        await server.app.audit.append({
          action: 'test.event',
          outcome: 'ok',
          workspaceId: chain,
          detail: { i },
        });
      }
      await server.app.checkpointer.checkpointAll();
      for (let i = 20; i < 30; i++) {
        await server.app.audit.append({
          action: 'test.event',
          outcome: 'ok',
          workspaceId: chain,
          detail: { i },
        });
      }
      attacker = await openDatabase(server.app.config.databaseUrl);
    });
    afterEach(async () => {
      await attacker.close();
      await server.close();
    });

    const verify = () => verifyAudit(server.app.store, server.app.auditSigner, { chain });
    const head = async () => (await server.app.store.audit.heads(chain))[0]!;
    /** The seq of the i-th test event (the seeded demo wrote events of its own first). */
    const seqOf = async (i: number) =>
      (
        await attacker.db
          .selectFrom('audit_events')
          .select('seq')
          .where('workspace_id', '=', chain)
          .where('detail', '=', JSON.stringify({ i }))
          .executeTakeFirstOrThrow()
      ).seq;
    const checkpointSeq = async () => (await server.app.store.audit.checkpoints(chain)).at(-1)!.seq;

    it('verifies an untouched log', async () => {
      const report = await verify();
      expect(report).toMatchObject({ ok: true, problems: [] });
      expect(report.events).toBe((await head()).seq);
      expect(report.checkpoints).toBeGreaterThanOrEqual(1);
    });

    it('publishes the checkpoint key, and a checkpoint verifies with it offline', async () => {
      const { keys } = (await (await fetch(`${server.url}/.well-known/taskgate-audit-keys`)).json()) as {
        keys: { kid: string; x: string }[];
      };
      expect(keys).toEqual([server.app.auditSigner.publicKey]);
      const [cp] = await server.app.store.audit.checkpoints(chain);
      const publicKey = createPublicKey({
        key: { kty: 'OKP', crv: 'Ed25519', x: keys[0]!.x },
        format: 'jwk',
      });
      const payload = Buffer.from(
        canonicalJson({
          chain: cp!.chain,
          seq: cp!.seq,
          hash: cp!.hash,
          at: cp!.at,
          keyId: keys[0]!.kid,
          prev: cp!.prevCheckpointHash,
        }),
      );
      expect(verifySignature(null, payload, publicKey, Buffer.from(cp!.signature, 'base64url'))).toBe(true);
    });

    it('finds one changed byte in one row: modified, at that row', async () => {
      const seq = await seqOf(7);
      await tamperEvent(attacker, chain, seq, { detail: JSON.stringify({ i: 8 }) });
      expect((await verify()).problems).toEqual([expect.objectContaining({ seq, kind: 'modified' })]);
    });

    it('finds a deleted row: missing, at its sequence number', async () => {
      const seq = await seqOf(12);
      await attacker.db
        .deleteFrom('audit_events')
        .where('workspace_id', '=', chain)
        .where('seq', '=', seq)
        .execute();
      expect((await verify()).problems).toEqual([expect.objectContaining({ seq, kind: 'missing' })]);
    });

    it('finds two swapped rows: reordered, at the first of them', async () => {
      const seq = await seqOf(22);
      const swap = (from: number, to: number) => tamperEvent(attacker, chain, from, { seq: to });
      await swap(seq, -1);
      await swap(seq + 1, seq);
      await swap(-1, seq + 1);
      expect((await verify()).problems).toEqual([expect.objectContaining({ seq, kind: 'reordered' })]);
    });

    it('finds a tail cut off after a checkpoint, even with the head moved back to match', async () => {
      const pinned = await checkpointSeq();
      const cut = pinned - 3;
      await attacker.db
        .deleteFrom('audit_events')
        .where('workspace_id', '=', chain)
        .where('seq', '>', cut)
        .execute();
      const last = await attacker.db
        .selectFrom('audit_events')
        .select(['seq', 'hash'])
        .where('workspace_id', '=', chain)
        .where('seq', '=', cut)
        .executeTakeFirstOrThrow();
      await attacker.db.updateTable('audit_heads').set(last).where('chain', '=', chain).execute();
      expect((await verify()).problems).toEqual([
        expect.objectContaining({ seq: cut + 1, kind: 'truncated' }),
      ]);
    });

    it('finds a forged checkpoint: bad signature', async () => {
      const pinned = await checkpointSeq();
      await attacker.db
        .updateTable('audit_checkpoints')
        .set({ hash: '0'.repeat(64) })
        .where('chain', '=', chain)
        .where('seq', '=', pinned)
        .execute();
      expect((await verify()).problems).toEqual([
        expect.objectContaining({ seq: pinned, kind: 'bad_signature' }),
      ]);
    });

    it('catches a rewrite that recomputes every later hash: the checkpoint no longer matches', async () => {
      const from = await seqOf(3);
      const rows = await attacker.db
        .selectFrom('audit_events')
        .select(AUDIT_COLUMNS)
        .where('workspace_id', '=', chain)
        .where('seq', '>=', from)
        .orderBy('seq')
        .execute();
      let prev = rows[0]!.prev_hash;
      for (const row of rows) {
        const { hash: _old, ...content } = row;
        const forged = {
          ...content,
          prev_hash: prev,
          ...(row.seq === from && { detail: JSON.stringify({ i: 99 }) }),
        };
        const hash = eventHash(forged);
        await tamperEvent(attacker, chain, row.seq, { detail: forged.detail, prev_hash: prev, hash });
        prev = hash;
      }
      await attacker.db.updateTable('audit_heads').set({ hash: prev }).where('chain', '=', chain).execute();
      const [problem] = (await verify()).problems;
      expect(problem).toMatchObject({ seq: await checkpointSeq(), kind: 'modified' });
      expect(problem!.detail).toMatch(/not the event its checkpoint signed/);
    });

    it('keeps verifying after old events are pruned up to a checkpoint', async () => {
      const pinned = await checkpointSeq();
      await server.app.store.transaction((repos) => repos.audit.prune(chain, pinned));
      const report = await verify();
      expect(report.ok).toBe(true);
      expect(report.events).toBe((await head()).seq - pinned);
    });
  });
}
