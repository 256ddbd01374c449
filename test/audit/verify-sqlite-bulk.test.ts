/**
 * On SQLite an event is stored as the bytes its hash covers (`body`, migration 0010) and the
 * table's other columns are read out of it; `audit verify` confirms intact chains in bulk by
 * hashing those bytes, a group of rows at a time. An attacker who changes how a body is
 * stored (a JSONB blob of the same JSON, bytes a reader would decode to the same text),
 * lines hashes up back to back, or redefines a column so that it shows something the body
 * does not hold, must get exactly the verdict of the row-by-row check: neither a forged
 * "intact" nor a false alarm, also when rows were moved.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AUDIT_TABLE,
  createAuditLog,
  createAuditSigner,
  createCheckpointer,
  verifyAudit,
} from '../../src/audit/index.js';
import { createIdGenerator, createManualClock, createSeededRandom } from '../../src/core/index.js';
import { type DatabaseHandle, openDatabase, openStore, type Store } from '../../src/storage/index.js';
import { redefineAuditColumn } from '../support/audit-tamper.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

const WS = 'wsp_01JAAAAAAAAAAAAAAAAAAAAAAA';
const EVENTS = 30;

describe('audit verify on SQLite, events stored as the bytes their hashes cover', () => {
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
        detail: { i, note: 'ok \ufffd' },
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
  const stored = (seq: number) =>
    sqlite()
      .prepare('select cast(prev_hash || body as blob) as hashed, hash from audit_events where seq = ?')
      .get(seq) as { hashed: Buffer; hash: string };
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it('verifies the untouched chain, each hash over the stored bytes', async () => {
    expect(await verify()).toMatchObject({ ok: true, events: EVENTS, problems: [] });
    for (let seq = 1; seq <= EVENTS; seq++) expect(sha256(stored(seq).hashed)).toBe(stored(seq).hash);
  });

  it('refuses a body that is no JSON text, or a blob, while check constraints are on', () => {
    expect(() => sqlite().prepare('update audit_events set body = ? where seq = 3').run('{"seq":3')).toThrow(
      /CHECK constraint failed|malformed JSON/,
    );
    expect(() => sqlite().exec('update audit_events set body = cast(body as blob) where seq = 3')).toThrow(
      /CHECK constraint failed/,
    );
  });

  it('finds a body swapped for a JSONB blob of the same JSON, whose columns read the same: modified', async () => {
    sqlite().exec(`pragma ignore_check_constraints = on;
      update audit_events set body = jsonb(body) where seq = 17`);
    expect(sqlite().prepare('select seq, action from audit_events where seq = 17').get()).toEqual({
      seq: 17,
      action: 'test.event',
    });
    expect((await verify()).problems).toEqual([expect.objectContaining({ seq: 17, kind: 'modified' })]);
  });

  it('finds a body whose bytes a reader decodes to the same text (U+FFFD as an invalid byte): modified', async () => {
    // The three bytes of a U+FFFD replaced by one invalid byte: decoded to a string, the
    // body reads exactly as before.
    const { hashed } = stored(EVENTS);
    const at = hashed.indexOf(Buffer.from('\ufffd'));
    expect(at).toBeGreaterThan(64);
    const forged = Buffer.concat([hashed.subarray(64, at), Buffer.from([0xff]), hashed.subarray(at + 3)]);
    expect(forged.toString('utf8')).toBe(hashed.subarray(64).toString('utf8'));
    sqlite().prepare('update audit_events set body = cast(? as text) where seq = ?').run(forged, EVENTS);
    expect((await verify()).problems).toEqual([expect.objectContaining({ seq: EVENTS, kind: 'modified' })]);
  });

  it('finds hashes shifted by a character between neighbouring events, the same back to back: modified', async () => {
    sqlite().exec(`update audit_events set hash = (select substr(hash, 64) from audit_events where seq = 20) || hash
      where seq = 21; update audit_events set hash = substr(hash, 1, 63) where seq = 20`);
    expect((await verify()).problems).toEqual([expect.objectContaining({ seq: 20, kind: 'modified' })]);
  });

  it('finds a column redefined to show another value than the bodies hold', async () => {
    expect(await verify()).toMatchObject({ ok: true });
    redefineAuditColumn(attacker, 'credential_name', 'action');
    expect(sqlite().prepare('select credential_name from audit_events where seq = 1').pluck().get()).toBe(
      'test.event',
    );
    const report = await verify();
    expect(report).toMatchObject({ ok: false, events: EVENTS });
    expect(report.problems).toEqual([
      expect.objectContaining({
        chain: AUDIT_TABLE,
        seq: 0,
        kind: 'modified',
        detail: expect.stringMatching(/no longer defined as migration 0010 left it/),
      }),
    ]);
  });

  it('verifies a chain whose events were moved in the table, or vacuumed (no false alarm)', async () => {
    // Copied out and back in, events 12…18 come after all others in the table's rowid order.
    sqlite().exec(`create temp table moved as select body, prev_hash, hash from audit_events where seq between 12 and 18;
      delete from audit_events where seq between 12 and 18;
      insert into audit_events (body, prev_hash, hash) select body, prev_hash, hash from moved`);
    expect(await verify()).toMatchObject({ ok: true, events: EVENTS, problems: [] });
    sqlite().exec('vacuum');
    expect(await verify()).toMatchObject({ ok: true, events: EVENTS, problems: [] });
  });
});
