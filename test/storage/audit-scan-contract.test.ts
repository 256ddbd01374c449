/**
 * The chain-scan contract on SQLite and PostgreSQL: `scanChain` hands over exactly the rows
 * and pages `chainRows` returns — same chain, same order, every column in
 * CHAIN_SCAN_COLUMNS order — `summarizeChain` sums up an intact chain and refuses a changed
 * one, and on SQLite the chain reads walk the chain index instead of sorting a whole
 * workspace for every page (what made `audit verify` quadratic).
 */
import type { KyselyPlugin, QueryId, RootOperationNode } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import {
  CHAIN_SCAN_COLUMNS,
  type ChainedRow,
  type ChainValues,
  GENESIS_HASH,
  GLOBAL_CHAIN,
  scannedRowIntact,
} from '../../src/chain/index.js';
import { createIdGenerator, createManualClock, createSeededRandom } from '../../src/core/index.js';
import { createKyselyStore, openDatabase, openStore, type Store } from '../../src/storage/index.js';
import { tamperEvent } from '../support/audit-tamper.js';
import { createTestDatabase, describeEachStore, storeKinds } from '../support/stores.js';

const WS = 'wsp_01JAAAAAAAAAAAAAAAAAAAAAAA';
const OTHER_WS = 'wsp_01JZZZZZZZZZZZZZZZZZZZZZZZ';

/** 24 events in WS (with unicode, quotes and control characters), 4 in OTHER_WS, 4 without a workspace. */
async function seed(store: Store): Promise<void> {
  const clock = createManualClock(new Date('2026-11-20T08:00:00.000Z'));
  const audit = createAuditLog({ store, clock, ids: createIdGenerator(clock, createSeededRandom(3)) });
  for (let i = 0; i < 32; i++) {
    const workspaceId = i % 8 === 7 ? OTHER_WS : i % 6 === 5 ? null : WS;
    await audit.record(store, {
      workspaceId,
      action: 'mcp.tool_called',
      tool: 'update_task',
      outcome: i % 3 ? 'ok' : 'denied',
      durationMs: i,
      reason: i % 4 ? null : `Überprüfung "${i}"\n\t💶`,
      detail: { i, title: 'リリース\u0001' },
    });
    clock.advance(1000);
  }
}

/**
 * The pages `scanChain` hands over, as their CHAIN_SCAN_COLUMNS values; every row must be
 * intact by the rule the verifier applies (on SQLite its hashed bytes come after them).
 */
async function scanned(store: Store, chain: string, afterSeq: number, pageSize: number) {
  const pages: ChainValues[][] = [];
  await store.audit.scanChain(chain, afterSeq, pageSize, (rows) => {
    expect(rows.every(scannedRowIntact)).toBe(true);
    pages.push(rows.map((row) => row.slice(0, CHAIN_SCAN_COLUMNS.length)));
  });
  return pages;
}

async function paged(store: Store, chain: string, afterSeq: number, pageSize: number) {
  const pages: ChainValues[][] = [];
  for (let after = afterSeq; ; ) {
    const rows: ChainedRow[] = await store.audit.chainRows(chain, after, pageSize);
    if (!rows.length) return pages;
    pages.push(rows.map((row) => CHAIN_SCAN_COLUMNS.map((column) => row[column])));
    after = rows[rows.length - 1]!.seq;
  }
}

describeEachStore('audit chain scan contract', (current) => {
  it('hands over the pages chainRows returns, as values in CHAIN_SCAN_COLUMNS order', async () => {
    const store = current();
    await seed(store);
    for (const [chain, count] of [
      [WS, 24],
      [OTHER_WS, 4],
      [GLOBAL_CHAIN, 4],
    ] as const) {
      const pages = await scanned(store, chain, 0, 5);
      expect(pages).toEqual(await paged(store, chain, 0, 5));
      expect(pages.map((p) => p.length)).toEqual(
        Array.from({ length: Math.ceil(count / 5) }, (_, i) => Math.min(5, count - i * 5)),
      );
      expect(pages.flat().map((row) => row[CHAIN_SCAN_COLUMNS.indexOf('seq')])).toEqual(
        Array.from({ length: count }, (_, i) => i + 1),
      );
      expect(new Set(pages.flat().map((row) => row[CHAIN_SCAN_COLUMNS.indexOf('workspace_id')]))).toEqual(
        new Set([chain === GLOBAL_CHAIN ? null : chain]),
      );
    }
    expect(await scanned(store, WS, 20, 2)).toEqual(await paged(store, WS, 20, 2));
    expect(await scanned(store, WS, 24, 2)).toEqual([]);
    expect(await scanned(store, 'wsp_unknown', 0, 2)).toEqual([]);
  });

  it('waits for an asynchronous page handler before reading the next page', async () => {
    const store = current();
    await seed(store);
    const seen: number[] = [];
    await store.audit.scanChain(WS, 0, 10, async (rows) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(rows.length);
    });
    expect(seen).toEqual([10, 10, 4]);
  });
});

