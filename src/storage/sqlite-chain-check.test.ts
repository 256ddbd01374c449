/**
 * The SQLite bulk chain check may only ever agree with the row-by-row rule
 * (`scannedRowIntact`): a row stores the text `eventHash` hashes (`body`, migration 0010) and
 * its columns read back the values it was made of — over every code point, control
 * characters and NUL — the bulk check's text of a row is exactly the bytes that rule hashes,
 * or no text at all (blobs, hashes that are not 64 bytes), and the worker threads must reach
 * the same summary as one thread and as the row-by-row check, however the rows lie in the
 * table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CHAIN_HASH,
  CHAIN_SCAN_COLUMNS,
  type ChainedRow,
  chainRow,
  eventBody,
  eventHash,
  GENESIS_HASH,
  scannedRowIntact,
  type UnchainedRow,
} from '../chain/index.js';
import { type DatabaseHandle, openDatabase } from './connect.js';
import { createAuditRepository } from './kysely/audit.js';
import { migrateToLatest } from './migrations/index.js';
import { summarizeSqliteChain } from './sqlite-chain-check.js';
import { CHAIN_HASHED_SQL, CHAIN_TEXT_SQL } from './sqlite-chain-sql.js';

// Counts the stretches worker threads checked: the worker path must really run, not fall back.
const workerReplies = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:worker_threads', async (original) => {
  const threads = await original<typeof import('node:worker_threads')>();
  class CountingWorker extends threads.Worker {
    constructor(...args: ConstructorParameters<typeof threads.Worker>) {
      super(...args);
      this.on('message', (message: { result?: unknown }) => {
        if (message.result) workerReplies.count++;
      });
    }
  }
  return { ...threads, Worker: CountingWorker };
});

const WS = 'wsp_01JAAAAAAAAAAAAAAAAAAAAAAA';
const OTHER = 'wsp_01JZZZZZZZZZZZZZZZZZZZZZZZ';

let dir: string;
let handle: DatabaseHandle;
let file: string;
const raw = () => handle.rawSqlite!;
/** Each row of WS in seq order: its values, then what the row-by-row rule hashes, then the bulk check's text. */
const stored = () =>
  raw()
    .prepare(
      `select ${CHAIN_SCAN_COLUMNS.join(', ')}, ${CHAIN_HASHED_SQL}, cast(${CHAIN_TEXT_SQL} as blob)
        from audit_events where workspace_id = ? order by seq`,
    )
    .raw()
    .all(WS) as unknown[][];
