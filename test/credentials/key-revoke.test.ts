/**
 * Revoking what the user means, on both stores: a revoke by name ends the whole rotation
 * family (the old key in grace and its replacement), `only` ends exactly one key id, and a
 * leaked key rotated with `leaked` gets no grace. Each revoked key leaves one `key.revoked`
 * that names its family, as `incident contain` does.
 */
import { expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import { createIdGenerator, createManualClock, cryptoRandom } from '../../src/core/index.js';
import { createAuthenticator, createKeyService } from '../../src/credentials/index.js';
import { createDomain } from '../../src/domain/index.js';
import { createIncidentContain } from '../../src/incident/index.js';
import type { Store } from '../../src/storage/index.js';
import { describeEachStore } from '../support/stores.js';

const NAME = 'cursor-work-laptop';

async function setup(store: Store) {
  const clock = createManualClock(new Date('2026-11-02T09:00:00.000Z'));
  const ids = createIdGenerator(clock, cryptoRandom);
  const domain = createDomain({ store, clock, ids });
  const { workspace } = await domain.workspaces.create({ workspace: 'acme', owner: 'owner@acme.test' });
  await domain.workspaces.create({ workspace: 'other', owner: 'owner@other.test' });
  const audit = createAuditLog({ store, clock, ids });
  const keys = createKeyService({ store, clock, random: cryptoRandom, ids, audit });
  const authenticate = createAuthenticator({ store, clock });
  const works = async (secret: string) => (await authenticate({ token: secret, ip: null })).ok;
  const refusal = async (secret: string) => {
    const result = await authenticate({ token: secret, ip: null });
    return result.ok ? 'accepted' : result.error.reason;
  };
  const events = async (action: string) =>
    (await store.audit.list(workspace.id, { action, limit: 100, order: 'asc' })).map((e) => ({
      credentialId: e.credentialId,
      detail: e.detail,
    }));
  return { clock, keys, audit, workspace, works, refusal, events };
}

async function rotatedPair(keys: ReturnType<typeof createKeyService>) {
  const old = await keys.create({ workspace: 'acme', name: NAME, environment: 'development' });
  const rotated = await keys.rotate('acme', NAME);
  return { old, rotated };
}

describeEachStore('keys revoke', (current) => {
  it('refuses the rotated-out key in its grace once its name is revoked', async () => {
    const { keys, works, refusal, events } = await setup(current());
    const { old, rotated } = await rotatedPair(keys);
    expect(await works(old.secret)).toBe(true);

    const result = await keys.revoke('acme', NAME);
    expect(result.revoked.map((k) => k.id)).toEqual([old.key.id, rotated.key.id]);
    expect(result.revoked.map((k) => k.status)).toEqual(['revoked', 'revoked']);
    expect(await refusal(old.secret)).toBe('revoked');
    expect(await refusal(rotated.secret)).toBe('revoked');
    const family = { name: NAME, keys: [old.key.id, rotated.key.id] };
    expect(await events('key.revoked')).toEqual([
      { credentialId: old.key.id, detail: { by: 'keys.revoke', family } },
      { credentialId: rotated.key.id, detail: { by: 'keys.revoke', family } },
    ]);
  });

  it('refuses the replacement too when the old key is revoked by its id', async () => {
    const { keys, refusal } = await setup(current());
    const { old, rotated } = await rotatedPair(keys);
    await keys.revoke('acme', old.key.id);
    expect(await refusal(rotated.secret)).toBe('revoked');
    expect(await refusal(old.secret)).toBe('revoked');
  });

  it('revokes exactly one key id with only, leaving the rest of its family working', async () => {
    const { keys, works, refusal, events } = await setup(current());
    const { old, rotated } = await rotatedPair(keys);
    const result = await keys.revoke('acme', rotated.key.id, { only: true });
    expect(result.revoked.map((k) => k.id)).toEqual([rotated.key.id]);
    expect(await refusal(rotated.secret)).toBe('revoked');
    expect(await works(old.secret)).toBe(true);
    expect(await events('key.revoked')).toEqual([
      { credentialId: rotated.key.id, detail: { by: 'keys.revoke', only: true } },
    ]);
    await expect(keys.revoke('acme', rotated.key.id, { only: true })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('refuses only with a malformed, unknown or foreign key id, changing nothing', async () => {
    const store = current();
    const { keys, works, workspace } = await setup(store);
    const { old, rotated } = await rotatedPair(keys);
    const foreign = await keys.create({ workspace: 'other', name: NAME, environment: 'development' });
    const before = await store.audit.list(workspace.id, { limit: 100 });
    const unknown = `key_${'0'.repeat(26)}`;
    for (const [ref, code] of [
      [NAME, 'invalid_input'],
      [`${rotated.key.id} `, 'invalid_input'],
      [`${rotated.key.id}x`, 'invalid_input'],
      [rotated.key.id.toLowerCase(), 'invalid_input'],
      ['con_01M8E75C20F2Z4E9W7SX402VQE', 'invalid_input'],
      [unknown, 'not_found'],
      [foreign.key.id, 'not_found'],
    ] as const) {
      await expect(keys.revoke('acme', ref, { only: true }), ref).rejects.toMatchObject({ code });
    }
    expect(await store.audit.list(workspace.id, { limit: 100 })).toEqual(before);
    for (const secret of [old.secret, rotated.secret, foreign.secret]) expect(await works(secret)).toBe(true);
  });

  it('refuses a second revoke of a name whose keys are all revoked', async () => {
    const { keys } = await setup(current());
    await rotatedPair(keys);
    await keys.revoke('acme', NAME);
    await expect(keys.revoke('acme', NAME)).rejects.toMatchObject({ code: 'conflict' });
    await expect(keys.revoke('acme', 'nobody-anywhere')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('records the same key.revoked for incident contain, with the family noted', async () => {
    const store = current();
    const { keys, audit, clock, workspace, events } = await setup(store);
    const { old, rotated } = await rotatedPair(keys);
    await createIncidentContain({ store, audit, clock })(workspace, NAME);
    const family = { name: NAME, keys: [old.key.id, rotated.key.id] };
    expect(await events('key.revoked')).toEqual([
      { credentialId: old.key.id, detail: { by: 'incident.contained', family } },
      { credentialId: rotated.key.id, detail: { by: 'incident.contained', family } },
    ]);
  });
});

describeEachStore('keys rotate --leaked', (current) => {
  it('refuses the leaked key at once, with no grace, and accepts only its replacement', async () => {
    const { keys, works, refusal, events } = await setup(current());
    const leaked = await keys.create({ workspace: 'acme', name: NAME, environment: 'development' });
    const rotated = await keys.rotate('acme', NAME, { leaked: true });
    expect(rotated.old.status).toBe('revoked');
    expect(rotated.revoked.map((k) => k.id)).toEqual([leaked.key.id]);
    expect(await refusal(leaked.secret)).toBe('revoked');
    expect(await works(rotated.secret)).toBe(true);
    expect(await events('key.revoked')).toEqual([
      {
        credentialId: leaked.key.id,
        detail: { by: 'keys.rotate', reason: 'leaked', family: { name: NAME, keys: [leaked.key.id] } },
      },
    ]);
    expect(await events('key.rotated')).toEqual([
      {
        credentialId: rotated.key.id,
        detail: { replaces: leaked.key.id, graceUntil: rotated.old.grace?.until, leaked: true },
      },
    ]);
  });

  it('refuses an earlier key still in its grace too, so only the new secret works', async () => {
    const { keys, works, refusal } = await setup(current());
    const { old, rotated } = await rotatedPair(keys);
    const again = await keys.rotate('acme', NAME, { leaked: true });
    expect(again.revoked.map((k) => k.id)).toEqual([old.key.id, rotated.key.id]);
    expect(await refusal(old.secret)).toBe('revoked');
    expect(await refusal(rotated.secret)).toBe('revoked');
    expect(await works(again.secret)).toBe(true);
  });

  it('refuses leaked combined with a grace, changing nothing', async () => {
    const store = current();
    const { keys, works, workspace } = await setup(store);
    const issued = await keys.create({ workspace: 'acme', name: NAME, environment: 'development' });
    const before = await store.audit.list(workspace.id, { limit: 100 });
    for (const graceHours of [0, 24]) {
      await expect(keys.rotate('acme', NAME, { leaked: true, graceHours })).rejects.toMatchObject({
        code: 'invalid_input',
        detail: { fields: [{ field: 'grace', message: expect.stringContaining('no grace') }] },
      });
    }
    expect(await store.audit.list(workspace.id, { limit: 100 })).toEqual(before);
    expect(await works(issued.secret)).toBe(true);
    expect((await keys.list('acme')).map((k) => k.status)).toEqual(['active']);
  });
});

describeEachStore('keys revoke racing a rotation', (current) => {
  it('leaves no key of the name working once a revoke returns, even with a rotation racing it', async () => {
    const { keys, works } = await setup(current());
    for (let round = 0; round < 20; round++) {
      const name = `cursor-laptop-${round}`;
      const first = await keys.create({ workspace: 'acme', name, environment: 'development' });
      const [rotation, revocation] = await Promise.allSettled([
        keys.rotate('acme', name),
        keys.revoke('acme', name),
      ]);
      expect(revocation.status).toBe('fulfilled');
      expect(await works(first.secret)).toBe(false);
      // The rotation either ran first (and its new key was revoked with the family) or was refused.
      if (rotation.status === 'fulfilled') expect(await works(rotation.value.secret), name).toBe(false);
      else expect(rotation.reason).toMatchObject({ code: 'conflict' });
    }
  });
});