describe('audit chain summary contract', () => {
  for (const kind of storeKinds()) {
    it(`sums up an intact chain and gives null for a changed row [${kind}]`, async () => {
      const database = await createTestDatabase(kind);
      const store = await openStore(database.url);
      const attacker = await openDatabase(database.url);
      try {
        await seed(store);
        const rows = await store.audit.chainRows(WS, 0, 100);
        expect(await store.audit.summarizeChain(WS, 0, [3, 24, 25])).toEqual({
          count: 24,
          first: { seq: 1, prevHash: GENESIS_HASH },
          last: { seq: 24, hash: rows[23]!.hash },
          hashesAt: new Map([
            [3, rows[2]!.hash],
            [24, rows[23]!.hash],
          ]),
        });
        expect(await store.audit.summarizeChain(WS, 20, [])).toMatchObject({ count: 4, first: { seq: 21 } });
        expect(await store.audit.summarizeChain('wsp_unknown', 0, [])).toEqual({
          count: 0,
          first: null,
          last: null,
          hashesAt: new Map(),
        });
        await tamperEvent(attacker, WS, 9, { reason: 'rewritten' });
        expect(await store.audit.summarizeChain(WS, 0, [])).toBeNull();
        expect(await store.audit.summarizeChain(OTHER_WS, 0, [])).toMatchObject({ count: 4 });
      } finally {
        await attacker.close();
        await store.close();
        await database.drop();
      }
    });
  }
});

/** Records the SQL of every statement kysely or the raw connection runs. */
function recordingSql(handle: Awaited<ReturnType<typeof openDatabase>>, statements: string[]) {
  const plugin: KyselyPlugin = {
    transformQuery({ node, queryId }: { node: RootOperationNode; queryId: QueryId }) {
      statements.push(handle.db.getExecutor().compileQuery(node, queryId).sql);
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  const raw = handle.rawSqlite!;
  const rawSqlite = new Proxy(raw, {
    get(target, key) {
      if (key === 'prepare')
        return (text: string) => {
          statements.push(text);
          return target.prepare(text);
        };
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ...handle, db: handle.db.withPlugin(plugin), rawSqlite };
}

describe('chain reads on SQLite', () => {
  it('walk the chain index (migration 0006) in seq order without sorting', async () => {
    const database = await createTestDatabase('sqlite');
    await (await openStore(database.url)).close();
    const handle = await openDatabase(database.url);
    const statements: string[] = [];
    const store = createKyselyStore(recordingSql(handle, statements));
    try {
      for (const chain of [WS, GLOBAL_CHAIN]) {
        statements.length = 0;
        await store.audit.chainRows(chain, 0, 10);
        await store.audit.scanChain(chain, 0, 10, () => {});
        const reads = statements.filter((text) => /from\s+"?audit_events"?/i.test(text));
        expect(reads).toHaveLength(2);
        for (const text of reads) {
          // Plans do not depend on the bound values here (no ANALYZE statistics).
          const plan = handle
            .rawSqlite!.prepare(`explain query plan ${text}`)
            .all(
              ...text
                .split('?')
                .slice(1)
                .map(() => null),
            )
            .map((row) => (row as { detail: string }).detail)
            .join('\n');
          expect(plan).toContain('audit_events_chain_seq_uq');
          expect(plan).not.toContain('TEMP B-TREE');
        }
      }
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
