/** GET /admin: the signed-in home page. Who you are, which workspace, when the session ends. */
import type { Hono } from 'hono';
import { html, layout } from './page.js';
import { requireMember } from './session.js';

export function mountHome(app: Hono): void {
  app.get('/admin', async (c) => {
    const signedIn = await requireMember(c);
    if (signedIn instanceof Response) return signedIn;
    const { member, workspace, session, csrfToken } = signedIn;
    const body = html`<p>You are signed in.</p>
<dl>
  <dt>Name</dt><dd>${member.name}</dd>
  <dt>Email</dt><dd>${member.email}</dd>
  <dt>Role</dt><dd>${member.role}</dd>
  <dt>Workspace</dt><dd>${workspace.name} (${workspace.slug}, ${workspace.environment})</dd>
  <dt>Session ends</dt><dd>${session.expiresAt} at the latest, or after 30 idle minutes</dd>
</dl>
<p><a href="/admin/approvals">Changes waiting for your approval</a></p>`;
    return c.html(layout('Home', body, { member, workspace, csrfToken }).value);
  });
}
