/**
 * The PostgreSQL group commit's one-statement path (src/storage/kysely/audit-known-head.ts):
 * a batch of one chain whose head this process committed goes in by a compare-and-set on the
 * head. Whatever moved the head meanwhile — another instance, the CLI, a write's transaction —
 * the batch must neither fork the chain nor be lost, and a rolled-back event must not count.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditSigner, verifyAudit } from '../../src/audit/index.js';
import { deriveKey } from '../../src/core/index.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { auditEvent } from '../support/audit-events.js';
import { postgresUrl } from '../support/postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

const WORKSPACE = 'wsp_known_head';
let counter = 0;
const event = (detail: Record<string, unknown> = {}, workspaceId: string | null = WORKSPACE) =>
  auditEvent({
    id: `aud_${String(++counter).padStart(26, '0')}`,
    workspaceId,
    detail: { n: counter, ...detail },
  });
const batch = (n: number) => Array.from({ length: n }, () => event());
const SINCE = '2000-01-01T00:00:00.000Z';
const usageRow = () => ({
  id: `wus_${String(++counter).padStart(26, '0')}`,
  workspaceId: WORKSPACE,
  credentialId: 'key_known_head',
  writes: 1,
  deletes: 0,
  at: new Date().toISOString(),
});

describe.skipIf(!postgresUrl())('audit batches after a known head [postgres]', () => {
  let database: TestDatabase | undefined;
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await database?.drop();
  });

  /** A store (an instance) whose statements are counted into `statements.n`. */
  async function instance() {
    database ??= await createTestDatabase('postgres');
    const statements = { n: 0 };
    const store = await openStore(database.url, {
      onQuery: () => {
        statements.n += 1;
      },
    });
    stores.push(store);
    const append = async (events: ReturnType<typeof event>[]) => {
      statements.n = 0;
      const results = await store.appendAudit(events);
      return { results, statements: statements.n };
    };
    /** A write's transaction recording `n` events; the statements it sent, BEGIN and COMMIT included. */
    const write = async (n: number) => {
      statements.n = 0;
      await store.transaction(async (repos) => {
        for (let i = 0; i < n; i++) await repos.audit.insert(event({ via: 'write' }));
      });
      return statements.n;
    };
    /**
     * A write's ledger row offered its audit event, as the guard does (under the credential's
     * lock); then `then` (a refusal throws) and the event recorded the usual way if the store did
     * not place it. Returns where the store placed it and the statements sent.
     */
    const ledger = async (e: ReturnType<typeof event>, then?: () => void) => {
      statements.n = 0;
      const placed = await store.transaction(async (repos) => {
        await repos.writeUsage.lockForWrite(WORKSPACE, 'key_known_head');
        const total = await repos.writeUsage.insert(usageRow(), SINCE, [], e);
        then?.();
        if (!total.placed) await repos.audit.insert(e);
        return total.placed;
      });
      return { placed, statements: statements.n };
    };
    return { store, append, write, ledger };
  }

  async function expectIntactChain(store: Store, events: number) {
    const rows = await store.audit.chainRows(WORKSPACE, 0, 10_000);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: events }, (_, i) => i + 1));
    const [head] = await store.audit.heads(WORKSPACE);
    expect(head?.seq).toBe(events);
    const signer = createAuditSigner(deriveKey(randomBytes(32).toString('hex'), 'audit-signing'));
    expect((await verifyAudit(store, signer)).problems).toEqual([]);
  }

  it('sends one statement for a batch of a chain whose head it committed, the locked path otherwise', async () => {
    const a = await instance();
    const first = await a.append(batch(3));
    expect(first.results).toEqual([null, null, null]);
    expect(first.statements).toBeGreaterThanOrEqual(4);
    const second = await a.append(batch(5));
    expect(second).toEqual({ results: [null, null, null, null, null], statements: 1 });
    // Nothing to write sends nothing, and spoils nothing it knows.
    expect(await a.append([])).toEqual({ results: [], statements: 0 });
    expect((await a.append(batch(1))).statements).toBe(1);
    // A batch of two chains takes the locked path.
    const mixed = await a.append([event(), event({}, null)]);
    expect(mixed.statements).toBeGreaterThanOrEqual(4);
    await expectIntactChain(a.store, 10);
  });

  it('forks nothing when another instance moved the head: the batch lands after its rows', async () => {
    const a = await instance();
    const b = await instance();
    await a.append(batch(2));
    await b.append(batch(3));
    // a still believes the head is at 2: its compare-and-set misses, then it locks and reads.
    const missed = await a.append(batch(2));
    expect(missed.results).toEqual([null, null]);
    expect(missed.statements).toBeGreaterThanOrEqual(5);
    // Just moved by another writer: for a second the next batch goes the locked way at once.
    expect((await a.append(batch(1))).statements).toBeGreaterThanOrEqual(4);
    await expectIntactChain(a.store, 8);
  });

  it('learns the head a committed transaction moved, and not the one a rolled-back transaction moved', async () => {
    const a = await instance();
    await a.append(batch(1));
    await a.store.transaction((repos) => repos.audit.insert(event({ via: 'write' })));
    expect((await a.append(batch(1))).statements).toBe(1);
    await expect(
      a.store.transaction(async (repos) => {
        await repos.audit.insert(event({ via: 'rolled back' }));
        throw new Error('the write was refused');
      }),
    ).rejects.toThrow('the write was refused');
    const after = await a.append(batch(2));
    expect(after).toEqual({ results: [null, null], statements: 1 });
    await expectIntactChain(a.store, 5);
    const rows = await a.store.audit.chainRows(WORKSPACE, 0, 100);
    expect(rows.some((r) => r.detail?.includes('rolled back'))).toBe(false);
  });

  it('records a write’s events after a known head in one statement each, the second after the first', async () => {
    const a = await instance();
    // Nothing known yet: the chain's first event creates its head, locks and reads it and goes in
    // (4); the second goes after the first by one statement; BEGIN and COMMIT.
    expect(await a.write(2)).toBe(7);
    expect(await a.write(2)).toBe(4);
    await a.append(batch(1));
    expect(await a.write(1)).toBe(3);
    await expectIntactChain(a.store, 6);
  });

  it('locks and reads in the same transaction when another instance moved the head of a write', async () => {
    const a = await instance();
    const b = await instance();
    await a.write(1);
    await b.append(batch(2));
    // The compare-and-set misses (1), then the head is locked and read (1) and the row goes in (1).
    expect(await a.write(1)).toBe(5);
    await expectIntactChain(a.store, 4);
  });

  it('places a write’s event with its ledger row in one statement after a head it committed', async () => {
    const a = await instance();
    // Nothing known: the ledger row goes alone and the event the locked way (BEGIN, the locks,
    // the key and policy read under them, the ledger row, the head looked for, created and
    // locked, the row, COMMIT).
    expect(await a.ledger(event())).toEqual({ placed: undefined, statements: 9 });
    // Text glued to what SQL, JSON and the comments' own JSON parameter treat specially.
    const glued = `it's "quoted"\\n\\u0000 $1 ::json ), (  😀 ‮ done`;
    const known = await a.ledger({ ...event({ via: 'ledger', text: glued }), tool: glued, reason: glued });
    // BEGIN, the locks, the key and policy, the ledger row with the event, COMMIT.
    expect(known).toEqual({ placed: { chain: WORKSPACE, seq: 2, hash: expect.any(String) }, statements: 5 });
    expect((await a.append(batch(1))).statements).toBe(1);
    await expectIntactChain(a.store, 3);
    const [head] = await a.store.audit.heads(WORKSPACE);
    const rows = await a.store.audit.chainRows(WORKSPACE, 0, 10);
    expect(rows[1]).toMatchObject({ seq: 2, hash: known.placed?.hash, prev_hash: rows[0]?.hash });
    const [stored] = await a.store.audit.list(WORKSPACE, { limit: 1, tool: glued });
    expect(stored).toMatchObject({
      tool: glued,
      reason: glued,
      detail: expect.objectContaining({ text: glued }),
    });
    expect(head?.seq).toBe(3);
    expect(await a.store.writeUsage.sumSince('key_known_head', SINCE)).toEqual({ writes: 2, deletes: 0 });
  });

  it('forks nothing when another instance moved the head of a write: its ledger row goes in, its event after', async () => {
    const a = await instance();
    const b = await instance();
    await a.append(batch(1));
    await b.append(batch(2));
    // The compare-and-set inside the ledger's statement misses: the ledger row alone, then the
    // head locked and read, then the event.
    const missed = await a.ledger(event({ via: 'missed' }));
    // BEGIN, the locks, the key and policy, the ledger row, the head locked and read, the row,
    // COMMIT: no second try.
    expect(missed).toEqual({ placed: undefined, statements: 7 });
    // The miss cost nothing, so the next write tries again at once, after the head it learnt.
    expect((await a.ledger(event())).statements).toBe(5);
    await expectIntactChain(a.store, 5);
    const rows = await a.store.audit.chainRows(WORKSPACE, 0, 10);
    expect(rows.filter((r) => r.detail?.includes('missed')).map((r) => r.seq)).toEqual([4]);
    expect(await a.store.writeUsage.sumSince('key_known_head', SINCE)).toEqual({ writes: 2, deletes: 0 });
  });

  it('keeps nothing of a refused write’s event placed with its ledger row, and does not learn its head', async () => {
    const a = await instance();
    await a.append(batch(1));
    const refusal = a.ledger(event({ via: 'refused' }), () => {
      throw new Error('over the write budget');
    });
    await expect(refusal).rejects.toThrow('over the write budget');
    expect(await a.store.writeUsage.sumSince('key_known_head', SINCE)).toEqual({ writes: 0, deletes: 0 });
    expect((await a.append(batch(1))).statements).toBe(1);
    await expectIntactChain(a.store, 2);
    const rows = await a.store.audit.chainRows(WORKSPACE, 0, 10);
    expect(rows.some((r) => r.detail?.includes('refused'))).toBe(false);
  });

  it('keeps one gapless chain and every ledger row when 50 writes of one key race 20 batches of two instances', async () => {
    const a = await instance();
    const b = await instance();
    await a.append(batch(1));
    await b.append(batch(1));
    // The writes on one instance, so most of them know their head (placed) and the batches of
    // the other move it under them (missed): both paths race.
    const writes = Array.from({ length: 50 }, () => a.ledger(event({ via: 'ledger' })));
    const batches = Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).append(batch(1)));
    const [settled] = await Promise.all([Promise.all(writes), Promise.all(batches)]);
    expect(settled.some((w) => w.placed)).toBe(true);
    await expectIntactChain(a.store, 2 + 50 + 20);
    expect(await a.store.writeUsage.sumSince('key_known_head', SINCE)).toEqual({ writes: 50, deletes: 0 });
  });

  it('keeps one gapless chain when 50 batches and 20 writes race across two instances', async () => {
    const a = await instance();
    const b = await instance();
    await a.append(batch(1));
    await b.append(batch(1));
    const work = [
      ...Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).append(batch(1 + (i % 3)))),
      ...Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).store.transaction((repos) => repos.audit.insert(event({ via: 'write' }))),
      ),
    ];
    await Promise.all(work);
    const appended = 2 + Array.from({ length: 50 }, (_, i) => 1 + (i % 3)).reduce((x, y) => x + y, 0);
    await expectIntactChain(a.store, appended + 20);
  });

  it('stores text with quotes, escapes and characters outside the BMP exactly as its hash covers it', async () => {
    const a = await instance();
    await a.append(batch(1));
    const glued = `it's "quoted"\\n\\u0000 \\ \n\t😀 ‮ done`;
    const { results, statements } = await a.append([
      { ...event({ text: glued }), tool: glued, reason: glued, userAgent: glued },
    ]);
    expect({ results, statements }).toEqual({ results: [null], statements: 1 });
    const [row] = await a.store.audit.list(WORKSPACE, { limit: 1, tool: glued });
    expect(row?.tool).toBe(glued);
    expect(row?.reason).toBe(glued);
    expect(row?.detail).toEqual({ n: counter, text: glued });
    await expectIntactChain(a.store, 2);
  });

  it('fails only the event the database refuses, and chains the rest', async () => {
    const a = await instance();
    await a.append(batch(1));
    // PostgreSQL text holds no NUL (the audit log's sanitizer replaces it before any store
    // sees it): the one-statement path is refused, then each event is tried alone.
    const events = [event(), { ...event(), tool: 'nul\u0000here' }, event()];
    const { results } = await a.append(events);
    expect(results[0]).toBeNull();
    expect(results[1]).toBeInstanceOf(Error);
    expect(results[2]).toBeNull();
    await expectIntactChain(a.store, 3);
    expect((await a.append(batch(1))).statements).toBe(1);
    await expectIntactChain(a.store, 4);
  });
});
