import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { SignInService } from '../credentials/index.js';
import type { EffectivePolicy } from '../guard/index.js';
import type { Member, MemberSession, Role, Workspace } from '../model/index.js';
import { CONSOLE_PAGES, maySee, visiblePages } from './nav.js';
import { gate, unknownAdminPage } from './not-found.js';
import type { AdminUiContext } from './session.js';

const workspace = { id: 'ws_1', slug: 'demo', name: 'Demo', environment: 'development' } as Workspace;

/** A Hono app with the console's plumbing and one gated page per console page. */
function app(role: Role) {
  const member = { id: 'mem_1', name: 'Kay', email: 'kay@example.com', role, workspaceId: 'ws_1' } as Member;
  const session = { id: 's', csrfToken: 'tok', createdAt: '2026-01-01T00:00:00.000Z' } as MemberSession;
  const context = {
    signIn: { resolveSession: async () => ({ member, workspace, session }) } as unknown as SignInService,
    policyFor: async () => ({ freeze: { frozen: false } }) as EffectivePolicy,
    publicOrigin: 'http://localhost',
    cookies: { session: 'taskgate_session', login: 'taskgate_login', secure: false },
  } as unknown as AdminUiContext;
  const hono = new Hono();
  hono.use('/admin/*', async (c, next) => {
    c.set('adminUi', context);
    await next();
  });
  for (const page of CONSOLE_PAGES) {
    hono.get(page.path, async (c) => {
      const signedIn = await gate(c, page.id);
      return signedIn instanceof Response ? signedIn : c.text(`the ${page.id} page`);
    });
  }
  hono.notFound((c) => unknownAdminPage(c));
  return hono;
}

describe('gate', () => {
  it.each(['viewer', 'member'] as const)(
    'answers a page hidden from a %s with the very 404 an unknown URL gets (no hint it exists)',
    async (role) => {
      const hono = app(role);
      const unknown = await hono.request('/admin/no-such-page');
      expect(unknown.status).toBe(404);
      const unknownBody = await unknown.text();
      for (const page of CONSOLE_PAGES.filter((p) => !maySee(role, p.id))) {
        const hidden = await hono.request(page.path);
        expect(hidden.status, page.path).toBe(404);
        expect(await hidden.text(), page.path).toBe(unknownBody);
      }
    },
  );

  it('lets each role through to the pages it may see', async () => {
    for (const role of ['owner', 'admin', 'member', 'viewer'] as const) {
      const hono = app(role);
      for (const page of visiblePages(role)) {
        const response = await hono.request(page.path);
        expect(await response.text(), `${role} ${page.path}`).toBe(`the ${page.id} page`);
      }
    }
  });
});

describe('visiblePages', () => {
  it('gives owners and admins every page, a member no usage, members or policy, a viewer no activity', () => {
    const ids = (role: Role) => visiblePages(role).map((p) => p.id);
    expect(ids('owner')).toEqual(CONSOLE_PAGES.map((p) => p.id));
    expect(ids('admin')).toEqual(CONSOLE_PAGES.map((p) => p.id));
    expect(ids('member')).toEqual(['overview', 'keys', 'connections', 'activity', 'approvals']);
    expect(ids('viewer')).toEqual(['overview', 'keys', 'connections', 'approvals']);
  });
});
