/**
 * Group-committed audit records on both stores: concurrent appends share a transaction, each
 * resolves only once durable, and one event that cannot be written fails alone.
 */
import { expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import { createIdGenerator, createManualClock, cryptoRandom } from '../../src/core/index.js';
import type { Repositories, Store } from '../../src/storage/index.js';
import { describeEachStore } from '../support/stores.js';

const clock = createManualClock(new Date('2026-11-27T10:00:00.000Z'));
const ids = createIdGenerator(clock, cryptoRandom);

/** A real store whose audit insert fails for events marked `poison`: a fault, not a mock. */
function poisoned(store: Store): Store {
  const wrap = (repos: Repositories): Repositories => ({
    ...repos,
    audit: {
      ...repos.audit,
      insert: async (event) => {
        if ((event.detail as { poison?: boolean } | null)?.poison) throw new Error('disk full (injected)');
        return repos.audit.insert(event);
      },
    },
  });
  return { ...store, transaction: (work) => store.transaction((repos) => work(wrap(repos))) };
}

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
    const audit = createAuditLog({ store: poisoned(current()), clock, ids });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        audit.append({ action: 'mcp.request', outcome: 'ok', detail: { i, poison: i === 4 } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([
      ...Array(4).fill('fulfilled'),
      'rejected',
      ...Array(5).fill('fulfilled'),
    ]);
    const stored = await current().audit.list(null, { limit: 100 });
    expect(stored).toHaveLength(9);
    expect(stored.some((e) => (e.detail as { i: number }).i === 4)).toBe(false);
  });
});
