/**
 * The principal cache on both stores, counting the lookups it makes: one epoch read answers
 * a repeated lookup while nothing changed; any change re-reads; an unknown key is never
 * remembered (a key created after a miss works at once); its size is bounded; and a last-use
 * stamp this process wrote is seen without a re-read (the stamp moves no epoch); concurrent
 * calls share epoch reads, never one sent before them.
 */
import { expect, it } from 'vitest';
import { createManualClock, cryptoRandom } from '../../src/core/index.js';
import { createPrincipalCache, generateApiKey, hashApiKey } from '../../src/credentials/index.js';
import type { Store } from '../../src/storage/index.js';
import { createDomainFixture } from '../support/domain-fixture.js';
import { keyRecord } from '../support/key-records.js';
import { describeEachStore } from '../support/stores.js';

const AT = '2026-11-02T09:30:00.000Z';

async function setUp(store: Store, maxEntries?: number) {
  const fixture = await createDomainFixture(store);
  const reads: string[] = [];
  const epochReads = { count: 0 };
  const counted: Pick<Store, 'authEpoch' | 'apiKeys'> = {
    authEpoch: {
      current: () => {
        epochReads.count += 1;
        return store.authEpoch.current();
      },
    },
    apiKeys: {
      ...store.apiKeys,
      findOwnedByHash: (hash) => {
        reads.push(hash);
        return store.apiKeys.findOwnedByHash(hash);
      },
    },
  };
  const cache = createPrincipalCache(counted, maxEntries);
  const authenticate = cache.authenticator({ store, clock: createManualClock(new Date(AT)) });
  const insertKey = (n: number) => storeKey(store, fixture.workspace.id, fixture.members.member.id, n);
  return { fixture, reads, epochReads, cache, authenticate, insertKey };
}

/** A key stored the way the key service stores one: only its SHA-256 is kept. */
async function storeKey(store: Store, workspaceId: string, memberId: string, n: number): Promise<string> {
  const secret = generateApiKey('development', cryptoRandom);
  await store.apiKeys.insert(
    keyRecord({
      id: `key_${n}`,
      workspaceId,
      memberId,
      hash: hashApiKey(secret),
      prefix: secret.slice(0, 12),
      last4: secret.slice(-4),
    }),
  );
  return secret;
}

describeEachStore('the principal cache', (current) => {
  it('answers a repeated lookup from the epoch alone and re-reads after any change', async () => {
    const store = current();
    const { reads, authenticate, insertKey, fixture } = await setUp(store);
    const secret = await insertKey(1);
    for (let i = 0; i < 3; i++) expect((await authenticate({ token: secret, ip: null })).ok).toBe(true);
    expect(reads).toHaveLength(1);
    await store.apiKeys.flag(fixture.workspace.id, 'key_1', { at: AT, reason: 'budget' });
    expect((await authenticate({ token: secret, ip: null })).ok).toBe(true);
    expect(reads).toHaveLength(2);
    await store.transaction((repos) => repos.apiKeys.revoke(fixture.workspace.id, 'key_1', AT));
    const refused = await authenticate({ token: secret, ip: null });
    expect(refused.ok ? null : refused.error.reason).toBe('revoked');
    expect(reads).toHaveLength(3);
  });

  it('50 concurrent calls share two epoch reads, and a revocation committed before a call is never missed', async () => {
    const store = current();
    const { epochReads, authenticate, insertKey, fixture } = await setUp(store);
    const secret = await insertKey(1);
    await authenticate({ token: secret, ip: null });
    epochReads.count = 0;
    const burst = await Promise.all(
      Array.from({ length: 50 }, () => authenticate({ token: secret, ip: null })),
    );
    expect(burst.every((r) => r.ok)).toBe(true);
    expect(epochReads.count).toBe(2);
    // A burst in flight while the key is revoked: the calls sent after the commit are refused.
    const inFlight = Array.from({ length: 50 }, () => authenticate({ token: secret, ip: null }));
    await store.transaction((repos) => repos.apiKeys.revoke(fixture.workspace.id, 'key_1', AT));
    const after = await Promise.all(
      Array.from({ length: 50 }, () => authenticate({ token: secret, ip: null })),
    );
    expect(after.map((r) => (r.ok ? 'ok' : r.error.reason))).toEqual(Array(50).fill('revoked'));
    await Promise.all(inFlight);
  });

  it('a key minted after a lookup missed it authenticates at once (misses are not kept)', async () => {
    const { authenticate, insertKey } = await setUp(current());
    const unknown = await authenticate({ token: generateApiKey('development', cryptoRandom), ip: null });
    expect(unknown.ok ? null : unknown.error.reason).toBe('unknown');
    const secret = await insertKey(2);
    expect((await authenticate({ token: secret, ip: null })).ok).toBe(true);
  });

  it('keeps no more than its bound, dropping the least recently used', async () => {
    const { reads, authenticate, insertKey } = await setUp(current(), 2);
    const secrets = [await insertKey(1), await insertKey(2), await insertKey(3)];
    for (const secret of secrets) await authenticate({ token: secret, ip: null });
    expect(reads).toHaveLength(3);
    await authenticate({ token: secrets[2]!, ip: null });
    await authenticate({ token: secrets[1]!, ip: null });
    expect(reads).toHaveLength(3);
    await authenticate({ token: secrets[0]!, ip: null });
    expect(reads).toHaveLength(4);
  });

  it("shows this process's last-use stamp without a re-read, since a stamp moves no epoch", async () => {
    const { reads, authenticate, insertKey, cache } = await setUp(current());
    const secret = await insertKey(1);
    await authenticate({ token: secret, ip: null });
    await cache.keyUse.apiKeys.recordUse('key_1', { at: AT, ip: '10.1.2.3', client: 'cursor' });
    const seen = await authenticate({ token: secret, ip: null });
    expect(seen.ok && seen.value.credential).toMatchObject({
      lastUsedAt: AT,
      lastUsedIp: '10.1.2.3',
      lastUsedClient: 'cursor',
    });
    expect(reads).toHaveLength(1);
  });
});
