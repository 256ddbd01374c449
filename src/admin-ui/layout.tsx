/**
 * SECURITY: every console page is rendered through this layout with Hono's JSX, which escapes
 * every text and attribute value; markup goes in unescaped only through `raw` from hono/html,
 * used here for constant tags alone. No inline script or style anywhere: the CSP forbids both;
 * the one script is a file from our origin (console-script.ts), and every page works without it.
 * The header carries the navigation (only the pages the member's role may see), the member
 * with sign-out, and, while the workspace is frozen, a banner on every page.
 */
import type { Context } from 'hono';
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { FreezeState } from '../guard/index.js';
import type { Member, Workspace } from '../model/index.js';
import { CONSOLE_SCRIPT_INTEGRITY, CONSOLE_SCRIPT_PATH, STATUS_REGION_ID } from './console-script.js';
import { type ConsolePage, maySee, visiblePages } from './nav.js';
import { adminUi } from './session.js';
import type { PageStatus } from './to-page-error.js';

export const STYLESHEET_PATH = '/admin/assets/app.css';

// Constant tags kept byte for byte as before (void elements without a closing slash).
const HEAD_START = raw(
  '<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n',
);
const STYLESHEET_LINK = raw(`<link rel="stylesheet" href="${STYLESHEET_PATH}">`);
const SCRIPT_TAG = raw(
  `<script src="${CONSOLE_SCRIPT_PATH}" integrity="${CONSOLE_SCRIPT_INTEGRITY}" defer></script>`,
);

export interface PageMember {
  readonly member: Pick<Member, 'name' | 'email'> & Partial<Pick<Member, 'role'>>;
  readonly workspace?: Pick<Workspace, 'slug'>;
  readonly csrfToken?: string;
}

const UTC_TEXT = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z$/;