const bulkText = (row: readonly unknown[]) => row[CHAIN_SCAN_COLUMNS.length + 1];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-chain-check-'));
  file = join(dir, 'taskgate.db');
  handle = await openDatabase(`sqlite:${file}`);
  await migrateToLatest(handle.db);
});
afterEach(async () => {
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

function event(i: number, overrides: Partial<UnchainedRow> = {}): UnchainedRow {
  return {
    id: `evt_${String(i).padStart(26, '0')}`,
    workspace_id: WS,
    occurred_at: new Date(Date.UTC(2026, 10, 20, 8, 0, i)).toISOString(),
    action: 'mcp.tool_called',
    tool: i % 3 ? 'update_task' : null,
    outcome: 'ok',
    error_code: null,
    member_id: 'mbr_1',
    credential_id: 'key_1',
    credential_name: 'cursor-laptop',
    environment: 'development',
    params: JSON.stringify({ task: `APO-${i}`, title: 'Überprüfung "x"\n\t💶' }),
    result: null,
    ip: '203.0.113.7',
    user_agent: 'cursor/1.2.0',
    client_name: 'cursor',
    client_version: '1.2.0',
    request_id: `req_${i}`,
    duration_ms: i,
    detail: null,
    changes: null,
    reason: i % 4 ? null : 'because',
    confirmation: null,
    ...overrides,
  };
}

/** Stores rows as the app does: the columns are read out of `body`. */
function insert(rows: readonly ChainedRow[]): void {
  const statement = raw().prepare('insert into audit_events (body, prev_hash, hash) values (?, ?, ?)');
  raw().transaction(() => {
    for (const row of rows) statement.run(eventBody(row), row.prev_hash, row.hash);
  })();
}

/** An attacker's edit: `json_set` over a row's body, its hash left as it was. */
const setInBody = (seq: number, path: string, value: string) =>
  `update audit_events set body = json_set(body, '$.${path}', ${value}) where seq = ${seq}`;

/** A valid chain of `count` events in WS. */
function chain(count: number, overrides: (i: number) => Partial<UnchainedRow> = () => ({})): ChainedRow[] {
  const rows: ChainedRow[] = [];
  let head = { seq: 0, hash: GENESIS_HASH };
  for (let i = 0; i < count; i++) {
    const row = chainRow(event(i, overrides(i)), head);
    rows.push(row);
    head = row;
  }
  return rows;
}

/** Strings over every code point (surrogates only as the lone halves JavaScript can hold). */
function codePointSweep(): string[] {
  const texts: string[] = [];
  for (let start = 0; start <= 0x10ffff; start += 0x2000) {
    let text = '';
    for (let cp = start; cp < Math.min(start + 0x2000, 0x110000); cp++) text += String.fromCodePoint(cp);
    texts.push(text);
  }
  return texts;
}

describe('SQLite stored events', () => {
  it('hold the text eventHash hashes and read back every value, for every code point and control character', () => {
    const texts = [
      ...codePointSweep(),
      '',
      'nul\u0000inside',
      '\u0001\u001f\u007f\u0080\u2028\u2029',
      '\\"/',
    ];
    const rows = chain(texts.length, (i) => ({
      params: texts[i]!,
      reason: texts[texts.length - 1 - i]!,
      detail: JSON.stringify({ text: texts[i] }),
      duration_ms: [0, -1, 2 ** 53 - 1, -(2 ** 53 - 1)][i % 4]!,
    }));
    insert(rows);

    const read = stored();
    expect(read).toHaveLength(texts.length);
    read.forEach((values, i) => {
      const written = rows[i]!;
      const hashed = values[CHAIN_SCAN_COLUMNS.length] as Buffer;
      expect(hashed.toString('utf8')).toBe(written.prev_hash + eventBody(written));
      expect(hashed.equals(bulkText(values) as Buffer)).toBe(true);
      expect(scannedRowIntact(values)).toBe(true);
      // The lone surrogate halves in the sweep are stored as JSON escapes (so the row still
      // verifies); read back as a column they come out as the three bytes of the code
      // point, which a string decodes as three U+FFFD.
      const readable = (value: unknown) =>
        typeof value === 'string' ? value.replace(/\p{Surrogate}/gu, '\ufffd'.repeat(3)) : value;
      expect(values.slice(0, CHAIN_HASH).map(readable)).toEqual(
        CHAIN_SCAN_COLUMNS.slice(0, CHAIN_HASH).map((column) => readable(written[column])),
      );
      expect(values[CHAIN_HASH]).toBe(written.hash);
    });
  });

  it('give no bulk text, and are not intact row by row, for a blob or a hash that is not 64 bytes', () => {
    insert(chain(8));
    const set = (seq: number, assignment: string) =>
      raw().prepare(`update audit_events set ${assignment} where seq = ?`).run(seq);
    raw().pragma('ignore_check_constraints = on');
    set(1, 'body = jsonb(body)');
    set(2, 'hash = cast(hash as blob)');
    set(3, 'prev_hash = cast(prev_hash as blob)');
    set(4, 'hash = substr(hash, 2)');
    set(5, `prev_hash = prev_hash || 'a'`);
    set(6, 'prev_hash = null');
    const read = stored();
    expect(read.map((r) => bulkText(r) === null)).toEqual([...Array(6).fill(true), false, false]);
    expect(read.map(scannedRowIntact)).toEqual([...Array(6).fill(false), true, true]);
  });
});

describe('summarizeSqliteChain', () => {
  const pinned = [10, 20, 60, 61];
  const direct = () => ({ connection: raw(), file, exclusive: async <T>(read: () => T) => read() });
  const generic = () => createAuditRepository(handle.db, 'sqlite').summarizeChain(WS, 0, pinned);
  const summaries = async () => [
    await summarizeSqliteChain(
      direct(),
      { chain: WS, afterSeq: 0, pinned },
      { workers: 2, chunkRows: 7, groupRows: 3 },
    ),
    await summarizeSqliteChain(
      direct(),
      { chain: WS, afterSeq: 0, pinned },
      { workers: 1, chunkRows: 7, groupRows: 3 },
    ),
    await generic(),
  ];

  const intact = (rows: readonly ChainedRow[]) => ({
    count: 60,
    first: { seq: 1, prevHash: GENESIS_HASH },
    last: { seq: 60, hash: rows[59]!.hash },
    hashesAt: new Map([
      [10, rows[9]!.hash],
      [20, rows[19]!.hash],
      [60, rows[59]!.hash],
    ]),
  });
  const otherChain = (workspaceId: string, count: number) =>
    chain(count, () => ({ workspace_id: workspaceId })).map((row, i) => ({
      ...row,
      id: `${row.id}${workspaceId}${i}`,
    }));

  it('sums up an intact chain the same in workers, in this thread and in JavaScript', async () => {
    const rows = chain(60);
    insert(rows);
    insert([chainRow(event(99, { workspace_id: OTHER }), { seq: 0, hash: GENESIS_HASH })]);
    workerReplies.count = 0;
    const all = await summaries();
    expect(workerReplies.count).toBe(Math.ceil(60 / 7));
    for (const summary of all) expect(summary).toEqual(intact(rows));
  });

  it('sums up a chain stored out of seq order, among other chains or vacuumed (no false alarm)', async () => {
    const rows = chain(60);
    const others = [OTHER, `${OTHER}2`].map((workspaceId) => otherChain(workspaceId, 60));
    const layouts: [string, () => void][] = [
      [
        'out of seq order',
        () => insert([...rows.slice(30), ...rows.slice(20, 30).reverse(), ...rows.slice(0, 20)]),
      ],
      [
        'last row far out in rowids',
        () => {
          insert(rows);
          raw().exec('update audit_events set rowid = 4611686018427387904 where seq = 60');
        },
      ],
      [
        'among other chains',
        () => insert(rows.flatMap((row, i) => [row, ...others.map((other) => other[i]!)])),
      ],
      [
        'vacuumed after other rows went',
        () => {
          insert(rows.flatMap((row, i) => [others[0]![i]!, row]));
          raw().exec(`delete from audit_events where workspace_id = '${OTHER}'; vacuum`);
        },
      ],
    ];
    for (const [layout, store] of layouts) {
      raw().exec('delete from audit_events');
      store();
      expect({ layout, summaries: await summaries() }).toEqual({
        layout,
        summaries: Array(3).fill(intact(rows)),
      });
    }
  });

  it('starts where a pruned chain starts', async () => {
    const rows = chain(60);
    insert(rows.slice(20));
    for (const summary of await summaries()) {
      expect(summary).toMatchObject({ count: 40, first: { seq: 21, prevHash: rows[19]!.hash } });
    }
  });

  it('is null for a changed row, a missing row, a swapped pair, a broken link or a seq that is no integer', async () => {
    const damage = [
      setInBody(33, 'detail', `'{"i":8}'`),
      'delete from audit_events where seq = 15',
      'delete from audit_events where seq = 14', // at a chunk boundary (7 per chunk)
      [setInBody(40, 'seq', '-1'), setInBody(41, 'seq', '40'), setInBody(-1, 'seq', '41')].join(';'),
      `update audit_events set prev_hash = '${GENESIS_HASH}' where seq = 50`,
      `update audit_events set hash = null where seq = 59`,
      setInBody(60, 'seq', `'x'`),
      setInBody(3, 'seq', '2.5'),
      // More seqs than the file has room for rows: no ranges to walk through.
      setInBody(60, 'seq', '4503599627370496'),
      // The stored hashes back to back are unchanged (22 and 23 are read in one group), but
      // neither row's hash is its own.
      `update audit_events set hash = (select substr(hash, 64) from audit_events where seq = 22) || hash where seq = 23;
       update audit_events set hash = substr(hash, 1, 63) where seq = 22`,
      `update audit_events set prev_hash = prev_hash || 'f' where seq = 60`,
      'update audit_events set hash = cast(hash as blob) where seq = 60',
      // The body's prev_hash and the column apart: the hash covers the column.
      `update audit_events set prev_hash = '${GENESIS_HASH}', body = json_set(body, '$.prev_hash', '${GENESIS_HASH}') where seq = 44`,
      // A copy of a row, stored last, once the unique indexes are gone.
      `drop index audit_events_chain_seq_uq;
       drop index audit_events_id_uq;
       create index audit_events_chain_seq on audit_events (coalesce(workspace_id, '*'), seq);
       insert into audit_events (body, prev_hash, hash) select body, prev_hash, hash from audit_events where seq = 30`,
    ];
    for (const sql of damage) {
      raw().exec('delete from audit_events');
      insert(chain(60));
      raw().exec(sql);
      expect({ sql, summaries: await summaries() }).toEqual({ sql, summaries: [null, null, null] });
    }
  });

  /** 60 rows, each hashed over what it holds and linked to the row before it in the table. */
  function rehashed(
    placed: (i: number, prevHash: string, rows: readonly ChainedRow[]) => Partial<ChainedRow>,
  ) {
    const rows: ChainedRow[] = [];
    let prevHash = GENESIS_HASH;
    for (let i = 0; i < 60; i++) {
      const row = { ...event(i), seq: i + 1, prev_hash: prevHash, ...placed(i, prevHash, rows) };
      rows.push({ ...row, hash: eventHash(row) });
      prevHash = rows[i]!.hash;
    }
    return rows;
  }

  it('is null for prev_hashes shifted by a character between neighbours that still link back to back', async () => {
    // Rows 23 and 24 are read in one group; their prev_hashes, 63 and 65 bytes, line up.
    insert(
      rehashed((i, prevHash, rows) =>
        i === 22
          ? { prev_hash: prevHash.slice(0, 63) }
          : i === 23
            ? { prev_hash: rows[21]!.hash.slice(63) + prevHash }
            : {},
      ),
    );
    expect(await summaries()).toEqual([null, null, null]);
  });

  it('is null for a row that links elsewhere, rehashed with the rows after it', async () => {
    // Rows 50, 53 and 52 are the first of a stretch, the first and the last of a group.
    for (const seq of [50, 53, 52]) {
      raw().exec('delete from audit_events');
      insert(rehashed((i) => (i === seq - 1 ? { prev_hash: GENESIS_HASH } : {})));
      expect({ seq, summaries: await summaries() }).toEqual({ seq, summaries: [null, null, null] });
    }
  });

  it('is null for a chain rehashed over a gap in its seqs, a repeated seq or two seqs swapped', async () => {
    const seqs: ((i: number) => number)[] = [
      (i) => (i < 30 ? i + 1 : i + 2),
      (i) => (i === 30 ? 30 : i + 1),
      (i) => (i === 30 ? 32 : i === 31 ? 31 : i + 1),
    ];
    raw().exec(`drop index audit_events_chain_seq_uq;
      create index audit_events_chain_seq on audit_events (coalesce(workspace_id, '*'), seq)`);
    for (const seq of seqs) {
      raw().exec('delete from audit_events');
      insert(rehashed((i) => ({ seq: seq(i) })));
      expect(await summaries()).toEqual([null, null, null]);
    }
  });

  it('gives an empty chain as no rows', async () => {
    expect(await summaries()).toEqual(
      Array(3).fill({ count: 0, first: null, last: null, hashesAt: new Map() }),
    );
  });
});
