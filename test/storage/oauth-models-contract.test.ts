/**
 * The authorization server's storage contract on SQLite and PostgreSQL: oidc-provider's
 * objects found by id, uid and user code until they expire, consumed exactly once even by
 * concurrent callers on separate connections, revoked by grant; and the registration rate
 * limit, which concurrent registrations on several instances cannot overshoot.
 */
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/storage/index.js';
import { createTestDatabase, describeEachStore, type StoreKind, storeKinds } from '../support/stores.js';

const T0 = '2026-11-27T10:00:00.000Z';
const T1 = '2026-11-27T10:05:00.000Z';
const T2 = '2026-11-27T10:10:00.000Z';
const T0_SECONDS = Date.parse(T0) / 1000;
let counter = 0;
const id = (prefix: string) => `${prefix}_${String(++counter).padStart(8, '0')}`;

const token = (grantId: string, extra: Record<string, unknown> = {}) => ({
  jti: id('jti'),
  kind: 'RefreshToken',
  clientId: 'client-a',
  accountId: 'mbr_1',
  grantId,
  scope: 'tasks:read offline_access',
  exp: T0_SECONDS + 600,
  ...extra,
});

describeEachStore('oauth model storage', (current) => {
  it('finds a payload by model and id, and not under another model', async () => {
    const payload = token('grt_1', { extra: { nested: [1, 'two', null] } });
    await current().oauthModels.upsert('RefreshToken', payload.jti, payload, T2);
    expect(await current().oauthModels.find('RefreshToken', payload.jti, T0)).toEqual(payload);
    expect(await current().oauthModels.find('AccessToken', payload.jti, T0)).toBeUndefined();
    expect(await current().oauthModels.find('RefreshToken', 'missing', T0)).toBeUndefined();
  });

  it('finds nothing once expires_at is reached, and never expires a row without one', async () => {
    await current().oauthModels.upsert('AuthorizationCode', 'code-1', token('grt_1'), T1);
    await current().oauthModels.upsert('Client', 'client-a', { client_id: 'client-a' }, null);
    expect(await current().oauthModels.find('AuthorizationCode', 'code-1', T0)).toBeDefined();
    expect(await current().oauthModels.find('AuthorizationCode', 'code-1', T1)).toBeUndefined();
    expect(await current().oauthModels.find('AuthorizationCode', 'code-1', T2)).toBeUndefined();
    expect(await current().oauthModels.find('Client', 'client-a', '2999-01-01T00:00:00.000Z')).toEqual({
      client_id: 'client-a',
    });
  });

  it('finds sessions by uid and device codes by user code, per model, until they expire', async () => {
    const session = { jti: 'ses-1', uid: 'uid-1', accountId: 'mbr_1' };
    const device = { jti: 'dev-1', userCode: 'ABCD-EFGH', grantId: 'grt_1' };
    await current().oauthModels.upsert('Session', 'ses-1', session, T2);
    await current().oauthModels.upsert('DeviceCode', 'dev-1', device, T1);
    expect(await current().oauthModels.findByUid('Session', 'uid-1', T0)).toEqual(session);
    expect(await current().oauthModels.findByUid('Interaction', 'uid-1', T0)).toBeUndefined();
    expect(await current().oauthModels.findByUserCode('DeviceCode', 'ABCD-EFGH', T0)).toEqual(device);
    expect(await current().oauthModels.findByUserCode('DeviceCode', 'ABCD-EFGH', T1)).toBeUndefined();
    expect(await current().oauthModels.findByUid('Session', 'uid-1', T2)).toBeUndefined();
  });

  it('replaces the payload, lookup columns and expiry of an existing row', async () => {
    await current().oauthModels.upsert('Session', 'ses-1', { uid: 'uid-old', n: 1 }, T1);
    await current().oauthModels.upsert('Session', 'ses-1', { uid: 'uid-new', n: 2 }, T2);
    expect(await current().oauthModels.findByUid('Session', 'uid-old', T0)).toBeUndefined();
    expect(await current().oauthModels.findByUid('Session', 'uid-new', T1)).toEqual({ uid: 'uid-new', n: 2 });
  });

  it('consumes once: the second call and a missing row get false', async () => {
    const payload = token('grt_1');
    await current().oauthModels.upsert('RefreshToken', payload.jti, payload, T2);
    expect(await current().oauthModels.consume('RefreshToken', payload.jti, T1)).toBe(true);
    expect(await current().oauthModels.consume('RefreshToken', payload.jti, T2)).toBe(false);
    expect(await current().oauthModels.consume('RefreshToken', 'missing', T1)).toBe(false);
    expect(await current().oauthModels.find('RefreshToken', payload.jti, T1)).toEqual({
      ...payload,
      consumed: Date.parse(T1) / 1000,
    });
  });

  it('refuses to revive a consumed refresh token by saving it again', async () => {
    const payload = token('grt_1');
    await current().oauthModels.upsert('RefreshToken', payload.jti, payload, T2);
    await current().oauthModels.consume('RefreshToken', payload.jti, T1);
    await current().oauthModels.upsert('RefreshToken', payload.jti, { ...payload, scope: 'x' }, T2);
    expect(await current().oauthModels.find('RefreshToken', payload.jti, T1)).toMatchObject({
      scope: 'x',
      consumed: Date.parse(T1) / 1000,
    });
    expect(await current().oauthModels.consume('RefreshToken', payload.jti, T2)).toBe(false);
  });

  it('keeps `consumed` given in a payload in the consumption column', async () => {
    const payload = token('grt_1', { consumed: T0_SECONDS });
    await current().oauthModels.upsert('AuthorizationCode', 'code-1', payload, T2);
    expect(await current().oauthModels.find('AuthorizationCode', 'code-1', T1)).toEqual(payload);
    expect(await current().oauthModels.consume('AuthorizationCode', 'code-1', T1)).toBe(false);
  });

  it('destroys one row only', async () => {
    await current().oauthModels.upsert('AccessToken', 'a', token('grt_1'), T2);
    await current().oauthModels.upsert('RefreshToken', 'a', token('grt_1'), T2);
    await current().oauthModels.destroy('AccessToken', 'a');
    await current().oauthModels.destroy('AccessToken', 'missing');
    expect(await current().oauthModels.find('AccessToken', 'a', T0)).toBeUndefined();
    expect(await current().oauthModels.find('RefreshToken', 'a', T0)).toBeDefined();
  });

  it('revokes every code and token of a grant, whatever its model, and nothing of another grant', async () => {
    for (const model of ['AccessToken', 'RefreshToken', 'AuthorizationCode']) {
      await current().oauthModels.upsert(model, `${model}-1`, token('grt_1'), T2);
    }
    await current().oauthModels.upsert('AccessToken', 'other', token('grt_2'), T2);
    await current().oauthModels.upsert('Grant', 'grt_1', { jti: 'grt_1', accountId: 'mbr_1' }, T2);
    expect(await current().oauthModels.revokeByGrantId('grt_1')).toBe(3);
    expect(await current().oauthModels.find('RefreshToken', 'RefreshToken-1', T0)).toBeUndefined();
    expect(await current().oauthModels.find('AccessToken', 'other', T0)).toBeDefined();
    // The grant itself is oidc-provider's to destroy (revokeGrantPolicy), by id.
    expect(await current().oauthModels.find('Grant', 'grt_1', T0)).toBeDefined();
    expect(await current().oauthModels.revokeByGrantId('grt_1')).toBe(0);
  });

  it('prunes expired rows only and says how many', async () => {
    await current().oauthModels.upsert('AccessToken', 'old', token('grt_1'), T0);
    await current().oauthModels.upsert('AccessToken', 'edge', token('grt_1'), T1);
    await current().oauthModels.upsert('AccessToken', 'live', token('grt_1'), T2);
    await current().oauthModels.upsert('Client', 'client-a', { client_id: 'client-a' }, null);
    expect(await current().oauthModels.pruneExpired(T1)).toBe(2);
    expect(await current().oauthModels.find('AccessToken', 'live', T1)).toBeDefined();
    expect(await current().oauthModels.find('Client', 'client-a', T2)).toBeDefined();
    expect(await current().oauthModels.pruneExpired(T1)).toBe(0);
  });

  it('admits registrations per address up to the limit within the window', async () => {
    const regs = current().oauthRegistrations;
    const window = { since: T0, limit: 2 };
    const admit = (ip: string | null, at = T1) => regs.admit({ id: id('dcr'), ip, at }, window);
    expect(
      await regs.admit({ id: id('dcr'), ip: '203.0.113.7', at: '2026-11-27T09:00:00.000Z' }, window),
    ).toBe(true);
    expect([await admit('203.0.113.7'), await admit('203.0.113.7'), await admit('203.0.113.7')]).toEqual([
      true,
      true,
      false,
    ]);
    expect([await admit('198.51.100.1'), await admit(null), await admit(null), await admit(null)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(await regs.count('203.0.113.7', T0)).toBe(2);
    expect(await regs.count(null, T0)).toBe(2);
    expect(await regs.deleteBefore(T0)).toBe(1);
    expect(await regs.count('203.0.113.7', '2000-01-01T00:00:00.000Z')).toBe(2);
  });

  it('admits within a caller transaction, and rolls back with it', async () => {
    const ip = '203.0.113.9';
    await current()
      .transaction(async (repos) => {
        expect(
          await repos.oauthRegistrations.admit({ id: id('dcr'), ip, at: T1 }, { since: T0, limit: 1 }),
        ).toBe(true);
        throw new Error('abort');
      })
      .catch(() => undefined);
    expect(await current().oauthRegistrations.count(ip, T0)).toBe(0);
  });
});

/** Two stores on one database: two SQLite connections to one file, or two PostgreSQL pools. */
async function withTwoInstances(kind: StoreKind, work: (stores: readonly Store[]) => Promise<void>) {
  const database = await createTestDatabase(kind);
  const first = await openStore(database.url);
  const second = await openStore(database.url);
  try {
    await work([first, second]);
  } finally {
    await first.close();
    await second.close();
    await database.drop();
  }
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(`oauth storage across instances [${kind}]`, () => {
    it('lets exactly one of 50 concurrent consume calls win (code replay, parallel refresh)', async () => {
      await withTwoInstances(kind, async (stores) => {
        const payload = token('grt_1');
        await stores[0]!.oauthModels.upsert('RefreshToken', payload.jti, payload, T2);
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            stores[i % 2]!.oauthModels.consume('RefreshToken', payload.jti, T1),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    it('never admits more than the limit from 30 concurrent registrations', async () => {
      await withTwoInstances(kind, async (stores) => {
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            stores[i % 2]!.oauthRegistrations.admit(
              { id: id('dcr'), ip: '203.0.113.7', at: T1 },
              { since: T0, limit: 10 },
            ),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(10);
        expect(await stores[0]!.oauthRegistrations.count('203.0.113.7', T0)).toBe(10);
      });
    });
  });
}
