/**
 * The member service under pressure, on both stores: 50 concurrent demotions and removals of
 * the last two owners leave one owner (the membership lock), and a database failing in the
 * middle of a removal's cascade leaves nothing half-done and no change without its event.
 */
import { expect, it } from 'vitest';
import { createMemberService } from '../../src/admin/index.js';
import { AppError } from '../../src/core/index.js';
import type { Repositories, Store } from '../../src/storage/index.js';
import type { TestServer } from '../support/mcp-server.js';
import {
  auditEvents,
  connectionFor,
  describeEachServer,
  keyFor,
  keysOf,
  memberOf,
} from '../support/members.js';

const operator = { operator: true } as const;

/** The server's store, with one repository method failing on its `nth` call inside transactions. */
function failingStore(
  server: TestServer,
  fail: { at: 'apiKeys.revoke' | 'audit.insert'; nth: number },
): Store {
  const store = server.app.store;
  let calls = 0;
  const wrap = (repos: Repositories): Repositories => {
    const [repo, method] = fail.at.split('.') as ['apiKeys' | 'audit', string];
    const inner = repos[repo] as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const broken = new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== method || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (++calls === fail.nth) return Promise.reject(new AppError('unavailable', 'database went away'));
          return value.apply(target, args);
        };
      },
    });
    return { ...repos, [repo]: broken };
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'transaction')
        return <T>(work: (repos: Repositories) => Promise<T>) =>
          target.transaction((repos) => work(wrap(repos)));
      return Reflect.get(target, prop, receiver);
    },
  });
}

describeEachServer('member service under pressure', (server) => {
  it('keeps an owner when 50 demotions and removals of the last two owners race', async () => {
    const s = server();
    await s.app.members.changeRole({
      workspace: 'demo',
      email: 'grace@example.com',
      by: operator,
      role: 'owner',
    });
    const owners = ['ada@example.com', 'grace@example.com'];
    const attempts = Array.from({ length: 50 }, (_, i) => {
      const email = owners[i % 2]!;
      const target = {
        workspace: 'demo',
        email,
        by: i % 3 === 0 ? operator : { member: owners[(i + 1) % 2]! },
      };
      return i % 4 < 2
        ? s.app.members.remove(target)
        : s.app.members.changeRole({ ...target, role: i % 4 === 2 ? 'admin' : 'member' });
    });
    const settled = await Promise.allSettled(attempts);
    const won = settled.filter((r) => r.status === 'fulfilled');
    for (const r of settled) {
      if (r.status === 'rejected')
        expect(['conflict', 'not_found', 'forbidden']).toContain((r.reason as AppError).code);
    }
    const workspace = await s.app.domain.workspaces.get('demo');
    const left = (await s.app.store.members.list(workspace.id)).filter((m) => m.role === 'owner');
    expect(left).toHaveLength(1);
    // Exactly one change took an owner away; later ones may move the demoted one further.
    const fromOwner = won.filter((r) => r.status === 'fulfilled' && r.value.member.role === 'owner');
    expect(fromOwner).toHaveLength(1);
    const changes = (await auditEvents(s)).filter((e) =>
      ['member.removed', 'member.role_changed'].includes(e.action),
    );
    // The promotion of grace, then one event per change that went through.
    expect(changes).toHaveLength(1 + won.length);
  });

  it.each([
    ['the second revocation', { at: 'apiKeys.revoke', nth: 2 }],
    ['the third audit event', { at: 'audit.insert', nth: 3 }],
  ] as const)('leaves nothing half-done when the database fails at %s of a removal', async (_label, fail) => {
    const s = server();
    const keys = [
      await keyFor(s, 'alan@example.com', 'cursor-alan'),
      await keyFor(s, 'alan@example.com', 'claude-desktop-alan'),
    ];
    await connectionFor(s, 'alan@example.com', ['tasks:read']);
    const before = await auditEvents(s);
    const members = createMemberService({
      store: failingStore(s, fail),
      audit: s.app.audit,
      clock: s.clock,
      workspaces: s.app.domain.workspaces,
      loginLinks: { create: s.app.signIn.createLoginLink },
    });
    const target = { workspace: 'demo', email: 'alan@example.com', by: { member: 'ada@example.com' } };
    await expect(members.remove(target)).rejects.toMatchObject({ code: 'unavailable' });

    expect((await keysOf(s, 'alan@example.com')).every((k) => k.revokedAt === null)).toBe(true);
    expect((await memberOf(s, 'alan@example.com'))?.removedAt).toBeUndefined();
    expect((await auditEvents(s)).map((e) => e.id)).toEqual(before.map((e) => e.id));

    // The same removal, once the database is back: every change with its event.
    const result = await s.app.members.remove(target);
    expect(result.revoke).toHaveLength(3);
    const events = (await auditEvents(s)).slice(before.length).map((e) => e.action);
    expect(events.sort()).toEqual(['connection.revoked', 'key.revoked', 'key.revoked', 'member.removed']);
    expect(keys).toHaveLength(2);
  });
});
