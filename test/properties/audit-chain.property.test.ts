/**
 * The audit hash chain as properties: a row's hash depends on every field and on the link
 * before it, each way of recomputing it (the writer's `chainEntry`, `eventHash`, the
 * PostgreSQL column walk, the SQLite stored bytes) gives the same digest, and random events
 * written by the real audit log verify with `audit verify` on a real database.
 */
import { hash as sha256 } from 'node:crypto';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import {
  type AuditDraft,
  createAuditLog,
  createAuditMasks,
  createAuditSigner,
} from '../../src/audit/index.js';
import { verifyAudit } from '../../src/audit/verify.js';
import {
  AUDIT_COLUMNS,
  CHAIN_SCAN_COLUMNS,
  type ChainedRow,
  type ChainValues,
  chainEntry,
  chainValuesHash,
  eventHash,
  scannedRowIntact,
  type UnchainedRow,
} from '../../src/chain/index.js';
import { createIdGenerator, createManualClock, cryptoRandom } from '../../src/core/index.js';
import { describeEachStore } from '../support/stores.js';
import { anyJson, anyString } from './arbitraries.js';

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });
const jsonText = maybe(anyJson.map((v) => JSON.stringify(v ?? null)));

const unchainedRow: fc.Arbitrary<UnchainedRow> = fc.record({
  id: anyString,
  workspace_id: maybe(anyString),
  occurred_at: anyString,
  action: anyString,
  tool: maybe(anyString),
  outcome: anyString,
  error_code: maybe(anyString),
  member_id: maybe(anyString),
  credential_id: maybe(anyString),
  credential_name: maybe(anyString),
  environment: maybe(anyString),
  params: jsonText,
  result: jsonText,
  ip: maybe(anyString),
  user_agent: maybe(anyString),
  client_name: maybe(anyString),
  client_version: maybe(anyString),
  request_id: maybe(anyString),
  duration_ms: maybe(fc.integer({ min: 0, max: 2 ** 40 })),
  detail: jsonText,
  changes: jsonText,
  reason: maybe(anyString),
  confirmation: maybe(anyString),
});
const head = fc.record({ seq: fc.nat({ max: 2 ** 40 }), hash: hex64 });

const valuesOf = (row: ChainedRow): ChainValues => CHAIN_SCAN_COLUMNS.map((c) => row[c]);

it('hashes a row the same way on every path: writer, eventHash, PostgreSQL columns, SQLite bytes', () => {
  fc.assert(
    fc.property(unchainedRow, head, (row, at) => {
      const { row: chained, body } = chainEntry(row, at);
      const { hash, ...unhashed } = chained;
      expect(chained.seq).toBe(at.seq + 1);
      expect(chained.prev_hash).toBe(at.hash);
      expect(JSON.parse(body)).toEqual(JSON.parse(JSON.stringify(unhashed)));
      expect(sha256('sha256', chained.prev_hash + body, 'hex')).toBe(hash);
      expect(eventHash(unhashed)).toBe(hash);
      expect(eventHash(structuredClone(unhashed))).toBe(hash);
      expect(chainValuesHash(valuesOf(chained))).toBe(hash);
      expect(scannedRowIntact(valuesOf(chained))).toBe(true);
      expect(scannedRowIntact([...valuesOf(chained), Buffer.from(chained.prev_hash + body)])).toBe(true);
    }),
    { numRuns: 300 },
  );
});

it('changes the hash when any one field, or the link to the previous event, changes', () => {
  const hashed = AUDIT_COLUMNS.filter((c) => c !== 'hash');
  fc.assert(
    fc.property(unchainedRow, head, fc.constantFrom(...hashed), anyString, (row, at, column, other) => {
      const { hash: _, ...chained } = chainEntry(row, at).row;
      const was = chained[column];
      const changed =
        typeof was === 'number'
          ? was + 1
          : was === null
            ? other
            : other === was
              ? `${was}\u0000`
              : column === 'prev_hash'
                ? `${was.slice(1)}${was[0] === 'a' ? 'b' : 'a'}`
                : other;
      const tampered = { ...chained, [column]: changed };
      expect(eventHash(tampered)).not.toBe(eventHash(chained));
      expect(chainValuesHash(valuesOf({ ...tampered, hash: '' }))).not.toBe(eventHash(chained));
    }),
    { numRuns: 1000 },
  );
});

