/**
 * On SQLite, `audit verify` confirms intact chains in bulk with canonical JSON written by
 * SQLite, reading the table in rowid order where it can and a group of rows at a time. An
 * attacker who stores values SQLite writes differently from JavaScript — a JSONB blob in
 * place of text, an integer past 2^53, a real — or hashes that only line up back to back
 * must get exactly the verdict of the JavaScript rule (`eventHash` over the row as the
 * driver reads it): neither a forged "intact" nor a false alarm, also when rows were moved.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog, createAuditSigner, createCheckpointer, verifyAudit } from '../../src/audit/index.js';
import { createIdGenerator, createManualClock, createSeededRandom } from '../../src/core/index.js';
import {
  CHAIN_SCAN_COLUMNS,
  type DatabaseHandle,
  eventHash,
  openDatabase,
  openStore,
  type Store,
} from '../../src/storage/index.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

const WS = 'wsp_01JAAAAAAAAAAAAAAAAAAAAAAA';
const EVENTS = 30;

describe('audit verify on SQLite, values SQLite and JavaScript write differently', () => {
  let database: TestDatabase;
  let store: Store;
  let attacker: DatabaseHandle;
  const signer = createAuditSigner(randomBytes(32));

  beforeEach(async () => {
    database = await createTestDatabase('sqlite');
    store = await openStore(database.url);
    const clock = createManualClock(new Date('2026-11-27T10:00:00.000Z'));
    const audit = createAuditLog({ store, clock, ids: createIdGenerator(clock, createSeededRandom(5)) });
    const checkpointer = createCheckpointer({ store, signer, clock, logger: { error() {} } });
    for (let i = 0; i < EVENTS; i++) {
      await audit.record(store, {
        workspaceId: WS,
        action: 'test.event',
        outcome: 'ok',
        durationMs: i,
        detail: { i },
      });
      if (i === 9) await checkpointer.checkpointAll();
    }
    attacker = await openDatabase(database.url);
  });
  afterEach(async () => {
    await attacker.close();
    await store.close();
    await database.drop();
  });

  const sqlite = () => attacker.rawSqlite!;
  const verify = () => verifyAudit(store, signer, { chain: WS });
  const row = (seq: number) =>
    sqlite().prepare('select * from audit_events where workspace_id = ? and seq = ?').get(WS, seq) as Record<
      string,
      string | number | null
    >;
  /** Rewrites one row's hash as `hashOf` computes it from the row as stored. */
  const rehash = (seq: number, hashOf: (seq: number) => string) =>
    sqlite()
      .prepare('update audit_events set hash = ? where workspace_id = ? and seq = ?')
      .run(hashOf(seq), WS, seq);
  const javascriptHash = (seq: number) => {
    const { hash: _hash, ...content } = row(seq);
    return eventHash(content as unknown as Parameters<typeof eventHash>[0]);
  };
  const sqliteHash = (seq: number) => {
    const pairs = CHAIN_SCAN_COLUMNS.filter((c) => c !== 'hash').map((c) => `'${c}', ${c}`);
    const text = sqlite()
      .prepare(
        `select prev_hash || json_object(${pairs.join(', ')}) from audit_events where workspace_id = ? and seq = ?`,
      )
      .pluck()
      .get(WS, seq) as string;
    return createHash('sha256').update(text).digest('hex');
  };

  it('verifies the untouched chain', async () => {
    expect(await verify()).toMatchObject({ ok: true, events: EVENTS, problems: [] });
  });

  it('finds text swapped for a JSONB blob that SQLite writes as the same JSON: modified', async () => {
    sqlite()
      .prepare(`update audit_events set action = jsonb('"test.event"') where workspace_id = ? and seq = 17`)
      .run(WS);
    expect(sqliteHash(17)).toBe(row(17).hash);
    expect((await verify()).problems).toEqual([expect.objectContaining({ seq: 17, kind: 'modified' })]);
  });

  it('finds a rewritten last event whose integer JavaScript rounds, hashed as SQLite writes it: modified', async () => {
    sqlite()
      .prepare('update audit_events set duration_ms = 9007199254740993 where workspace_id = ? and seq = ?')
      .run(WS, EVENTS);
    rehash(EVENTS, sqliteHash);
    expect((await verify()).problems).toEqual([expect.objectContaining({ seq: EVENTS, kind: 'modified' })]);
  });

  it('finds hashes shifted by a character between neighbouring events, the same back to back: modified', async () => {
    sqlite().exec(`update audit_events set hash = (select substr(hash, 64) from audit_events where seq = 20) || hash
      where seq = 21; update audit_events set hash = substr(hash, 1, 63) where seq = 20`);
    expect((await verify()).problems).toEqual([expect.objectContaining({ seq: 20, kind: 'modified' })]);
  });

  it('verifies a chain whose events were moved in the table, or vacuumed (no false alarm)', async () => {
    // Copied out and back in, events 12…18 come after all others in the table's rowid order.
    sqlite().exec(`create temp table moved as select * from audit_events where seq between 12 and 18;
      delete from audit_events where seq between 12 and 18;
      insert into audit_events select * from moved`);
    expect(await verify()).toMatchObject({ ok: true, events: EVENTS, problems: [] });
    sqlite().exec('vacuum');
    expect(await verify()).toMatchObject({ ok: true, events: EVENTS, problems: [] });
  });

  it('accepts a last event holding a real, hashed as JavaScript reads it (no false alarm)', async () => {
    sqlite()
      .prepare('update audit_events set duration_ms = 2.5 where workspace_id = ? and seq = ?')
      .run(WS, EVENTS);
    rehash(EVENTS, javascriptHash);
    expect(await verify()).toMatchObject({ ok: true, events: EVENTS, problems: [] });
  });
});
