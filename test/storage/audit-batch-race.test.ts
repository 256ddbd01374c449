/**
 * The PostgreSQL group commit across instances: two stores (two pools, as two Taskgate
 * instances) append concurrently to the same chains, each batch locking its chains' heads
 * once. Every append must land, and every chain must stay gapless and verify.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLog, createAuditSigner, verifyAudit } from '../../src/audit/index.js';
import { createIdGenerator, createManualClock, cryptoRandom, deriveKey } from '../../src/core/index.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { postgresUrl } from '../support/postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

const clock = createManualClock(new Date('2026-12-06T10:00:00.000Z'));
const ids = createIdGenerator(clock, cryptoRandom);
const WORKSPACES = ['wsp_race_a', 'wsp_race_b'] as const;

describe.skipIf(!postgresUrl())('audit group commit across two instances [postgres]', () => {
  let database: TestDatabase | undefined;
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await database?.drop();
  });

  it('lands every append of two instances racing on two workspaces with gapless chains', async () => {
    database = await createTestDatabase('postgres');
    stores.push(await openStore(database.url), await openStore(database.url));
    const logs = stores.map((store) => createAuditLog({ store, clock, ids }));
    // 50 appends per workspace per instance, interleaved: instance i % 2, workspace (i >> 1) % 2.
    const total = 200;
    const workspaceOf = (i: number) => WORKSPACES[(i >> 1) % 2]!;
    const written = await Promise.all(
      Array.from({ length: total }, (_, i) =>
        logs[i % 2]!.append({
          workspaceId: workspaceOf(i),
          action: 'mcp.request',
          outcome: 'ok',
          detail: { i },
        }),
      ),
    );
    expect(written).toHaveLength(total);

    const store = stores[0]!;
    for (const workspace of WORKSPACES) {
      const events = await store.audit.chainRows(workspace, 0, 1000);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
      expect(events).toHaveLength(total / 2);
      const [head] = await store.audit.heads(workspace);
      expect(head?.seq).toBe(events.length);
    }
    const signer = createAuditSigner(deriveKey(randomBytes(32).toString('hex'), 'audit-signing'));
    const report = await verifyAudit(store, signer);
    expect(report.problems).toEqual([]);
    expect(report.events).toBe(total);
  });

  it('chains a batch that mixes workspaces and workspace-less events in arrival order', async () => {
    database = await createTestDatabase('postgres');
    const store = await openStore(database.url);
    stores.push(store);
    const log = createAuditLog({ store, clock, ids });
    const workspaceIds = [null, 'wsp_race_b', 'wsp_race_a', null, 'wsp_race_a', 'wsp_race_b'];
    await Promise.all(
      workspaceIds.map((workspaceId, i) =>
        log.append({ workspaceId, action: 'mcp.request', outcome: 'ok', detail: { i } }),
      ),
    );
    const order = async (chain: string) =>
      (await store.audit.chainRows(chain, 0, 100)).map((row) => JSON.parse(row.detail ?? '{}').i);
    expect(await order('*')).toEqual([0, 3]);
    expect(await order('wsp_race_a')).toEqual([2, 4]);
    expect(await order('wsp_race_b')).toEqual([1, 5]);
    const signer = createAuditSigner(deriveKey(randomBytes(32).toString('hex'), 'audit-signing'));
    expect((await verifyAudit(store, signer)).ok).toBe(true);
  });
});
