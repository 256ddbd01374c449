/**
 * Admin UI entry layer: the console, server-rendered with Hono's JSX under /login, /logout and
 * /admin, mounted by the HTTP app (and the OAuth consent page under /oauth/consent). A page:
 * `gate(c, pageId)` gives the signed-in member or the answer to return (sign-in redirect, or
 * the 404 a role that may not see it gets); `renderPage` wraps it in the layout (navigation,
 * member, freeze banner). A change: `mountAction` (CSRF, zod, errors beside fields, sudo).
 * docs/console.md walks through adding one. Routes under `/admin/` get the security headers
 * and the session plumbing automatically; unknown ones the HTML 404 (`adminNotFound`).
 */
import type { Context, Hono } from 'hono';
import type { AuditLog } from '../audit/index.js';
import type { Clock, Random } from '../core/index.js';
import type { SignInService } from '../credentials/index.js';
import type { Workspace } from '../model/index.js';
import { type ActivityDeps, mountActivity } from './activity.js';
import type { AlertRulesPort } from './alert-rules.js';
import { type AlertsPort, mountAlerts } from './alerts.js';
import { type ApprovalDeps, mountApprovals } from './approvals.js';
import { STYLESHEET } from './assets.js';
import { type ConnectionPageDeps, mountConnections } from './connections.js';
import { CONSENT_PATH, type ConsentDeps, mountConsent } from './consent.js';
import { CONSOLE_SCRIPT_PATH, serveConsoleScript } from './console-script.js';
import { mountHome, type OverviewDeps } from './home.js';
import { type IncidentDeps, mountIncident } from './incident.js';
import { mountKeyActions } from './key-actions.js';
import { type KeyPageDeps, mountKeys } from './keys.js';
import { STYLESHEET_PATH } from './layout.js';
import { mountLimits, type RateLimitsPort } from './limits.js';
import { mountLogin } from './login.js';
import { type MemberPageDeps, mountMembers } from './members.js';
import { unknownAdminPage } from './not-found.js';
import { mountNotifications, type NotificationsPageDeps } from './notifications.js';
import { mountOAuthClients, type OAuthClientsPort } from './oauth-clients.js';
import { mountPolicy, type PolicyPageDeps } from './policy.js';
import { cookieNames, deriveLoginFormKey, securityHeaders } from './security.js';
import type { AdminUiContext } from './session.js';
import { mountSignOutEverywhere } from './sign-out-everywhere.js';
import { mountSudo } from './sudo.js';
import { mountUsage, type UsagePageDeps } from './usage.js';

export {
  type ActionFormProps,
  type ActionResult,
  type ActionSpec,
  Field,
  fieldErrors,
  mountAction,
} from './action.js';
export { ACTIVITY_PATH, type ActivityDeps } from './activity.js';
export { ALERT_RULES_PATH, type AlertRulesPort } from './alert-rules.js';
export { ALERTS_PATH, type AlertsPort, alertPath } from './alerts.js';
export {
  CONNECTIONS_PATH,
  type ConnectionPageDeps,
  connectionIncidentPath,
  connectionPath,
  type MemberDirectory,
} from './connections.js';
export { CONSENT_PATH, type ConsentDeps, type ConsentPort } from './consent.js';
export { CONSOLE_SCRIPT_PATH, serveConsoleScript } from './console-script.js';
export type { OverviewDeps } from './home.js';
export type { IncidentDeps } from './incident.js';
export { KEYS_PATH, type KeyActionDeps, keyPath } from './key-actions.js';
export type { KeyPageDeps } from './keys.js';
export {
  CopyButton,
  FreezeBanner,
  Layout,
  type PageOptions,
  renderDocument,
  renderPage,
  STYLESHEET_PATH,
  Time,
  utcText,
} from './layout.js';
export { LIMITS_PATH, type RateLimitsPort } from './limits.js';
export { HOME_PATH } from './login.js';
export { REMOVE_PATH, ROLE_PATH } from './member-change.js';
export { INVITE_PATH, MEMBERS_PATH, type MemberPageDeps } from './members.js';
export { CONSOLE_PAGES, type ConsolePage, type ConsolePageId, maySee, visiblePages } from './nav.js';
export { gate, NOT_FOUND_TITLE, notFoundPage } from './not-found.js';
export {
  EMAIL_TEST_PATH,
  NOTIFICATIONS_PATH,
  WEBHOOK_ADD_PATH,
  webhookRemovePath,
  webhookTestPath,
} from './notifications-actions.js';
export { CLIENTS_PATH, type ClientView, type OAuthClientsPort } from './oauth-clients.js';
export { escapeHtml, html, type LayoutOptions, layout, raw, SafeHtml, unavailablePage } from './page.js';
export {
  FREEZE_PATH,
  POLICY_EDIT_PATH,
  POLICY_PATH,
  type PolicyPageDeps,
  type PolicyPort,
  parseUntil,
  UNFREEZE_PATH,
} from './policy.js';
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
export { SIGN_OUT_EVERYWHERE_PATH } from './sign-out-everywhere.js';
export { requireRecentSignIn, SUDO_PATH, SUDO_WINDOW_MS, signedInRecently } from './sudo.js';
export { USAGE_PATH, type UsagePageDeps, usageCharts } from './usage.js';

