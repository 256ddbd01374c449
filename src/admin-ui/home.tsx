/** GET /admin: the signed-in home page. Who you are, which workspace, when the session ends. */
import type { Hono } from 'hono';
import { renderPage, Time } from './layout.js';
import { gate } from './not-found.js';
import { SIGN_OUT_EVERYWHERE_PATH } from './sign-out-everywhere.js';

export function mountHome(app: Hono): void {
  app.get('/admin', async (c) => {
    const signedIn = await gate(c, 'overview');
    if (signedIn instanceof Response) return signedIn;
    const { member, workspace, session } = signedIn;
    return renderPage(
      c,
      { title: 'Home', signedIn, current: '/admin' },
      <>
        <p>You are signed in.</p>
        <dl>
          <dt>Name</dt>
          <dd>{member.name}</dd>
          <dt>Email</dt>
          <dd>{member.email}</dd>
          <dt>Role</dt>
          <dd>{member.role}</dd>
          <dt>Workspace</dt>
          <dd>
            {workspace.name} ({workspace.slug}, {workspace.environment})
          </dd>
          <dt>Signed in</dt>
          <dd>
            <Time iso={session.createdAt} />
          </dd>
          <dt>Session ends</dt>
          <dd>
            <Time iso={session.expiresAt} /> at the latest, or after 30 idle minutes
          </dd>
        </dl>
        <p>
          <a href="/admin/approvals">Changes waiting for your approval</a>
        </p>
        <p>
          <a href={SIGN_OUT_EVERYWHERE_PATH}>Sign out everywhere</a>
        </p>
      </>,
    );
  });
}
