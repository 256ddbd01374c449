/**
 * Deleting checkpoints: an attacker who can write the database rewrites events a checkpoint
 * pinned, recomputes every later hash and the head, and deletes that checkpoint and every
 * later one. Checkpoints form a chain and keep a cadence, so what is left is reported as
 * missing_checkpoint — and an anchor kept outside the database names the checkpoint it lost.
 * On SQLite and PostgreSQL, through a second connection, as such an attacker would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointHash, verifyAudit } from '../../src/audit/index.js';
import { type DatabaseHandle, openDatabase } from '../../src/storage/index.js';
import { rewriteFrom } from '../support/audit-tamper.js';
import { createServerCli } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/mcp-server.js';
import { storeKinds } from '../support/stores.js';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`deleted checkpoints [${kind}]`, () => {
    let server: TestServer;
    let attacker: DatabaseHandle;
    let chain: string;
    let cli: ReturnType<typeof createServerCli>;
    let dir: string;

    beforeEach(async () => {
      server = await startTestServer({ kind });
      chain = (await server.app.store.workspaces.findBySlug('demo'))!.id;
      await server.app.checkpointer.checkpointAll();
      attacker = await openDatabase(server.app.config.databaseUrl);
      cli = createServerCli(server);
      dir = mkdtempSync(join(tmpdir(), 'taskgate-anchor-'));
    });
    afterEach(async () => {
      await attacker.close();
      await server.close();
      cli.remove();
      rmSync(dir, { recursive: true, force: true });
    });

    const verify = () => verifyAudit(server.app.store, server.app.auditSigner, { chain });
    /** `count` events, `perCheckpoint` at a time, each batch signed as a serving process signs it. */
    async function writeSigned(count: number, perCheckpoint: number, msBetween = 0) {
      for (let i = 0; i < count; i += perCheckpoint) {
        const batch = Array.from({ length: Math.min(perCheckpoint, count - i) }, (_, j) => {
          server.clock.advance(msBetween);
          return server.app.audit.append({
            action: 'test.event',
            outcome: 'ok',
            workspaceId: chain,
            detail: { i: i + j },
          });
        });
        await Promise.all(batch);
        await server.app.checkpointer.checkpointAll();
      }
    }
    const checkpointSeqs = async () => (await server.app.store.audit.checkpoints(chain)).map((c) => c.seq);
    /** The attack: rewrite from `fromSeq`, delete the first checkpoint that pinned it and every later one. */
    async function rewriteAndDeleteCheckpoints(fromSeq: number) {
      await rewriteFrom(attacker, chain, fromSeq, { reason: 'nothing to see here' });
      const deleted = await attacker.db
        .deleteFrom('audit_checkpoints')
        .where('chain', '=', chain)
        .where('seq', '>=', fromSeq)
        .executeTakeFirst();
      expect(Number(deleted.numDeletedRows)).toBeGreaterThan(1);
    }

    it('refuses to call a log intact after events are rewritten and the checkpoints from there on deleted', async () => {
      await writeSigned(6000, 1000);
      expect(await verify()).toMatchObject({ ok: true, problems: [] });
      const seqs = await checkpointSeqs();
      // Checkpoints at 1000, 2000, …, 6000: keep the first, rewrite from 1500 and delete the rest.
      const kept = seqs[0]!;
      await rewriteAndDeleteCheckpoints(kept + 500);
      const report = await verify();
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual([
        expect.objectContaining({ chain, seq: kept + 1, kind: 'missing_checkpoint' }),
      ]);
      expect(report.problems[0]!.detail).toMatch(
        /have no checkpoint before the head; the cadence leaves at most 4000/,
      );
    }, 180_000);

    it('refuses a rewritten quiet log whose events span longer than the cadence without a checkpoint', async () => {
      // Three events a minute, signed every minute, as a quiet serving process signs them.
      await writeSigned(30, 3, 20_000);
      expect(await verify()).toMatchObject({ ok: true });
      const seqs = await checkpointSeqs();
      const kept = seqs.at(-6)!;
      await rewriteAndDeleteCheckpoints(kept + 1);
      const [problem] = (await verify()).problems;
      expect(problem).toMatchObject({ seq: kept + 1, kind: 'missing_checkpoint' });
      expect(problem!.detail).toMatch(/span \d+ s with no checkpoint/);
    });

    it('verifies checkpoints from before the link, the first linked one signing the last of them', async () => {
      const { store, auditSigner: signer } = server.app;
      // Checkpoints as versions before migration 0011 wrote them: signed without a link.
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 5; i++)
          await server.app.audit.append({ action: 'test.event', outcome: 'ok', workspaceId: chain });
        const [head] = await store.audit.heads(chain);
        const claim = { chain, seq: head!.seq, hash: head!.hash, at: server.clock.now().toISOString() };
        await store.audit.insertCheckpoint({
          ...claim,
          keyId: signer.keyId,
          signature: signer.sign(claim),
          prevCheckpointHash: null,
        });
      }
      await writeSigned(10, 5);
      const checkpoints = await store.audit.checkpoints(chain);
      expect(checkpoints.map((c) => c.prevCheckpointHash === null)).toEqual([true, true, true, false, false]);
      expect(checkpoints[3]!.prevCheckpointHash).toBe(checkpointHash(checkpoints[2]!));
      expect(await verify()).toMatchObject({ ok: true, problems: [] });
    });

    // Instances share a database on PostgreSQL; two SQLite apps in one thread would wait on each other.
    it.skipIf(kind === 'sqlite')(
      'keeps one unforked checkpoint chain when two instances sign the same chain at once, ten times over',
      async () => {
        const second = await startTestServer({ database: server.database });
        try {
          const apps = [server.app, second.app];
          // Ten rounds: both instances write, then both sign at once — 50 calls in all.
          for (let round = 0; round < 10; round++) {
            await Promise.all(
              Array.from({ length: 3 }, (_, i) =>
                apps[i % 2]!.audit.append({
                  action: 'test.event',
                  outcome: 'ok',
                  workspaceId: chain,
                  detail: { round, i },
                }),
              ),
            );
            await Promise.all(apps.map((app) => app.checkpointer.checkpointAll()));
          }
          const checkpoints = await server.app.store.audit.checkpoints(chain);
          expect(checkpoints.length).toBeGreaterThanOrEqual(10);
          expect(new Set(checkpoints.map((c) => c.prevCheckpointHash)).size).toBe(checkpoints.length);
          expect(await verify()).toMatchObject({ ok: true, problems: [] });
        } finally {
          await second.close();
        }
      },
    );

    it('finds a checkpoint deleted from the middle: the next one no longer links to its predecessor', async () => {
      await writeSigned(40, 10);
      const seqs = await checkpointSeqs();
      await attacker.db
        .deleteFrom('audit_checkpoints')
        .where('chain', '=', chain)
        .where('seq', '=', seqs[2]!)
        .execute();
      expect((await verify()).problems).toEqual([
        expect.objectContaining({ seq: seqs[3], kind: 'missing_checkpoint' }),
      ]);
    });

    it('refuses the deleted checkpoint an anchor kept outside the database pins, naming the anchor', async () => {
      await writeSigned(40, 10);
      const anchorFile = join(dir, 'anchor.json');
      expect((await cli.run('audit', 'anchor', '--out', anchorFile)).code).toBe(0);
      const intact = await cli.run('audit', 'verify', '--anchor', anchorFile);
      expect(intact.stdout).toMatch(/chain intact/);
      expect(intact.code).toBe(0);
      const seqs = await checkpointSeqs();
      await rewriteAndDeleteCheckpoints(seqs.at(-2)! - 3);
      const result = await cli.run('audit', 'verify', '--anchor', anchorFile, '--workspace', 'demo');
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        new RegExp(
          `anchor_mismatch \\(the anchor ${anchorFile.replace(/[.\\/]/g, '\\$&')} pins checkpoint \\d+ .*which the log no longer holds`,
        ),
      );
    });

    it('refuses an anchored checkpoint the log holds with another hash', async () => {
      await writeSigned(20, 10);
      const anchorFile = join(dir, 'anchor.json');
      expect((await cli.run('audit', 'anchor', '--out', anchorFile, '--workspace', 'demo')).code).toBe(0);
      const last = (await checkpointSeqs()).at(-1)!;
      await attacker.db
        .updateTable('audit_checkpoints')
        .set({ at: '2020-01-01T00:00:00.000Z' })
        .where('chain', '=', chain)
        .where('seq', '=', last)
        .execute();
      const report = JSON.parse((await cli.run('audit', 'verify', '--anchor', anchorFile, '--json')).stdout);
      expect(report.problems).toEqual([
        expect.objectContaining({ workspace: 'demo', seq: last, kind: 'anchor_mismatch' }),
      ]);
    });
  });
}
