/**
 * Group-committed audit records on both stores (SQLite through its writer thread):
 * concurrent appends share a transaction, each resolves only once durable, and one event
 * that cannot be written fails alone. On SQLite the writer thread runs with a small young
 * generation (sqlite-audit-writer.ts): a batch many times its size must still land whole.
 */
import { expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import { createIdGenerator, createManualClock, cryptoRandom } from '../../src/core/index.js';
import { auditEvent } from '../support/audit-events.js';
import { describeEachStore } from '../support/stores.js';

const clock = createManualClock(new Date('2026-11-27T10:00:00.000Z'));
const ids = createIdGenerator(clock, cryptoRandom);

const event = (i: number, id = ids('auditEvent')) =>
  auditEvent({ id, occurredAt: clock.now().toISOString(), action: 'mcp.request', detail: { i } });

describeEachStore('audit group commit', (current) => {
  it('writes every concurrent append and resolves each with its event', async () => {
    const audit = createAuditLog({ store: current(), clock, ids });
    const events = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        audit.append({ action: 'mcp.request', outcome: 'ok', detail: { i } }),
      ),
    );
    expect(new Set(events.map((e) => e.id)).size).toBe(40);
    expect(await current().audit.list(null, { limit: 100 })).toHaveLength(40);
  });

  it('fails only the event that cannot be written, not its neighbours in the batch', async () => {
    const batch = Array.from({ length: 10 }, (_, i) => event(i));
    // A duplicate primary key: a real constraint failure for exactly one row.
    batch[4] = event(4, batch[3]!.id);
    const results = await current().appendAudit(batch);
    expect(results.map((r) => (r === null ? 'ok' : 'failed'))).toEqual([
      ...Array(4).fill('ok'),
      'failed',
      ...Array(5).fill('ok'),
    ]);
    const stored = await current().audit.list(null, { limit: 100 });
    expect(stored.map((e) => (e.detail as { i: number }).i).sort()).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
  });

  it('writes a 24 MB batch whole, far beyond the writer thread young generation', async () => {
    const filler = 'x'.repeat(8 * 1024);
    const batch = Array.from({ length: 3000 }, (_, i) =>
      auditEvent({
        id: ids('auditEvent'),
        occurredAt: clock.now().toISOString(),
        action: 'mcp.request',
        detail: { i, filler },
      }),
    );
    const results = await current().appendAudit(batch);
    expect(results.filter((r) => r !== null)).toEqual([]);
    const stored = await current().audit.list(null, { limit: 5000 });
    expect(stored.map((e) => (e.detail as { i: number }).i).sort((a, b) => a - b)).toEqual(
      batch.map((_, i) => i),
    );
  });
});
