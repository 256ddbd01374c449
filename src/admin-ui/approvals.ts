/**
 * Approvals: a signed-in member sees the changes an assistant asked to make on their behalf
 * and approves or declines each one. The page shows the exact plan; the form carries the
 * plan's digest, so an approval only executes the plan the member saw, and only if the
 * data still matches it. Pages need a session, every POST a CSRF token from our origin,
 * and nothing is framable (`frame-ancestors 'none'`, set for all of /admin).
 */
import type { Context, Hono } from 'hono';
import { AppError } from '../core/index.js';
import { describeClient, quoteJson, quoteText } from '../domain/index.js';
import { type ActionService, type ConfirmResult, type EffectivePolicy, fieldDiff } from '../guard/index.js';
import type { Member, ObjectChange, PendingAction, Workspace } from '../model/index.js';
import { formLimit, readForm } from './form.js';
import { html, layout, type SafeHtml } from './page.js';
import { requireMember, type SignedInMember, verifyCsrf } from './session.js';
import { type PageStatus, toPageError } from './to-page-error.js';

export interface ApprovalDeps {
  readonly actions: ActionService;
  readonly policyFor: (workspace: Workspace) => Promise<EffectivePolicy>;
}

async function mayApproveOthers(deps: ApprovalDeps, member: Member, workspace: Workspace) {
  const policy = await deps.policyFor(workspace);
  return policy.approver === 'member_or_admin' && (member.role === 'owner' || member.role === 'admin');
}

// Quoted like the MCP preview, so a bidi control or line break stored in a value shows as an escape.
const show = (value: unknown) => (value === null || value === undefined ? '—' : quoteJson(value));

function changeView(change: ObjectChange): SafeHtml {
  const title = html`<h3>${change.op} ${change.kind.replace('_', ' ')} ${change.ref}</h3>`;
  if (change.op === 'update') {
    const rows = fieldDiff(change).map(
      (d) =>
        html`<tr><th>${d.field}</th><td class="before">${show(d.before)}</td><td class="after">${show(d.after)}</td></tr>`,
    );
    return html`${title}<table><thead><tr><th>field</th><th>now</th><th>after</th></tr></thead><tbody>${rows}</tbody></table>`;
  }
  if (change.op === 'create') {
    const rows = Object.entries(change.after ?? {}).map(
      ([field, value]) => html`<tr><th>${field}</th><td>${show(value)}</td></tr>`,
    );
    return html`${title}<table><tbody>${rows}</tbody></table>`;
  }
  const dependents = change.dependents
    ? html`<p>With ${change.dependents.comments} comment(s) and ${change.dependents.timeEntries} time entr${change.dependents.timeEntries === 1 ? 'y' : 'ies'}.</p>`
    : '';
  const undo = change.op === 'delete' ? html`<p>It goes to the trash and can be restored.</p>` : '';
  return html`${title}<p>${show(change.before?.title ?? change.before?.name)}</p>${dependents}${undo}`;
}

function actionView(action: PendingAction, signedIn: SignedInMember): SafeHtml {
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
  const changes = (plan.changes ?? []).map(changeView);
  const open = action.status === 'pending';
  const forms = open
    ? html`<div class="decide">
<form method="post" action="/admin/approvals/${action.id}/approve">
  <input type="hidden" name="csrf" value="${signedIn.csrfToken}">
  <input type="hidden" name="digest" value="${action.digest}">
  <button type="submit" class="approve">Approve and run</button>
</form>
<form method="post" action="/admin/approvals/${action.id}/decline">
  <input type="hidden" name="csrf" value="${signedIn.csrfToken}">
  <button type="submit" class="decline">Decline</button>
</form>
</div>`
    : html`<p class="status">This request is ${action.status === 'executed' ? 'approved and done' : action.status}.</p>`;
  return html`<p><strong>${by.credential ?? 'A key'}</strong> (${client}${by.ip ? `, from ${by.ip}` : ''}) asks to run <code>${action.tool}</code> in workspace ${signedIn.workspace.slug} (${signedIn.workspace.environment}).</p>
<p>Reason given: ${reason ? quoteText(reason) : 'none'}</p>
<p>Requested ${action.createdAt}; expires ${action.expiresAt}.</p>
${changes}
${forms}`;
}

function resultPage(
  c: Context,
  signedIn: SignedInMember,
  title: string,
  body: SafeHtml,
  status: 200 | PageStatus = 200,
) {
  const { member, workspace, csrfToken } = signedIn;
  return c.html(
    layout(title, html`${body}<p><a href="/admin/approvals">Back to approvals</a></p>`, {
      member,
      workspace,
      csrfToken,
    }).value,
    status,
  );
}

function errorPage(c: Context, signedIn: SignedInMember, error: unknown) {
  const { status, message } = toPageError(error);
  return resultPage(c, signedIn, 'Nothing was done', html`<p>${message}</p>`, status);
}

function outcomeBody(result: ConfirmResult): { title: string; body: SafeHtml; status: 200 | 409 } {
  if (result.kind === 'done')
    return { title: 'Approved and done', body: html`<p>${result.applied.text}</p>`, status: 200 };
  return {
    title: 'Nothing was done: the data changed',
    body: html`<p>The data changed after the request was made, so the approved plan no longer matches. The change would now be:</p>
<pre>${result.plan.preview}</pre><p>Ask the assistant to plan it again.</p>`,
    status: 409,
  };
}

export function mountApprovals(app: Hono, deps: ApprovalDeps): void {
  app.get('/admin/approvals', async (c) => {
    const signedIn = await requireMember(c);
    if (signedIn instanceof Response) return signedIn;
    const { member, workspace } = signedIn;
    const pending = await deps.actions.pendingFor(member, await mayApproveOthers(deps, member, workspace));
    const rows = pending.map(
      (a) =>
        html`<li><a href="/admin/approvals/${a.id}">${a.tool}</a> — ${(a.plan as { requestedBy?: { credential?: string } }).requestedBy?.credential ?? ''}, expires ${a.expiresAt}</li>`,
    );
    return resultPage(
      c,
      signedIn,
      'Approvals',
      pending.length ? html`<ul class="approvals">${rows}</ul>` : html`<p>Nothing is waiting for you.</p>`,
    );
  });

  app.get('/admin/approvals/:id', async (c) => {
    const signedIn = await requireMember(c);
    if (signedIn instanceof Response) return signedIn;
    try {
      const { member, workspace } = signedIn;
      const action = await deps.actions.forApprover(
        member,
        c.req.param('id'),
        await mayApproveOthers(deps, member, workspace),
      );
      return resultPage(c, signedIn, 'Approve a change', actionView(action, signedIn));
    } catch (error) {
      return errorPage(c, signedIn, error);
    }
  });

  app.post('/admin/approvals/:id/:decision{approve|decline}', formLimit(), async (c) => {
    const signedIn = await requireMember(c);
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
          html`<p>Nothing was changed. The assistant will see that you declined.</p>`,
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