/** `2026-12-05 20:11 UTC` for an ISO instant; anything else as it came. */
export function utcText(iso: string): string {
  const match = UTC_TEXT.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

/**
 * An instant, readable and exact: the text is the UTC minute, `datetime` and the tooltip
 * carry the full UTC value. The console script rewrites the text into the browser's time
 * zone; without script (or in print, see assets.ts) the UTC text stands.
 */
export function Time(props: { iso: string }) {
  return (
    <time datetime={props.iso} title={`${props.iso} (UTC)`}>
      {utcText(props.iso)}
    </time>
  );
}

/**
 * Copies element `target`'s value (an input) or text to the clipboard. Hidden until the
 * console script runs and finds a clipboard: without script it could do nothing.
 */
export function CopyButton(props: { target: string; label?: string }) {
  return (
    <button type="button" class="copy" data-copy={props.target} hidden>
      {props.label ?? 'Copy'}
    </button>
  );
}

/** " since …, until … (or until someone unfreezes it): reason" — the banner and the policy page. */
export function FreezeTerms(props: { freeze: FreezeState }) {
  const { freeze } = props;
  return (
    <>
      {freeze.since && (
        <>
          {' '}
          since <Time iso={freeze.since} />
        </>
      )}
      {freeze.until ? (
        <>
          {' '}
          until <Time iso={freeze.until} />
        </>
      ) : (
        ' until someone unfreezes it'
      )}
      {freeze.reason && `: ${freeze.reason}`}
    </>
  );
}

/** The policy page, where owners and admins freeze and unfreeze the workspace. */
export const POLICY_PATH = '/admin/policy';

/**
 * While the workspace is frozen: since when, until when (or until someone unfreezes it), why,
 * and, for a member whose role may see the policy page, a link to it.
 */
export function FreezeBanner(props: { freeze: FreezeState; role?: Member['role'] | undefined }) {
  const { freeze, role } = props;
  if (!freeze.frozen) return null;
  return (
    <p class="freeze" role="status">
      <strong>This workspace is frozen</strong>
      <FreezeTerms freeze={freeze} />. Assistants can read but change nothing.
      {role && maySee(role, 'policy') && (
        <>
          {' '}
          <a href={POLICY_PATH}>Policy and freeze</a>
        </>
      )}
    </p>
  );
}

function NavLink(props: { page: ConsolePage; current?: string }) {
  const { page, current } = props;
  return (
    <li>
      <a href={page.path} aria-current={current === page.path ? 'page' : undefined}>
        {page.label}
      </a>
    </li>
  );
}

/** The console navigation: the pages `role` may see, Integrations grouped under its heading. */
export function Navigation(props: { role: Member['role']; current?: string }) {
  const pages = visiblePages(props.role);
  const integrations = pages.filter((p) => p.group === 'Integrations');
  const items: Child[] = [];
  let grouped = false;
  for (const page of pages) {
    if (page.group !== 'Integrations') {
      items.push(<NavLink page={page} current={props.current} />);
    } else if (!grouped) {
      grouped = true;
      items.push(
        <li>
          <span class="group">Integrations</span>
          <ul>
            {integrations.map((p) => (
              <NavLink page={p} current={props.current} />
            ))}
          </ul>
        </li>,
      );
    }
  }
  return (
    <nav aria-label="Console">
      <ul>{items}</ul>
    </nav>
  );
}

export interface LayoutProps {
  readonly title: string;
  readonly signedIn?: PageMember;
  readonly freeze?: FreezeState;
  /** Open alerts, for owners and admins (undefined: not shown). */
  readonly openAlerts?: number;
  /** The path of the page, marked as current in the navigation. */
  readonly current?: string;
  readonly children?: Child;
}

export function Layout(props: LayoutProps) {
  const { title, signedIn, freeze } = props;
  const member = signedIn?.member;
  return (
    <html lang="en">
      <head>
        {HEAD_START}
        <title>{title} · Taskgate</title>
        {STYLESHEET_LINK}
        {SCRIPT_TAG}
      </head>
      <body>
        <header>
          <a class="brand" href="/admin">
            Taskgate
          </a>
          {member?.role && <Navigation role={member.role} current={props.current} />}
          {props.openAlerts !== undefined && props.openAlerts > 0 && (
            <a class="alert-count" href="/admin/alerts">
              {props.openAlerts} open alert{props.openAlerts === 1 ? '' : 's'}
            </a>
          )}
          {member && (
            <form class="signout" method="post" action="/logout">
              <span>
                {member.name} {'<'}
                {member.email}
                {'>'}
                {signedIn.workspace && ` · ${signedIn.workspace.slug}`}
              </span>
              <input type="hidden" name="csrf" value={signedIn.csrfToken ?? ''} />
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        {freeze && <FreezeBanner freeze={freeze} role={member?.role} />}
        <main>
          <h1>{title}</h1>
          {props.children}
          <p id={STATUS_REGION_ID} class="visually-hidden" role="status" aria-live="polite"></p>
        </main>
      </body>
    </html>
  );
}

/** A complete document as text: the doctype, then the layout. */
export async function renderDocument(props: LayoutProps): Promise<string> {
  return `<!doctype html>\n${await (<Layout {...props} />).toString()}\n`;
}

export interface PageOptions {
  readonly title: string;
  readonly status?: 200 | PageStatus;
  readonly signedIn?: PageMember & { readonly workspace?: Workspace };
  readonly current?: string;
}

/**
 * Answers `c` with a page. With a signed-in member the layout reads the workspace's freeze
 * state on every request, so the banner is never stale.
 */
export async function renderPage(c: Context, options: PageOptions, body: Child): Promise<Response> {
  const { signedIn } = options;
  const freeze =
    signedIn?.workspace && 'id' in signedIn.workspace
      ? (await adminUi(c).policyFor(signedIn.workspace)).freeze
      : undefined;
  const openAlerts = await countOpenAlerts(c, signedIn);
  const document = await renderDocument({
    title: options.title,
    ...(signedIn && { signedIn }),
    ...(freeze && { freeze }),
    ...(openAlerts !== undefined && { openAlerts }),
    ...(options.current && { current: options.current }),
    children: body,
  });
  return c.html(document, options.status ?? 200);
}

/** Only owners and admins may see alerts, so only they get the count (and its query). */
async function countOpenAlerts(c: Context, signedIn: PageOptions['signedIn']): Promise<number | undefined> {
  const role = signedIn?.member?.role;
  const count = adminUi(c).openAlerts;
  if (!count || !signedIn?.workspace || !('id' in signedIn.workspace) || !role || !maySee(role, 'alerts'))
    return undefined;
  return count(signedIn.workspace.id);
}
