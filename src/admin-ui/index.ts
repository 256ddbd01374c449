/**
 * Admin UI entry layer: server-rendered pages under /login, /logout and /admin, mounted by
 * the HTTP app (and the OAuth consent page under /oauth/consent). For pages added in this folder (approvals, consent): `requireMember(c)` gives
 * the signed-in member or a redirect to return; `verifyCsrf(c, form.csrf)` must hold before
 * any change; render with `html`/`layout` (put `csrfToken` in every form as `csrf`). Routes
 * under `/admin/` get the security headers and the session plumbing automatically.
 */
import type { Hono } from 'hono';
import type { Random } from '../core/index.js';
import type { SignInService } from '../credentials/index.js';
import type { Workspace } from '../model/index.js';
import { type ApprovalDeps, mountApprovals } from './approvals.js';
import { STYLESHEET } from './assets.js';
import { CONSENT_PATH, type ConsentDeps, mountConsent } from './consent.js';
import { mountHome } from './home.js';
import { mountLogin } from './login.js';
import { STYLESHEET_PATH } from './page.js';
import { cookieNames, deriveLoginFormKey, securityHeaders } from './security.js';
import type { AdminUiContext } from './session.js';

export { CONSENT_PATH, type ConsentDeps, type ConsentPort } from './consent.js';
export { HOME_PATH } from './login.js';
export { escapeHtml, html, type LayoutOptions, layout, raw, SafeHtml, unavailablePage } from './page.js';
export {
  CONTENT_SECURITY_POLICY,
  type CookieNames,
  cookieNames,
  safeNextPath,
  securityHeaders,
} from './security.js';
export {
  type AdminUiContext,
  requestOrigin,
  requireMember,
  type SignedInMember,
  verifyCsrf,
} from './session.js';

export interface AdminUiDeps {
  readonly publicUrl: string;
  readonly signIn: SignInService;
  readonly listWorkspaces: () => Promise<readonly Workspace[]>;
  /** The server's root secret; the login forms' CSRF key is derived from it. */
  readonly secretKey: string | Uint8Array;
  /** SECURITY: must be the CSPRNG (login form nonces). */
  readonly random: Random;
  /** What the approval pages act through: pending actions and the workspace policy. */
  readonly approvals: ApprovalDeps;
  /** The OAuth consent page; left out when no authorization server runs. */
  readonly consent?: ConsentDeps;
}

/** The paths the admin UI owns; each gets the security headers and `c.get('adminUi')`. */
// '/x/*' also matches '/x' itself in Hono.
export const ADMIN_UI_PATHS = ['/admin/*', '/login/*', '/logout', `${CONSENT_PATH}/*`] as const;

/** Whether `path` is one of the admin pages (HTML), as opposed to a machine endpoint. */
export function isAdminUiPath(path: string): boolean {
  return ADMIN_UI_PATHS.some((pattern) =>
    pattern.endsWith('/*')
      ? path === pattern.slice(0, -2) || path.startsWith(pattern.slice(0, -1))
      : path === pattern,
  );
}

export function mountAdminUi(app: Hono, deps: AdminUiDeps): void {
  const publicOrigin = new URL(deps.publicUrl).origin;
  const context: AdminUiContext = {
    signIn: deps.signIn,
    publicOrigin,
    cookies: cookieNames(deps.publicUrl),
    loginFormKey: deriveLoginFormKey(deps.secretKey),
    random: deps.random,
    listWorkspaces: deps.listWorkspaces,
  };
  const headers = securityHeaders();
  for (const path of ADMIN_UI_PATHS) {
    app.use(path, headers, async (c, next) => {
      c.set('adminUi', context);
      await next();
    });
  }
  app.get(STYLESHEET_PATH, (c) => c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
  mountLogin(app);
  mountHome(app);
  mountApprovals(app, deps.approvals);
  if (deps.consent) mountConsent(app, deps.consent);
}
