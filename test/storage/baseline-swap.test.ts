/**
 * `keyBaselines.swap` on PostgreSQL (src/storage/kysely/anomaly.ts): a baseline is written only
 * if its stored state and its workspace's rules are still what the caller read — each row on
 * its own, one statement, and a swap that waited for a lock holder compares what it committed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/storage/index.js';
import { createDomainFixture, type DomainFixture } from '../support/domain-fixture.js';
import { keyRecord } from '../support/key-records.js';
import { postgresUrl } from '../support/postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/stores.js';

const AT = '2026-11-02T09:30:00.000Z';
const SECTION = 'anomalyRules';
// Glued text where the stored JSON could be altered on its way: quotes, backslashes, an escape
// sequence's text, a newline, an emoji, a bidi control and the JSON parameter's own syntax.
const GLUED = JSON.stringify({ clients: [`a"b'c\\d\\u0000e`, 'line\nbreak', '🙂\u202e', '"},{"x":1'] });

describe.skipIf(!postgresUrl())('baseline compare-and-set [postgres]', () => {
  let database: TestDatabase;
  let store: Store;
  let fixture: DomainFixture;
  let swap: NonNullable<Store['keyBaselines']['swap']>;
  const row = (id: string, previous: string, state: string, settings: string | null = null) => ({
    workspaceId: fixture.workspace.id,
    credentialId: id,
    state,
    lastSeenAt: AT,
    previous,
    settings,
  });
  const stateOf = async (id: string) => (await store.keyBaselines.find(id))?.state;

  beforeEach(async () => {
    database = await createTestDatabase('postgres');
    store = await openStore(database.url);
    fixture = await createDomainFixture(store);
    for (const id of ['key_a', 'key_b'])
      await store.apiKeys.insert(
        keyRecord({ id, workspaceId: fixture.workspace.id, memberId: fixture.members.member.id, hash: id }),
      );
    await store.keyBaselines.upsert(
      ['key_a', 'key_b'].map((id) => ({
        workspaceId: fixture.workspace.id,
        credentialId: id,
        state: GLUED,
        lastSeenAt: AT,
      })),
    );
    swap = store.keyBaselines.swap!;
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  it('writes when the stored state is what was read, glued text compared exactly', async () => {
    expect(await swap([row('key_a', GLUED, '{"calls":1}')], SECTION)).toEqual(new Set(['key_a']));
    expect(await stateOf('key_a')).toBe('{"calls":1}');
  });

  it('a stale read changes nothing: another writer moved the state, each row judged alone', async () => {
    await store.keyBaselines.upsert([
      { workspaceId: fixture.workspace.id, credentialId: 'key_b', state: '{"calls":9}', lastSeenAt: AT },
    ]);
    const written = await swap(
      [row('key_a', GLUED, '{"calls":1}'), row('key_b', GLUED, '{"calls":1}')],
      SECTION,
    );
    expect(written).toEqual(new Set(['key_a']));
    expect(await stateOf('key_b')).toBe('{"calls":9}');
  });

  it('rules changed since they were read make it miss, stored or removed', async () => {
    await store.monitoringSettings.upsert(fixture.workspace.id, {
      section: SECTION,
      value: '{"callBurst":{}}',
      updatedAt: AT,
      updatedBy: null,
    });
    expect(await swap([row('key_a', GLUED, '{"calls":1}', null)], SECTION)).toEqual(new Set());
    expect(await swap([row('key_a', GLUED, '{"calls":1}', '{"callBurst":{"x":1}}')], SECTION)).toEqual(
      new Set(),
    );
    expect(await swap([row('key_a', GLUED, '{"calls":1}', '{"callBurst":{}}')], SECTION)).toEqual(
      new Set(['key_a']),
    );
  });

  it('a swap that waited for a lock holder compares what the holder committed, and misses', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const holding = new Promise<void>((r) => (locked = r));
    const holder = store.transaction(async (repos) => {
      await repos.keyBaselines.claim(
        [{ credentialId: 'key_a', workspaceId: fixture.workspace.id }],
        SECTION,
        AT,
      );
      locked();
      await gate;
      await repos.keyBaselines.upsert([
        { workspaceId: fixture.workspace.id, credentialId: 'key_a', state: '{"calls":2}', lastSeenAt: AT },
      ]);
    });
    await holding;
    const waiting = swap([row('key_a', GLUED, '{"calls":1}')], SECTION);
    await new Promise((r) => setTimeout(r, 100));
    release();
    await holder;
    expect(await waiting).toEqual(new Set());
    expect(await stateOf('key_a')).toBe('{"calls":2}');
  });

  it('50 swaps racing from the same read: exactly one is written', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, n) => swap([row('key_a', GLUED, `{"calls":${n + 1}}`)], SECTION)),
    );
    const winners = results.flatMap((w, n) => (w.size ? [n] : []));
    expect(winners).toHaveLength(1);
    expect(await stateOf('key_a')).toBe(`{"calls":${(winners[0] ?? 0) + 1}}`);
  });

  it('a key of another workspace is not written through a row naming this one', async () => {
    const other = await createDomainFixture(store, 'other');
    const foreign = { ...row('key_a', GLUED, '{"calls":1}'), workspaceId: other.workspace.id };
    expect(await swap([foreign], SECTION)).toEqual(new Set());
    expect(await stateOf('key_a')).toBe(GLUED);
  });
});
