/**
 * "Sign out everywhere" on both stores: a member who suspects a stolen session cookie ends
 * every session they have, and only theirs, with one audit event naming them in the same
 * transaction — 50 at once still end each session once and leave one event each.
 */
import { expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/index.js';
import { createIdGenerator, cryptoRandom } from '../../src/core/index.js';
import {
  createMemberAccounts,
  createPasswordHasher,
  createSignInService,
} from '../../src/credentials/index.js';
import { createDomainFixture } from '../support/domain-fixture.js';
import { describeEachStore } from '../support/stores.js';

const origin = { ip: '203.0.113.7', userAgent: 'vitest' };

describeEachStore('sign out everywhere', (current) => {
  async function setUp() {
    const store = current();
    const fixture = await createDomainFixture(store);
    const audit = createAuditLog({
      store,
      clock: fixture.clock,
      ids: createIdGenerator(fixture.clock, cryptoRandom),
    });
    const passwords = createPasswordHasher({ random: cryptoRandom, cost: { N: 2 ** 10, r: 8, p: 1 } });
    const signIn = createSignInService({
      store,
      clock: fixture.clock,
      random: cryptoRandom,
      audit,
      passwords,
    });
    const accounts = createMemberAccounts({
      store,
      clock: fixture.clock,
      audit,
      passwords,
      workspaces: fixture.domain.workspaces,
    });
    const password = 'a long enough pass phrase';
    for (const email of ['member@acme.test', 'admin@acme.test'])
      await accounts.setPassword({ workspace: 'acme', email, password });
    const as = (email: string) => signIn.signIn({ workspace: 'acme', email, password, ...origin });
    return { store, fixture, signIn, as };
  }

  it("ends every session of the member and no one else's (a stolen cookie dies too), audited with the member", async () => {
    const { store, fixture, signIn, as } = await setUp();
    const mine = [await as('member@acme.test'), await as('member@acme.test'), await as('member@acme.test')];
    const theirs = await as('admin@acme.test');
    expect(await signIn.signOutEverywhere(mine[0]!.token, origin)).toBe(3);
    for (const session of mine) expect(await signIn.resolveSession(session.token)).toBeUndefined();
    expect(await signIn.resolveSession(theirs.token)).toBeDefined();
    const events = await store.audit.list(fixture.workspace.id, {
      action: 'member.signed_out_everywhere',
      limit: 5,
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'ok', memberId: fixture.members.member.id, ip: origin.ip });
    expect(events[0]!.detail).toMatchObject({ sessions: 3 });
  });

  it('does nothing, and records nothing, for a token that is no live session (replayed after the end)', async () => {
    const { store, fixture, signIn, as } = await setUp();
    const session = await as('member@acme.test');
    await signIn.signOutEverywhere(session.token, origin);
    expect(await signIn.signOutEverywhere(session.token, origin)).toBe(0);
    expect(await signIn.signOutEverywhere('not a token', origin)).toBe(0);
    expect(await signIn.signOutEverywhere(undefined, origin)).toBe(0);
    const events = await store.audit.list(fixture.workspace.id, {
      action: 'member.signed_out_everywhere',
      limit: 5,
    });
    expect(events).toHaveLength(1);
  });

  it('ends each of 50 sessions once when all 50 ask at the same moment', async () => {
    const { store, fixture, signIn, as } = await setUp();
    const sessions = [];
    for (let i = 0; i < 50; i += 1) sessions.push(await as('member@acme.test'));
    const ended = await Promise.all(sessions.map((s) => signIn.signOutEverywhere(s.token, origin)));
    expect(ended.reduce((a, b) => a + b, 0)).toBe(50);
    for (const s of sessions) expect(await signIn.resolveSession(s.token)).toBeUndefined();
    const events = await store.audit.list(fixture.workspace.id, {
      action: 'member.signed_out_everywhere',
      limit: 100,
    });
    // One event per call that found a live session; together they account for every session.
    expect(events.reduce((sum, e) => sum + ((e.detail as { sessions: number }).sessions ?? 0), 0)).toBe(50);
  });
});