export interface AdminUiDeps {
  readonly publicUrl: string;
  /** The client address as the HTTP layer resolves it (trusted proxies included). */
  readonly clientAddress: (c: Context) => string | null;
  readonly signIn: SignInService;
  readonly listWorkspaces: () => Promise<readonly Workspace[]>;
  /** The server's root secret; the login forms' CSRF key is derived from it. */
  readonly secretKey: string | Uint8Array;
  /** SECURITY: must be the CSPRNG (login form nonces). */
  readonly random: Random;
  readonly clock: Clock;
  /** Records what the console refuses and sudo confirmations (services record their changes). */
  readonly audit: AuditLog;
  /** What the approval pages act through: pending actions and the workspace policy. */
  readonly approvals: ApprovalDeps;
  /** The Members page: the member service `taskgate members` calls. */
  readonly members: MemberPageDeps['members'];
  /** The Policy page and the freeze: the policy service `taskgate policy` calls. */
  readonly policy: PolicyPageDeps['policy'];
  /** The Usage page's numbers: the service `taskgate usage` prints. */
  readonly usage: UsagePageDeps['usage'];
  /** Notifications: the webhook endpoints and the delivery log (src/monitoring). */
  readonly notifications?: NotificationsPageDeps;
  /** What the Overview reads: the checklist, key health, recent activity, the last verification. */
  readonly overview: OverviewDeps;
  /** Contain, report and revert from a key's or a connection's page. */
  readonly incident: IncidentDeps;
  /** The Activity page (audit viewer): the service the `taskgate audit` commands call. */
  readonly activity: ActivityDeps;
  /** Integrations → API keys: the key, Activity and Usage services the CLI calls too. */
  readonly keys: KeyPageDeps;
  /** The OAuth consent page; left out when no authorization server runs. */
  readonly consent?: ConsentDeps;
  /** Integrations → Connections: the connection service and the authorization server's revocation. */
  readonly connections: ConnectionPageDeps;
  /** Integrations → OAuth clients (owners and admins): the authorization server's client admin. */
  readonly oauthClients: OAuthClientsPort;
  /** Policy → Request limits: the rate limits `taskgate limits` tunes; left out, no page. */
  readonly rateLimits?: RateLimitsPort;
  /** Alerts (owners and admins): the alert service `taskgate alerts` calls; left out, no page. */
  readonly alerts?: AlertsPort;
  /** Alerts → rules: the monitoring settings the anomaly rules read; left out, no form. */
  readonly alertRules?: AlertRulesPort;
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
    policyFor: deps.approvals.policyFor,
    clock: deps.clock,
    audit: deps.audit,
    clientAddress: deps.clientAddress,
    ...(deps.alerts && { openAlerts: deps.alerts.countOpen }),
  };
  const headers = securityHeaders({ cacheable: [CONSOLE_SCRIPT_PATH] });
  for (const path of ADMIN_UI_PATHS) {
    app.use(path, headers, async (c, next) => {
      c.set('adminUi', context);
      await next();
    });
  }
  app.get(STYLESHEET_PATH, (c) => c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
  app.get(CONSOLE_SCRIPT_PATH, serveConsoleScript);
  mountLogin(app);
  mountHome(app, deps.overview, deps.approvals);
  mountSudo(app);
  mountSignOutEverywhere(app);
  mountApprovals(app, deps.approvals);
  mountMembers(app, { members: deps.members, publicUrl: deps.publicUrl });
  mountPolicy(app, { policy: deps.policy });
  if (deps.rateLimits) mountLimits(app, deps.rateLimits);
  mountUsage(app, { usage: deps.usage });
  if (deps.notifications) mountNotifications(app, deps.notifications);
  if (deps.alerts) mountAlerts(app, deps.alerts, deps.alertRules);
  mountIncident(app, deps.incident);
  mountConnections(app, deps.connections);
  mountOAuthClients(app, { clients: deps.oauthClients, members: deps.connections.members });
  mountActivity(app, deps.activity);
  mountKeys(app, deps.keys);
  mountKeyActions(app, deps.keys);
  if (deps.consent) mountConsent(app, deps.consent);
}

/**
 * The answer to a request no route matched, when it is a console page (`/admin/...`): the
 * HTML 404 page (signed out: the sign-in page first). `undefined` for any other path.
 */
export function adminNotFound(c: Context): Promise<Response> | undefined {
  const path = c.req.path;
  if (path !== '/admin' && !path.startsWith('/admin/')) return undefined;
  return unknownAdminPage(c);
}
