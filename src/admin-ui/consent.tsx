/**
 * SECURITY: the OAuth consent page. A signed-in member sees which client asks (its name, and
 * "unverified" when anyone could have picked that name), where the browser goes afterwards,
 * the workspace and its environment, and each scope in plain words with a checkbox; the
 * member may grant fewer scopes, only chosen projects, or read-only. The decision is a POST
 * with the session's CSRF token from our origin, so another site cannot consent for them.
 * The form may post only to us and the redirect back may go only to the client's redirect
 * URI: the page's CSP names exactly those two origins.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Hono } from 'hono';
import { AppError } from '../core/index.js';
import {
  type ConsentDecision,
  type ConsentRequest,
  roleCeiling,
  SCOPE_DESCRIPTIONS,
  type Scope,
} from '../credentials/index.js';
import { describeClient, quoteText } from '../domain/index.js';
import type { Member, Project, Workspace } from '../model/index.js';
import { formLimit, readForm } from './form.js';
import { renderPage } from './layout.js';
import { requestOrigin, requireMember, type SignedInMember, verifyCsrf } from './session.js';
import { toPageError } from './to-page-error.js';

export const CONSENT_PATH = '/oauth/consent';

/** What the page needs of the authorization server (oauth implements it; http wires it). */
export interface ConsentPort {
  load(req: IncomingMessage, res: ServerResponse, uid: string): Promise<ConsentRequest>;
  approve(req: IncomingMessage, res: ServerResponse, uid: string, decision: ConsentDecision): Promise<string>;
  decline(
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    who: { workspace: Workspace; member: Member; ip: string | null },
  ): Promise<string>;
  /** The member's answer was refused: the OAuth error redirect for the client, if the request is still pending. */
  refuse(
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    who: { workspace: Workspace; member: Member; ip: string | null },
    error: unknown,
  ): Promise<string | undefined>;
}

export interface ConsentDeps {
  readonly consent: ConsentPort;
  /** The projects the member may choose from. */
  readonly projectsFor: (member: Member) => Promise<readonly Project[]>;
}

function node(c: Context): { req: IncomingMessage; res: ServerResponse } {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  if (!env?.incoming || !env.outgoing) throw new Error('the consent page needs the Node server');
  return { req: env.incoming, res: env.outgoing };
}

function page(c: Context, signedIn: SignedInMember, request: ConsentRequest, projects: readonly Project[]) {
  const { member, workspace, csrfToken } = signedIn;
  const ceiling = new Set<Scope>(roleCeiling(member.role));
  const client = request.client;
  const redirect = new URL(client.redirectUri);
  const scopes = request.scopes.map((scope) =>
    ceiling.has(scope) ? (
      <li>
        <label class="check">
          <input type="checkbox" name="scope" value={scope} checked /> {SCOPE_DESCRIPTIONS[scope]}{' '}
          <code>{scope}</code>
        </label>
      </li>
    ) : (
      <li class="notice">
        {SCOPE_DESCRIPTIONS[scope]} <code>{scope}</code> — your role ({member.role}) cannot grant this
      </li>
    ),
  );
  const projectChoices = projects.map((p) => (
    <li>
      <label class="check">
        <input type="checkbox" name="project" value={p.id} /> {p.key} · {quoteText(p.name)}
      </label>
    </li>
  ));
  // SECURITY: a self-registered client picks its own name: reduced to a safe set and quoted.
  const body = (
    <>
      <p>
        <strong>{describeClient(client.name) ?? `client ${quoteText(client.id)}`}</strong>
        {!client.verified && (
          <>
            {' '}
            <span class="error">unverified: this client registered itself and chose its own name</span>
          </>
        )}{' '}
        wants to act as you in workspace <strong>{workspace.name}</strong> ({workspace.slug},{' '}
        <strong>{workspace.environment}</strong>).
      </p>
      <p>
        After you decide, your browser goes to <code>{redirect.host}</code>
        {client.kind === 'metadata-document' && (
          <>
            {' '}
            (the client is published at <code>{new URL(client.id).host}</code>)
          </>
        )}
        .
      </p>
      <form class="stack" method="post" action={`${CONSENT_PATH}/${request.uid}`}>
        <input type="hidden" name="csrf" value={csrfToken} />
        <fieldset>
          <legend>It may</legend>
          <ul class="plain">{scopes}</ul>
        </fieldset>
        <fieldset>
          <legend>In</legend>
          <label class="check">
            <input type="radio" name="projects" value="all" checked /> every project you can see
          </label>
          <label class="check">
            <input type="radio" name="projects" value="chosen" /> only these projects:
          </label>
          <ul class="plain">{projectChoices}</ul>
        </fieldset>
        <label class="check">
          <input type="checkbox" name="read_only" value="1" /> read-only: refuse every change, whatever the
          scopes say
        </label>
        {request.offline && (
          <p class="notice">
            It asks to stay connected: it can renew its access until you revoke the connection.
          </p>
        )}
        <div class="decide">
          <button type="submit" name="decision" value="allow">
            Allow
          </button>
          <button type="submit" name="decision" value="deny" class="decline">
            Deny
          </button>
        </div>
      </form>
      <p class="notice">
        Every call it makes is recorded in the audit log. You can revoke it at any time (
        <code>taskgate connections revoke</code>).
      </p>
    </>
  );
  // The browser may follow the decision's redirect only back to the client.
  c.set('adminUiFormAction', redirect.origin);
  return renderPage(c, { title: 'Connect an assistant', signedIn }, body);
}

