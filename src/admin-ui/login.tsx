/**
 * GET/POST /login, POST /logout and the login-link pages. The login forms carry a
 * pre-session CSRF token (login CSRF would sign a victim into the attacker's account);
 * sign-out carries the session's token. Every failure to sign in shows one generic message.
 */
import type { Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Child } from 'hono/jsx';
import { isSecretTokenShape, LOGIN_LINK_PATH, type SignedIn } from '../credentials/index.js';
import { type Form, formLimit, readForm, formText as text } from './form.js';
import { renderPage } from './layout.js';
import { constantTimeEqual, loginFormToken, safeNextPath, sameOrigin } from './security.js';
import {
  adminUi,
  clearSessionCookie,
  requestOrigin,
  requireMember,
  sessionToken,
  setSessionCookie,
  verifyCsrf,
} from './session.js';
import { type PageStatus, toPageError } from './to-page-error.js';

const LOGIN_NONCE_MAX_AGE_S = 3600;
export const HOME_PATH = '/admin';
const FORM_EXPIRED = 'This form expired or did not come from this site. Please try again.';

/** The nonce behind the login forms' token: reused while valid so several tabs keep working. */
function loginFormCsrf(c: Context): string {
  const ui = adminUi(c);
  let nonce = getCookie(c, ui.cookies.login);
  if (!nonce || !isSecretTokenShape(nonce)) {
    nonce = Buffer.from(ui.random.bytes(32)).toString('base64url');
    setCookie(c, ui.cookies.login, nonce, {
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
      secure: ui.cookies.secure,
      maxAge: LOGIN_NONCE_MAX_AGE_S,
    });
  }
  return loginFormToken(ui.loginFormKey, nonce);
}

/** Origin and pre-session token of a login form POST. */
function loginFormTrusted(c: Context, form: Form): boolean {
  const ui = adminUi(c);
  const nonce = getCookie(c, ui.cookies.login);
  if (!nonce || !sameOrigin(c, ui.publicOrigin)) return false;
  return constantTimeEqual(text(form, 'csrf'), loginFormToken(ui.loginFormKey, nonce));
}

async function loginPage(
  c: Context,
  state: { email?: string; workspace?: string; next?: string; error?: string },
) {
  const workspaces = await adminUi(c).listWorkspaces();
  const only = workspaces.length === 1 ? workspaces[0] : undefined;
  const workspaceField = only ? (
    <>
      <input type="hidden" name="workspace" value={only.slug} />
      <p class="notice">Workspace: {only.slug}</p>
    </>
  ) : (
    <label>
      Workspace <input name="workspace" value={state.workspace ?? ''} required autocomplete="organization" />
    </label>
  );
  return (
    <>
      {state.error && (
        <p class="error" role="alert">
          {state.error}
        </p>
      )}
      <form class="stack" method="post" action="/login">
        <input type="hidden" name="csrf" value={loginFormCsrf(c)} />
        {state.next && <input type="hidden" name="next" value={state.next} />}
        {workspaceField}
        <label>
          Email <input type="email" name="email" value={state.email ?? ''} required autocomplete="username" />
        </label>
        <label>
          Password <input type="password" name="password" required autocomplete="current-password" />
        </label>
        <button type="submit">Sign in</button>
      </form>
    </>
  );
}

const page = (c: Context, title: string, body: Child, status: 200 | PageStatus = 200) =>
  renderPage(c, { title, status }, body);

const expired = () => (
  <p class="error" role="alert">
    {FORM_EXPIRED}
  </p>
);

function signedInRedirect(c: Context, signedIn: SignedIn, next: string | undefined): Response {
  setSessionCookie(c, signedIn);
  return c.redirect(next ?? HOME_PATH, 303);
}

export function mountLogin(app: Hono): void {
  app.get('/login', async (c) => {
    const next = safeNextPath(c.req.query('next'), adminUi(c).publicOrigin);
    if (await adminUi(c).signIn.resolveSession(sessionToken(c))) return c.redirect(next ?? HOME_PATH, 303);
    return page(c, 'Sign in', await loginPage(c, { ...(next && { next }) }));
  });

  app.post('/login', formLimit(), async (c) => {
    const form = await readForm(c);
    if (form instanceof Response) return form;
    const next = safeNextPath(text(form, 'next'), adminUi(c).publicOrigin);
    const state = { email: text(form, 'email'), workspace: text(form, 'workspace'), ...(next && { next }) };
    if (!loginFormTrusted(c, form))
      return page(c, 'Sign in', await loginPage(c, { ...state, error: FORM_EXPIRED }), 403);
    try {
      const signedIn = await adminUi(c).signIn.signIn({
        workspace: state.workspace || undefined,
        email: state.email,
        password: text(form, 'password'),
        replacesToken: sessionToken(c),
        ...requestOrigin(c),
      });
      return signedInRedirect(c, signedIn, next);
    } catch (error) {
      const { message, status } = toPageError(error);
      return page(c, 'Sign in', await loginPage(c, { ...state, error: message }), status);
    }
  });

  app.post('/logout', formLimit(), async (c) => {
    // A cross-site post is refused outright, session or not (SameSite=Lax would drop the cookie).
    if (!sameOrigin(c, adminUi(c).publicOrigin)) return page(c, 'Sign out', expired(), 403);
    const signedIn = await requireMember(c);
    if (signedIn instanceof Response) return signedIn;
    const form = await readForm(c);
    if (form instanceof Response) return form;
    if (!verifyCsrf(c, form.csrf)) return page(c, 'Sign out', expired(), 403);
    await adminUi(c).signIn.signOut(sessionToken(c), requestOrigin(c));
    clearSessionCookie(c);
    return c.redirect('/login', 303);
  });

  app.get(LOGIN_LINK_PATH, (c) => {
    const token = c.req.query('token') ?? '';
    return page(
      c,
      'Sign in with a login link',
      <>
        <p>This one-time link signs you in to Taskgate. It works once, for 15 minutes.</p>
        <form class="stack" method="post" action={LOGIN_LINK_PATH}>
          <input type="hidden" name="csrf" value={loginFormCsrf(c)} />
          <input type="hidden" name="token" value={token} />
          <button type="submit">Continue</button>
        </form>
      </>,
    );
  });

  app.post(LOGIN_LINK_PATH, formLimit(), async (c) => {
    const form = await readForm(c);
    if (form instanceof Response) return form;
    if (!loginFormTrusted(c, form)) return page(c, 'Sign in', expired(), 403);
    try {
      const signedIn = await adminUi(c).signIn.redeemLoginLink(
        text(form, 'token'),
        requestOrigin(c),
        sessionToken(c),
      );
      return signedInRedirect(c, signedIn, undefined);
    } catch (error) {
      const { message, status } = toPageError(error);
      return page(c, 'Sign in', await loginPage(c, { error: message }), status);
    }
  });
}
