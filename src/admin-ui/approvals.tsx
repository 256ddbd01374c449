/**
 * Approvals: a signed-in member sees the changes an assistant asked to make on their behalf
 * and approves or declines each one. The page shows the exact plan; the form carries the
 * plan's digest, so an approval only executes the plan the member saw, and only if the
 * data still matches it. Pages need a session, every POST a CSRF token from our origin,
 * and nothing is framable (`frame-ancestors 'none'`, set for all of /admin).
 */
import type { Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { AppError } from '../core/index.js';
import { describeClient, quoteJson, quoteText } from '../domain/index.js';
import { type ActionService, type ConfirmResult, type EffectivePolicy, fieldDiff } from '../guard/index.js';
import type { Member, ObjectChange, PendingAction, Workspace } from '../model/index.js';
import { ApprovalHistory, historyPage, parseHistoryCursor } from './approval-history.js';
import type { MemberDirectory } from './connections.js';
import { formLimit, readForm } from './form.js';
import { renderPage, Time } from './layout.js';
import { gate } from './not-found.js';
import type { SignedInMember } from './session.js';
import { verifyCsrf } from './session.js';
import { type PageStatus, toPageError } from './to-page-error.js';

export interface ApprovalDeps {
  readonly actions: ActionService;
  readonly policyFor: (workspace: Workspace) => Promise<EffectivePolicy>;
  /** Who asked and who decided, by email, in the history. */
  readonly members: MemberDirectory;
}

const APPROVALS_PATH = '/admin/approvals';

async function mayApproveOthers(deps: ApprovalDeps, member: Member, workspace: Workspace) {
  const policy = await deps.policyFor(workspace);
  return policy.approver === 'member_or_admin' && (member.role === 'owner' || member.role === 'admin');
}

/** What waits for `member`'s decision: the inbox the Approvals page lists (the Overview counts it). */
export async function pendingForMember(deps: ApprovalDeps, member: Member, workspace: Workspace) {
  return deps.actions.pendingFor(member, await mayApproveOthers(deps, member, workspace));
}

// Quoted like the MCP preview, so a bidi control or line break stored in a value shows as an escape.
const show = (value: unknown) => (value === null || value === undefined ? '—' : quoteJson(value));

function ChangeView(props: { change: ObjectChange }) {
  const { change } = props;
  const title = (
    <h2>
      {change.op} {change.kind.replace('_', ' ')} {change.ref}
    </h2>
  );
  if (change.op === 'update') {
    return (
      <>
        {title}
        <table>
          <thead>
            <tr>
              <th scope="col">field</th>
              <th scope="col">now</th>
              <th scope="col">after</th>
            </tr>
          </thead>
          <tbody>
            {fieldDiff(change).map((d) => (
              <tr>
                <th scope="row">{d.field}</th>
                <td class="before">{show(d.before)}</td>
                <td class="after">{show(d.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </>
    );
  }
  if (change.op === 'create') {
    return (
      <>
        {title}
        <table>
          <tbody>
            {Object.entries(change.after ?? {}).map(([field, value]) => (
              <tr>
                <th scope="row">{field}</th>
                <td>{show(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </>
    );
  }
  const entries = change.dependents?.timeEntries === 1 ? 'y' : 'ies';
  return (
    <>
      {title}
      <p>{show(change.before?.title ?? change.before?.name)}</p>
      {change.dependents && (
        <p>
          With {change.dependents.comments} comment(s) and {change.dependents.timeEntries} time entr{entries}.
        </p>
      )}
      {change.op === 'delete' && <p>It goes to the trash and can be restored.</p>}
    </>
  );
}

function ActionView(props: { action: PendingAction; signedIn: SignedInMember }) {
  const { action, signedIn } = props;
  const plan = action.plan as {
    changes?: ObjectChange[];
    requestedBy?: {
      credential?: string;
      client?: string | null;
      clientVersion?: string | null;
      ip?: string | null;
    };
  };
  const by = plan.requestedBy ?? {};
  // SECURITY: the client name and the reason are the caller's words: reduced, quoted, never bare.
  const client = describeClient(by.client, by.clientVersion) ?? 'an unnamed client';
  const reason = typeof action.args.reason === 'string' ? action.args.reason : null;
  const forms =
    action.status === 'pending' ? (
      <div class="decide">
        <form method="post" action={`${APPROVALS_PATH}/${action.id}/approve`}>
          <input type="hidden" name="csrf" value={signedIn.csrfToken} />
          <input type="hidden" name="digest" value={action.digest} />
          <button type="submit" class="approve">
            Approve and run
          </button>
        </form>
        <form method="post" action={`${APPROVALS_PATH}/${action.id}/decline`}>
          <input type="hidden" name="csrf" value={signedIn.csrfToken} />
          <button type="submit" class="decline">
            Decline
          </button>
        </form>
      </div>
    ) : (
      <p class="status">
        This request is {action.status === 'executed' ? 'approved and done' : action.status}.
      </p>
    );
  return (
    <>
      <p>
        <strong>{by.credential ?? 'A key'}</strong> ({client}
        {by.ip ? `, from ${by.ip}` : ''}) asks to run <code>{action.tool}</code> in workspace{' '}
        {signedIn.workspace.slug} ({signedIn.workspace.environment}).
      </p>
      <p>Reason given: {reason ? quoteText(reason) : 'none'}</p>
      <p>
        Requested <Time iso={action.createdAt} />; expires <Time iso={action.expiresAt} />.
      </p>
      {(plan.changes ?? []).map((change) => (
        <ChangeView change={change} />
      ))}
      {forms}
    </>
  );
}

function resultPage(
  c: Context,
  signedIn: SignedInMember,
  title: string,
  body: Child,
  status: 200 | PageStatus = 200,
) {
  return renderPage(
    c,
    { title, status, signedIn, current: APPROVALS_PATH },
    <>
      {body}
      <p>
        <a href={APPROVALS_PATH}>Back to approvals</a>
      </p>
    </>,
  );
}

function errorPage(c: Context, signedIn: SignedInMember, error: unknown) {
  const { status, message } = toPageError(error);
  return resultPage(c, signedIn, 'Nothing was done', <p>{message}</p>, status);
}

function outcomeBody(result: ConfirmResult): { title: string; body: Child; status: 200 | 409 } {
  if (result.kind === 'done')
    return { title: 'Approved and done', body: <p>{result.applied.text}</p>, status: 200 };
  return {
    title: 'Nothing was done: the data changed',
    body: (
      <>
        <p>
          The data changed after the request was made, so the approved plan no longer matches. The change
          would now be:
        </p>
        <pre>{result.plan.preview}</pre>
        <p>Ask the assistant to plan it again.</p>
      </>
    ),
    status: 409,
  };
}

export function mountApprovals(app: Hono, deps: ApprovalDeps): void {
  app.get(APPROVALS_PATH, async (c) => {
    const signedIn = await gate(c, 'approvals');
    if (signedIn instanceof Response) return signedIn;
    const { member, workspace } = signedIn;
    const pending = await pendingForMember(deps, member, workspace);
    const rows = pending.map((a) => (
      <li>
        <a href={`${APPROVALS_PATH}/${a.id}`}>{a.tool}</a> —{' '}
        {(a.plan as { requestedBy?: { credential?: string } }).requestedBy?.credential ?? ''}, expires{' '}
        <Time iso={a.expiresAt} />
      </li>
    ));
    const after = parseHistoryCursor(c.req.query('before'));
    if (after === null) {
      return resultPage(c, signedIn, 'Approvals', <p>This page link is not valid.</p>, 400);
    }
    const history = await historyPage(
      (m, page) => deps.actions.decidedFor(m, page),
      member,
      after,
      APPROVALS_PATH,
    );
    const emails = new Map((await deps.members(workspace.id)).map((m) => [m.id, m.email]));
    return resultPage(
      c,
      signedIn,
      'Approvals',
      <>
        {pending.length ? <ul class="approvals">{rows}</ul> : <p>Nothing is waiting for you.</p>}
        <ApprovalHistory
          page={history}
          emails={emails}
          everyone={member.role === 'owner' || member.role === 'admin'}
          paged={after !== undefined}
        />
      </>,
    );
  });

  app.get(`${APPROVALS_PATH}/:id`, async (c) => {
    const signedIn = await gate(c, 'approvals');
    if (signedIn instanceof Response) return signedIn;
    try {
      const { member, workspace } = signedIn;
      const action = await deps.actions.forApprover(
        member,
        c.req.param('id'),
        await mayApproveOthers(deps, member, workspace),
      );
      return resultPage(c, signedIn, 'Approve a change', <ActionView action={action} signedIn={signedIn} />);
    } catch (error) {
      return errorPage(c, signedIn, error);
    }
  });

  app.post(`${APPROVALS_PATH}/:id/:decision{approve|decline}`, formLimit(), async (c) => {
    const signedIn = await gate(c, 'approvals');
    // SECURITY: no session → no decision; the redirect carries nothing of the form.
    if (signedIn instanceof Response) return signedIn;
    const form = await readForm(c);
    if (form instanceof Response) return form;
    try {
      if (!verifyCsrf(c, form.csrf))
        throw new AppError(
          'forbidden',
          'this form has expired or did not come from Taskgate; reload the page',
        );
      const { member, workspace } = signedIn;
      const action = await deps.actions.forApprover(
        member,
        c.req.param('id'),
        await mayApproveOthers(deps, member, workspace),
      );
      if (c.req.param('decision') === 'decline') {
        await deps.actions.decline(member, action);
        return resultPage(
          c,
          signedIn,
          'Declined',
          <p>Nothing was changed. The assistant will see that you declined.</p>,
        );
      }
      const digest = typeof form.digest === 'string' ? form.digest : '';
      const { title, body, status } = outcomeBody(
        await deps.actions.approve(member, workspace, action, digest),
      );
      return resultPage(c, signedIn, title, body, status);
    } catch (error) {
      return errorPage(c, signedIn, error);
    }
  });
}
