/**
 * Key lifecycle on both stores: stored only as a hash, listed without the secret, rotation
 * with a grace window, revocation, expiry, and a checksum typo refused before any lookup.
 */
import { expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import { createIdGenerator, createManualClock, cryptoRandom } from '../../src/core/index.js';
import { createAuthenticator, createKeyService, hashApiKey } from '../../src/credentials/index.js';
import { createDomain } from '../../src/domain/index.js';
import type { Store } from '../../src/storage/index.js';
import { describeEachStore } from '../support/stores.js';

async function setup(store: Store) {
  const clock = createManualClock(new Date('2026-11-02T09:00:00.000Z'));
  const ids = createIdGenerator(clock, cryptoRandom);
  const domain = createDomain({ store, clock, ids });
  const { workspace, owner } = await domain.workspaces.create({
    workspace: 'acme',
    owner: 'owner@acme.test',
  });
  await domain.projects.create(
    { workspaceId: workspace.id, memberId: owner.id, role: 'owner', via: 'cli' },
    { key: 'APO', name: 'Apollo' },
  );
  const keys = createKeyService({
    store,
    clock,
    random: cryptoRandom,
    ids,
    audit: createAuditLog({ store, clock, ids }),
  });
  const authenticate = createAuthenticator({ store, clock });
  return { clock, keys, authenticate, workspace };
}

describeEachStore('key lifecycle', (current) => {
  it('stores only the SHA-256 of a key and never lists the secret', async () => {
    const { keys, workspace } = await setup(current());
    const issued = await keys.create({
      workspace: 'acme',
      name: 'cursor-work-laptop',
      environment: 'development',
    });
    const stored = await current().apiKeys.findByHash(hashApiKey(issued.secret));
    expect(stored?.name).toBe('cursor-work-laptop');
    expect(JSON.stringify(await current().apiKeys.list(workspace.id))).not.toContain(issued.secret);
    expect(JSON.stringify(await keys.list('acme'))).not.toContain(issued.secret.slice(12, 36));
    expect(issued.key.display).toBe(`${issued.secret.slice(0, 11)}…${issued.secret.slice(-4)}`);
    const [created] = await current().audit.list(workspace.id, { limit: 1 });
    expect(created).toMatchObject({ action: 'key.created', credentialName: 'cursor-work-laptop' });
    expect(JSON.stringify(created)).not.toContain(issued.secret);
  });

  it('refuses a second current key with the same name, and frees the name on revoke', async () => {
    const { keys } = await setup(current());
    const input = { workspace: 'acme', name: 'cursor-work-laptop', environment: 'development' as const };
    await keys.create(input);
    await expect(keys.create(input)).rejects.toMatchObject({ code: 'invalid_input' });
    await keys.revoke('acme', 'cursor-work-laptop');
    await expect(keys.create(input)).resolves.toBeDefined();
  });

  it('refuses a key whose environment does not match its workspace, naming both', async () => {
    const { keys } = await setup(current());
    await expect(
      keys.create({ workspace: 'acme', name: 'cursor-work-laptop', environment: 'production' }),
    ).rejects.toMatchObject({ publicMessage: expect.stringContaining('workspace acme is development') });
  });

  it('reports rotation due and overdue under the workspace policy', async () => {
    const { keys, clock } = await setup(current());
    await keys.create({ workspace: 'acme', name: 'cursor-work-laptop', environment: 'development' });
    expect((await keys.show('acme', 'cursor-work-laptop')).rotation.state).toBe('ok');
    clock.advance(85 * 86_400_000);
    expect((await keys.show('acme', 'cursor-work-laptop')).rotation.state).toBe('due_soon');
    clock.advance(6 * 86_400_000);
    const view = await keys.show('acme', 'cursor-work-laptop');
    expect(view).toMatchObject({ status: 'expired', rotation: { state: 'overdue' } });
  });

  it('rotates into a new key with the same rights and a grace window for the old one', async () => {
    const { keys, clock, authenticate } = await setup(current());
    const old = await keys.create({
      workspace: 'acme',
      name: 'cursor-work-laptop',
      environment: 'development',
      scopes: 'tasks:write',
      projects: 'APO',
    });
    const rotated = await keys.rotate('acme', 'cursor-work-laptop', { graceHours: 1 });
    expect(rotated.key).toMatchObject({
      scopes: old.key.scopes,
      projects: ['APO'],
      replaces: old.key.id,
      status: 'active',
    });
    expect(rotated.old).toMatchObject({
      status: 'grace',
      grace: { remainingSeconds: 3600, stillInUse: false },
    });
    expect((await authenticate({ token: old.secret, ip: '127.0.0.1' })).ok).toBe(true);
    clock.advance(3_600_000);
    expect(await authenticate({ token: old.secret, ip: '127.0.0.1' })).toMatchObject({
      ok: false,
      error: { reason: 'rotated' },
    });
    await expect(keys.rotate('acme', old.key.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('refuses a checksum typo without touching the database', async () => {
    const store = current();
    const { keys, clock } = await setup(store);
    const issued = await keys.create({
      workspace: 'acme',
      name: 'cursor-work-laptop',
      environment: 'development',
    });
    let lookups = 0;
    const counting: Store = {
      ...store,
      apiKeys: {
        ...store.apiKeys,
        findOwnedByHash: (hash) => {
          lookups++;
          return store.apiKeys.findOwnedByHash(hash);
        },
      },
    };
    const authenticate = createAuthenticator({ store: counting, clock });
    const typo = `${issued.secret.slice(0, 10)}${issued.secret[10] === 'Q' ? 'R' : 'Q'}${issued.secret.slice(11)}`;
    expect(await authenticate({ token: typo, ip: null })).toMatchObject({
      ok: false,
      error: { reason: 'bad_checksum' },
    });
    expect(lookups).toBe(0);
    expect((await authenticate({ token: issued.secret, ip: null })).ok).toBe(true);
    expect(lookups).toBe(1);
  });

  it('keeps a short-lived key short-lived across rotation', async () => {
    const { keys, clock } = await setup(current());
    await keys.create({
      workspace: 'acme',
      name: 'cursor-work-laptop',
      environment: 'development',
      expiresIn: '30d',
    });
    clock.advance(86_400_000);
    const rotated = await keys.rotate('acme', 'cursor-work-laptop');
    expect(Date.parse(rotated.key.expiresAt) - clock.now().getTime()).toBe(30 * 86_400_000);
  });
});
