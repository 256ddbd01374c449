/**
 * oidc-provider's adapter over the shared store: lifetimes from the injected clock, clients
 * that never expire, and single use that holds when requests race — through the adapter
 * directly, and through the real token endpoint of two provider instances on one database.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type AdapterConstructor, errors } from 'oidc-provider';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, systemClock } from '../../src/core/index.js';
import { createOidcAdapter } from '../../src/oauth/adapter.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { createTestDatabase, describeEachStore, storeKinds, type TestDatabase } from '../support/stores.js';

const START = new Date('2026-11-27T10:00:00.000Z');

describeEachStore('oidc adapter', (current) => {
  it('expires a saved object after expiresIn seconds of the injected clock', async () => {
    const clock = createManualClock(START);
    const codes = new (createOidcAdapter({ store: current(), clock }))('AuthorizationCode');
    await codes.upsert('code-1', { jti: 'code-1', grantId: 'grt_1' }, 60);
    clock.advance(59_999);
    expect(await codes.find('code-1')).toEqual({ jti: 'code-1', grantId: 'grt_1' });
    clock.advance(1);
    expect(await codes.find('code-1')).toBeUndefined();
  });

  it('keeps a client saved without a lifetime', async () => {
    const clock = createManualClock(START);
    const clients = new (createOidcAdapter({ store: current(), clock }))('Client');
    await clients.upsert('client-a', { client_id: 'client-a', redirect_uris: ['http://127.0.0.1/cb'] });
    clock.advance(10 * 365 * 24 * 3600 * 1000);
    expect(await clients.find('client-a')).toMatchObject({ client_id: 'client-a' });
  });

  it('finds by uid and user code, and revokes every token of a grant', async () => {
    const Adapter = createOidcAdapter({ store: current(), clock: createManualClock(START) });
    await new Adapter('Session').upsert('ses-1', { uid: 'uid-1', accountId: 'mbr_1' }, 60);
    await new Adapter('DeviceCode').upsert('dev-1', { userCode: 'WXYZ-1234', grantId: 'grt_1' }, 60);
    await new Adapter('AccessToken').upsert('at-1', { grantId: 'grt_1' }, 60);
    expect(await new Adapter('Session').findByUid('uid-1')).toEqual({ uid: 'uid-1', accountId: 'mbr_1' });
    expect(await new Adapter('DeviceCode').findByUserCode('WXYZ-1234')).toMatchObject({ grantId: 'grt_1' });
    await new Adapter('AccessToken').revokeByGrantId('grt_1');
    expect(await new Adapter('AccessToken').find('at-1')).toBeUndefined();
    expect(await new Adapter('DeviceCode').find('dev-1')).toBeUndefined();
    await new Adapter('Session').destroy('ses-1');
    expect(await new Adapter('Session').findByUid('uid-1')).toBeUndefined();
  });

  it('refuses a replayed authorization code with invalid_grant', async () => {
    const clock = createManualClock(START);
    const codes = new (createOidcAdapter({ store: current(), clock }))('AuthorizationCode');
    await codes.upsert('code-1', { jti: 'code-1' }, 60);
    await codes.consume('code-1');
    expect(await codes.find('code-1')).toEqual({ jti: 'code-1', consumed: START.getTime() / 1000 });
    await expect(codes.consume('code-1')).rejects.toBeInstanceOf(errors.InvalidGrant);
    await expect(codes.consume('missing')).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('lets one of 50 racing consumers of a refresh token through and refuses the rest', async () => {
    const tokens = new (createOidcAdapter({ store: current(), clock: systemClock }))('RefreshToken');
    await tokens.upsert('rt-1', { jti: 'rt-1', grantId: 'grt_1' }, 600);
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => tokens.consume('rt-1')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(49);
    for (const r of refused) expect(r.reason).toBeInstanceOf(errors.InvalidGrant);
  });
});

const ISSUER = 'http://127.0.0.1/oauth';
const CLIENT_ID = 'race-client';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

interface Instance {
  readonly store: Store;
  readonly provider: Provider;
  readonly server: Server;
  readonly tokenUrl: string;
}

async function startInstance(url: string): Promise<Instance> {
  const store = await openStore(url);
  const adapter: AdapterConstructor = createOidcAdapter({ store, clock: systemClock });
  const provider = new Provider(ISSUER, {
    adapter,
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    findAccount: async (_ctx, accountId) => ({ accountId, claims: async () => ({ sub: accountId }) }),
    features: { devInteractions: { enabled: false } },
    rotateRefreshToken: true,
    ttl: { AccessToken: 600, Grant: 3600, RefreshToken: 3600 },
    scopes: ['offline_access', 'tasks:read'],
  });
  const server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { store, provider, server, tokenUrl: `http://127.0.0.1:${port}/token` };
}

async function stopInstance(instance: Instance) {
  await new Promise<void>((resolve) => instance.server.close(() => resolve()));
  await instance.store.close();
}

/** A client, a grant and a refresh token saved through the first instance's models. */
async function issueRefreshToken(provider: Provider): Promise<string> {
  const client = await provider.Client.find(CLIENT_ID);
  if (!client) throw new Error('client not stored');
  const grant = new provider.Grant({ clientId: CLIENT_ID, accountId: 'mbr_1' });
  grant.addOIDCScope('offline_access');
  grant.addResourceScope(ISSUER, 'tasks:read');
  const grantId = await grant.save();
  const token = new provider.RefreshToken({
    client,
    accountId: 'mbr_1',
    grantId,
    gty: 'authorization_code',
    scope: 'offline_access',
  });
  return token.save();
}

const refresh = (tokenUrl: string, refreshToken: string) =>
  fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: CLIENT_ID,
    }),
  }).then(async (response) => ({
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
  }));

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(!storeKinds().includes(kind))(
    `oidc-provider token endpoint on two instances sharing one database [${kind}]`,
    () => {
      let database: TestDatabase;
      let instances: Instance[] = [];

      beforeEach(async () => {
        database = await createTestDatabase(kind);
        instances = [await startInstance(database.url), await startInstance(database.url)];
        // A pre-registered public client, stored like a DCR one: through the adapter.
        await instances[0]!.store.oauthModels.upsert(
          'Client',
          CLIENT_ID,
          {
            client_id: CLIENT_ID,
            redirect_uris: [REDIRECT_URI],
            grant_types: ['authorization_code', 'refresh_token'],
            token_endpoint_auth_method: 'none',
          },
          null,
        );
      });

      afterEach(async () => {
        for (const instance of instances) await stopInstance(instance);
        instances = [];
        await database.drop();
      });

      // On PostgreSQL the two requests interleave between their queries, so both read the token
      // unconsumed and the adapter's consume decides (this copy fails if consume does not throw).
      // SQLite answers in one process without yielding to the other request's socket.
      it('answers exactly one of two parallel refreshes with the same token and refuses the other', async () => {
        const refreshToken = await issueRefreshToken(instances[0]!.provider);
        const results = await Promise.all(instances.map((i) => refresh(i.tokenUrl, refreshToken)));
        const won = results.filter((r) => r.status === 200);
        const lost = results.filter((r) => r.status !== 200);
        expect(won).toHaveLength(1);
        expect(won[0]!.body.refresh_token).toEqual(expect.any(String));
        expect(lost).toEqual([{ status: 400, body: expect.objectContaining({ error: 'invalid_grant' }) }]);
      });
    },
  );
}
