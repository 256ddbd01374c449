/**
 * SECURITY: sudo mode, as GitHub has it. A sensitive action (creating or rotating a key,
 * changing the policy, removing a member…) asks for the password again when the session's
 * sign-in is older than ten minutes, so a browser left signed in, or a stolen session cookie,
 * cannot take those actions. Confirming is a full password sign-in — the same throttle and
 * lock as the sign-in form, a fresh session that replaces the old one (new cookie, new CSRF
 * token) — recorded as `session.sudo`; then the browser returns to where it was going, a
 * path on this site only (`safeNextPath`).
 * A member who signs in only with login links has no password to confirm. SECURITY: the page
 * then tells them to sign in again with a fresh link (a link sign-in is a new session, so it
 * counts as recent) and never issues one itself: a link minted from the session would let
 * a stolen cookie elevate itself, which is what sudo mode is there to stop. Fails closed.
 */
import type { Context, Hono } from 'hono';
import { formLimit, readForm, formText as text } from './form.js';
import { renderPage } from './layout.js';
import { safeNextPath } from './security.js';
import {
  adminUi,
  requestOrigin,
  requireMember,
  type SignedInMember,
  sessionToken,
  setSessionCookie,
  verifyCsrf,
} from './session.js';
import { toPageError } from './to-page-error.js';

export const SUDO_PATH = '/admin/sudo';
export const SUDO_WINDOW_MS = 10 * 60_000;
const FORM_EXPIRED = 'This form expired or did not come from this site. Please try again.';

/** Whether the session's sign-in is recent enough for a sensitive action. */
export function signedInRecently(c: Context, signedIn: SignedInMember, windowMs = SUDO_WINDOW_MS): boolean {
  const age = adminUi(c).clock.now().getTime() - Date.parse(signedIn.session.createdAt);
  return age >= 0 && age <= windowMs;
}

/**
 * `undefined` when the sign-in is recent enough; otherwise the redirect to the password page
 * to return, which brings the browser back to `returnTo` (default: this page for a GET; a
 * POST is never replayed, so its handler names the page of its form).
 */
export function requireRecentSignIn(
  c: Context,
  signedIn: SignedInMember,
  options: { returnTo?: string; windowMs?: number } = {},
): Response | undefined {
  if (signedInRecently(c, signedIn, options.windowMs)) return undefined;
  const here = new URL(c.req.url);
  const target = options.returnTo ?? (c.req.method === 'GET' ? here.pathname + here.search : '/admin');
  const next = safeNextPath(target, adminUi(c).publicOrigin) ?? '/admin';
  return c.redirect(`${SUDO_PATH}?next=${encodeURIComponent(next)}`, 303);
}

function SudoForm(props: { csrf: string; next: string; email: string; error?: string }) {
  return (
    <>
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      <p>This action needs you to confirm your password: you signed in more than ten minutes ago.</p>
      <form class="stack" method="post" action={SUDO_PATH}>
        <input type="hidden" name="csrf" value={props.csrf} />
        <input type="hidden" name="next" value={props.next} />
        <p class="notice">Signed in as {props.email}</p>
        <label>
          Password <input type="password" name="password" required autocomplete="current-password" />
        </label>
        <button type="submit">Confirm password</button>
      </form>
    </>
  );
}

/** What a link-only member is told instead of a password form. */
function LinkOnly(props: { email: string }) {
  return (
    <>
      <p>
        This action needs a recent sign-in: you signed in more than ten minutes ago. You sign in with login
        links and have no password to confirm, so sign in again with a fresh login link, then come back here
        within ten minutes.
      </p>
      <p>
        Ask an owner, an admin or the server's operator for a new link for {props.email} (
        <code>taskgate members login-link</code>). For your protection this page never sends one: whoever
        holds this browser session must not be able to confirm it by themselves.
      </p>
      <p>
        <a href="/admin">Back to the overview</a>
      </p>
    </>
  );
}

const linkOnlyPage = (c: Context, signedIn: SignedInMember, status: 200 | 401) =>
  renderPage(
    c,
    { title: 'Sign in again to continue', status, signedIn },
    <LinkOnly email={signedIn.member.email} />,
  );

const page = (
  c: Context,
  signedIn: SignedInMember,
  next: string,
  status: 200 | 400 | 401 | 403 | 429,
  error?: string,
) =>
  renderPage(
    c,
    { title: 'Confirm your password', status, signedIn },
    <SudoForm
      csrf={signedIn.csrfToken}
      next={next}
      email={signedIn.member.email}
      {...(error !== undefined && { error })}
    />,
  );

export function mountSudo(app: Hono): void {
  app.get(SUDO_PATH, async (c) => {
    const signedIn = await requireMember(c);
    if (signedIn instanceof Response) return signedIn;
    const next = safeNextPath(c.req.query('next'), adminUi(c).publicOrigin) ?? '/admin';
    if (!(await adminUi(c).signIn.hasPassword(signedIn.member))) return linkOnlyPage(c, signedIn, 200);
    return page(c, signedIn, next, 200);
  });

  app.post(SUDO_PATH, formLimit(), async (c) => {
    const signedIn = await requireMember(c);
    if (signedIn instanceof Response) return signedIn;
    const form = await readForm(c);
    if (form instanceof Response) return form;
    const ui = adminUi(c);
    const next = safeNextPath(text(form, 'next'), ui.publicOrigin) ?? '/admin';
    if (!verifyCsrf(c, form.csrf)) return page(c, signedIn, next, 403, FORM_EXPIRED);
    const { member, workspace } = signedIn;
    const origin = requestOrigin(c);
    const event = {
      action: 'session.sudo',
      workspaceId: workspace.id,
      memberId: member.id,
      environment: workspace.environment,
      ...origin,
    } as const;
    if (!(await ui.signIn.hasPassword(member))) {
      await ui.audit.append({
        ...event,
        outcome: 'denied',
        errorCode: 'unauthenticated',
        detail: { next, reason: 'no_password' },
      });
      return linkOnlyPage(c, signedIn, 401);
    }
    try {
      const fresh = await ui.signIn.signIn({
        workspace: workspace.slug,
        email: member.email,
        password: text(form, 'password'),
        replacesToken: sessionToken(c),
        ...origin,
      });
      await ui.audit.append({ ...event, outcome: 'ok', detail: { next } });
      setSessionCookie(c, fresh);
      return c.redirect(next, 303);
    } catch (error) {
      const { message, status } = toPageError(error);
      await ui.audit.append({
        ...event,
        outcome: 'denied',
        errorCode: status === 429 ? 'rate_limited' : 'unauthenticated',
        detail: { next },
      });
      return page(c, signedIn, next, status === 429 ? 429 : status === 401 ? 401 : 400, message);
    }
  });
}