/** Columns the server fills hold its own words; every column a client can fill holds anything. */
const draft: fc.Arbitrary<AuditDraft> = fc.record({
  action: fc.constantFrom('mcp.tool_called', 'key.revoked', 'confirmation.approved'),
  outcome: fc.constantFrom('ok', 'denied', 'error', 'pending', 'dry_run'),
  tool: maybe(anyString),
  errorCode: maybe(fc.constantFrom('conflict', 'invalid_input')),
  credentialName: maybe(fc.constantFrom('cursor-work-laptop', 'oauth-claude')),
  params: anyJson,
  result: anyJson,
  ip: maybe(fc.constantFrom('127.0.0.1', '2001:db8::1')),
  userAgent: maybe(anyString),
  clientName: maybe(anyString),
  clientVersion: maybe(anyString),
  durationMs: maybe(fc.nat()),
  detail: anyJson,
  reason: maybe(anyString),
}) as fc.Arbitrary<AuditDraft>;

describeEachStore('audit chain: the writer and `audit verify` agree', (current) => {
  it('refuses to let a client name with a NUL or a lone surrogate break the chain or lose its event', async () => {
    // PostgreSQL stored U+FFFD for a lone surrogate (audit verify then said `modified`) and
    // refused a NUL outright (the event was lost and the call failed).
    const store = current();
    const clock = createManualClock(new Date('2026-12-01T00:00:00.000Z'));
    const audit = createAuditLog({ store, clock, ids: createIdGenerator(clock, cryptoRandom) });
    for (const clientName of ['evil\u0000client', 'half \ud83d pair', 'swapped \ude00\ud83d'])
      await audit.append({
        workspaceId: 'wsp_odd',
        action: 'mcp.tool_called',
        outcome: 'ok',
        clientName,
        reason: clientName,
      });
    const report = await verifyAudit(store, createAuditSigner(Buffer.alloc(32, 7)), { chain: 'wsp_odd' });
    expect(report).toMatchObject({ ok: true, events: 3, problems: [] });
    const names = (await store.audit.list('wsp_odd', { limit: 10 })).map((e) => e.clientName);
    expect(names.sort()).toEqual(['evil\ufffdclient', 'half \ufffd pair', 'swapped \ufffd\ufffd']);
  });

  it('verifies a chain of random events written by the audit log, in and out of transactions', async () => {
    const store = current();
    const clock = createManualClock(new Date('2026-12-01T00:00:00.000Z'));
    const audit = createAuditLog({
      store,
      clock,
      ids: createIdGenerator(clock, cryptoRandom),
      masks: createAuditMasks('s'.repeat(40)),
    });
    const signer = createAuditSigner(Buffer.alloc(32, 7));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(draft, fc.boolean()), { minLength: 1, maxLength: 6 }),
        async (events) => {
          // A chain of its own for every run, shrinks included.
          const chain = `wsp_property_${++run}`;
          for (const [event, inTransaction] of events) {
            clock.advance(1);
            const placed = { ...event, workspaceId: chain };
            if (inTransaction) await store.transaction((repos) => audit.record(repos, placed));
            else await audit.append(placed);
          }
          const report = await verifyAudit(store, signer, { chain });
          expect(report.problems).toEqual([]);
          expect(report).toMatchObject({ ok: true, events: events.length });
          for (const row of await store.audit.chainRows(chain, 0, 100)) {
            const { hash, ...unhashed } = row;
            expect(eventHash(unhashed)).toBe(hash);
          }
        },
      ),
      { numRuns: 10 },
    );
  });
});