function failure(c: Context, signedIn: SignedInMember, error: unknown) {
  const { status, message } = toPageError(error);
  return renderPage(c, { title: 'Nothing was granted', status, signedIn }, <p>{message}</p>);
}

const list = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(
    (v): v is string => typeof v === 'string',
  );

export function mountConsent(app: Hono, deps: ConsentDeps): void {
  app.get(`${CONSENT_PATH}/:uid`, async (c) => {
    const signedIn = await requireMember(c);
    if (signedIn instanceof Response) return signedIn;
    try {
      const { req, res } = node(c);
      const request = await deps.consent.load(req, res, c.req.param('uid'));
      return page(c, signedIn, request, await deps.projectsFor(signedIn.member));
    } catch (error) {
      return failure(c, signedIn, error);
    }
  });

  app.post(`${CONSENT_PATH}/:uid`, formLimit(), async (c) => {
    const signedIn = await requireMember(c);
    if (signedIn instanceof Response) return signedIn;
    const form = await readForm(c, { all: true });
    if (form instanceof Response) return form;
    // Only the member's own form (CSRF checked) may end the request with an error for the client.
    let fromMember = false;
    try {
      if (!verifyCsrf(c, form.csrf)) {
        throw new AppError(
          'forbidden',
          'this form has expired or did not come from Taskgate; reload the page',
        );
      }
      fromMember = true;
      const { req, res } = node(c);
      const uid = c.req.param('uid');
      const { member, workspace } = signedIn;
      const { ip, userAgent } = requestOrigin(c);
      // "Allow" with nothing ticked grants nothing: the member said no.
      if (form.decision !== 'allow' || list(form.scope).length === 0) {
        return c.redirect(await deps.consent.decline(req, res, uid, { workspace, member, ip }), 303);
      }
      const chosen = form.projects === 'chosen';
      const projectIds = chosen ? list(form.project) : null;
      if (chosen && projectIds?.length === 0)
        throw new AppError('invalid_input', 'choose at least one project, or every project');
      const visible = new Set((await deps.projectsFor(member)).map((p) => p.id));
      if (projectIds?.some((id) => !visible.has(id))) throw new AppError('not_found', 'no such project');
      const scopes = list(form.scope);
      const target = await deps.consent.approve(req, res, uid, {
        workspace,
        member,
        scopes,
        projectIds,
        readOnly: form.read_only === '1',
        ip,
        userAgent,
      });
      return c.redirect(target, 303);
    } catch (error) {
      const { member, workspace } = signedIn;
      const who = { workspace, member, ip: requestOrigin(c).ip };
      const back = fromMember
        ? await deps.consent.refuse(node(c).req, node(c).res, c.req.param('uid'), who, error)
        : undefined;
      return back ? c.redirect(back, 303) : failure(c, signedIn, error);
    }
  });
}
