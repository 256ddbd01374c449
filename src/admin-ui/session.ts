/**
 * The signed-in member of an admin-ui request. `requireMember` reads the session cookie and
 * resolves it in the database (the cookie is a bearer secret for the pages only; /mcp never
 * reads it); `verifyCsrf` checks a form's token against that session in constant time, and
 * the request's Origin against the public origin. Pages call both before changing anything.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AuditLog } from '../audit/index.js';
import type { Clock, Random } from '../core/index.js';
import type { RequestOrigin, SignedIn, SignInService } from '../credentials/index.js';
import type { EffectivePolicy } from '../guard/index.js';
import type { Member, MemberSession, Workspace } from '../model/index.js';
import { type CookieNames, constantTimeEqual, sameOrigin } from './security.js';

/** What every admin-ui handler can reach through `c.get('adminUi')`. */
export interface AdminUiContext {
  readonly signIn: SignInService;
  readonly publicOrigin: string;
  readonly cookies: CookieNames;
  readonly loginFormKey: Buffer;
  readonly random: Random;
  /** Judges the age of a sign-in (sudo mode). */
  readonly clock: Clock;
  readonly listWorkspaces: () => Promise<readonly Workspace[]>;
  /** The workspace policy: every page's header shows its freeze. */
  readonly policyFor: (workspace: Workspace) => Promise<EffectivePolicy>;
  /** Console events that no service records itself (sudo, refused actions). */
  readonly audit: AuditLog;
  /** SECURITY: the one client address (src/http/client-address.ts), never the socket's own. */
  readonly clientAddress: (c: Context) => string | null;
  /** The open alerts the header counts for owners and admins (a count query, every page). */
  readonly openAlerts?: (workspaceId: string) => Promise<number>;
}

export interface SignedInMember {
  readonly member: Member;
  readonly workspace: Workspace;
  readonly session: MemberSession;
  /** Put it in a hidden `csrf` input of every form the page renders. */
  readonly csrfToken: string;
}

declare module 'hono' {
  interface ContextVariableMap {
    adminUi: AdminUiContext;
    adminUiMember: SignedInMember;
    /** One more origin the page's forms may end up at (see `securityHeaders`). */
    adminUiFormAction: string;
  }
}

export function adminUi(c: Context): AdminUiContext {
  const context = c.get('adminUi');
  // A route outside the admin-ui paths would have no session plumbing: fail closed.
  if (!context) throw new Error('admin-ui route mounted outside /admin, /login or /logout');
  return context;
}

/** Who is asking, as sessions, sign-in throttles and audit events record it. */
export function requestOrigin(c: Context): RequestOrigin {
  return { ip: adminUi(c).clientAddress(c), userAgent: c.req.header('user-agent') ?? null };
}

export function sessionToken(c: Context): string | undefined {
  return getCookie(c, adminUi(c).cookies.session);
}

/**
 * The signed-in member, or a redirect to `/login?next=<this page>` for the caller to return.
 * The result is kept on the context for `verifyCsrf`.
 */
export async function requireMember(c: Context): Promise<SignedInMember | Response> {
  const owned = await adminUi(c).signIn.resolveSession(sessionToken(c));
  if (!owned) {
    const here = new URL(c.req.url);
    const next = c.req.method === 'GET' ? `?next=${encodeURIComponent(here.pathname + here.search)}` : '';
    return c.redirect(`/login${next}`, 303);
  }
  const signedIn: SignedInMember = { ...owned, csrfToken: owned.session.csrfToken };
  c.set('adminUiMember', signedIn);
  return signedIn;
}

/** True only after `requireMember` succeeded, from our origin, with this session's token. */
export function verifyCsrf(c: Context, formToken: unknown): boolean {
  const signedIn = c.get('adminUiMember');
  if (!signedIn || typeof formToken !== 'string') return false;
  return sameOrigin(c, adminUi(c).publicOrigin) && constantTimeEqual(formToken, signedIn.csrfToken);
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, Path=/, never a Domain; Secure on https. */
export function setSessionCookie(c: Context, signedIn: SignedIn): void {
  const { cookies } = adminUi(c);
  setCookie(c, cookies.session, signedIn.token, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: cookies.secure,
  });
}

export function clearSessionCookie(c: Context): void {
  const { cookies } = adminUi(c);
  deleteCookie(c, cookies.session, { path: '/', secure: cookies.secure, httpOnly: true, sameSite: 'Lax' });
}
