/**
 * Incident response in the browser, from a key's or a connection's page:
 * `/admin/keys/:id/incident` and `/admin/connections/:id/incident`. Contain it (revoke its
 * name, make the member's other keys dry-run-only, cancel their pending actions), read its
 * report, preview the revert and apply it — the incident service `taskgate incident …` calls,
 * with the same conflict rules: a change somebody made after the key is reported and skipped.
 * SECURITY: owners and admins only; anyone else, and any unknown id, gets the 404 page's exact
 * bytes. Contain and revert are CSRF-protected POSTs behind sudo mode; each change records
 * the member who made it, and each refused attempt is recorded here.
 */
import type { Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { z } from 'zod';
import { isAppError } from '../core/index.js';
import {
  INCIDENT_CONTAINED,
  INCIDENT_REVERTED,
  type IncidentService,
  type IncidentSubject,
  type RevertRun,
} from '../incident/index.js';
import { Field, fieldErrors } from './action.js';
import { formLimit, formText, readForm } from './form.js';
import { ContainView, ReportView, RevertView, SubjectView } from './incident-views.js';
import { renderPage } from './layout.js';
import { gate, notFoundPage } from './not-found.js';
import { requestOrigin, type SignedInMember, verifyCsrf } from './session.js';
import { requireRecentSignIn } from './sudo.js';
import { toPageError } from './to-page-error.js';

export interface IncidentDeps {
  readonly incident: IncidentService;
}

const FORM_EXPIRED = 'This form expired or did not come from this site. Reload the page and try again.';
const KINDS = [
  { kind: 'api_key', page: 'keys', prefix: '/admin/keys' },
  { kind: 'oauth', page: 'connections', prefix: '/admin/connections' },
] as const;
type Kind = (typeof KINDS)[number];

/** The typed confirmation: the credential's name, exactly (a stray click contains nothing). */
const containSchema = (name: string) =>
  z.object({
    confirm: z
      .string()
      .max(200, 'is too long')
      .refine(
        // Only spaces are forgiven: a line break or control character glued to the name is refused.
        (value) => value.replace(/^ +| +$/g, '') === name,
        `type the name ${name} exactly to confirm`,
      ),
  });

interface Loaded {
  readonly signedIn: SignedInMember;
  readonly subject: IncidentSubject;
  readonly base: string;
}

export function mountIncident(app: Hono, deps: IncidentDeps): void {
  const { incident } = deps;
  for (const kind of KINDS) mountKind(app, incident, kind);
}

function mountKind(app: Hono, incident: IncidentService, kind: Kind): void {
  const base = `${kind.prefix}/:id/incident`;

  /** Gate, then the credential: a role that may not respond, or an unknown id, is the 404. */
  async function load(c: Context): Promise<Loaded | Response> {
    const signedIn = await gate(c, kind.page);
    if (signedIn instanceof Response) return signedIn;
    try {
      const subject = await incident.subject(
        signedIn.workspace,
        c.req.param('id') ?? '',
        kind.kind,
        signedIn.member,
      );
      return { signedIn, subject, base: `${kind.prefix}/${subject.id}/incident` };
    } catch (error) {
      if (isAppError(error) && error.code === 'not_found') return notFoundPage(c, signedIn);
      throw error;
    }
  }

  const page = (
    c: Context,
    loaded: Loaded,
    title: string,
    body: Child,
    status: 200 | 400 | 403 | 404 | 409 = 200,
  ) =>
    renderPage(
      c,
      { title, status, signedIn: loaded.signedIn, current: kind.prefix },
      <>
        {body}
        <p class="screen-only">
          <a href={loaded.base}>Back to the incident</a> ·{' '}
          <a href={`${kind.prefix}/${loaded.subject.id}`}>
            Back to the {kind.kind === 'oauth' ? 'connection' : 'key'}
          </a>
        </p>
      </>,
    );

  const refused = (
    c: Context,
    loaded: Loaded,
    action: string,
    reason: string,
    detail: Record<string, unknown> = {},
  ) => {
    const { member, workspace } = loaded.signedIn;
    return c.get('adminUi').audit.append({
      action,
      outcome: 'denied',
      errorCode: reason === 'csrf' ? 'forbidden' : 'invalid_input',
      workspaceId: workspace.id,
      memberId: member.id,
      credentialId: loaded.subject.id,
      credentialName: loaded.subject.name,
      environment: workspace.environment,
      ...requestOrigin(c),
      detail: { reason, via: 'console', ...detail },
    });
  };

  const failure = (c: Context, loaded: Loaded, error: unknown) => {
    const { status, message } = toPageError(error);
    return renderPage(
      c,
      { title: 'Nothing was changed', status, signedIn: loaded.signedIn },
      <p class="error" role="alert">
        {message}
      </p>,
    );
  };

  const containForm = (
    c: Context,
    loaded: Loaded,
    state: { value?: string; errors?: Record<string, string>; status?: 200 | 400 | 403 },
  ) => {
    const errors = state.errors ?? {};
    return page(
      c,
      loaded,
      `Contain ${loaded.subject.name}`,
      <>
        {Object.keys(errors).length > 0 && (
          <p class="error" role="alert">
            {errors[''] ?? 'Nothing was changed: correct the field marked below.'}
          </p>
        )}
        <SubjectView subject={loaded.subject} />
        <p>
          Containing revokes every key named {loaded.subject.name} (its rotations included), makes the
          member's other keys and connections dry-run only, and cancels the pending actions any of them asked
          for.
        </p>
        <form class="stack" method="post" action={`${loaded.base}/contain`} novalidate>
          <input type="hidden" name="csrf" value={loaded.signedIn.csrfToken} />
          <Field
            name="confirm"
            label={`Type “${loaded.subject.name}” to confirm`}
            value={state.value ?? ''}
            error={errors.confirm}
          />
          <button type="submit">Contain it</button>
        </form>
      </>,
      state.status ?? 200,
    );
  };

  app.get(base, async (c) => {
    const loaded = await load(c);
    if (loaded instanceof Response) return loaded;
    return page(
      c,
      loaded,
      `Incident: ${loaded.subject.name}`,
      <>
        <SubjectView subject={loaded.subject} />
        <ol>
          <li>
            <a href={`${loaded.base}/contain`}>Contain it</a>: revoke it, make the member's other keys dry-run
            only, cancel their pending actions.
          </li>
          <li>
            <a href={`${loaded.base}/report`}>Read its report</a>: when, from where and what it did.
          </li>
          <li>
            <a href={`${loaded.base}/revert`}>Preview the revert</a>, then apply it.
          </li>
        </ol>
      </>,
    );
  });

  app.get(`${base}/contain`, async (c) => {
    const loaded = await load(c);
    if (loaded instanceof Response) return loaded;
    const sudo = requireRecentSignIn(c, loaded.signedIn);
    if (sudo) return sudo;
    return containForm(c, loaded, {});
  });

  app.post(`${base}/contain`, formLimit(), async (c) => {
    const loaded = await load(c);
    if (loaded instanceof Response) return loaded;
    const form = await readForm(c);
    if (form instanceof Response) return form;
    const value = formText(form, 'confirm');
    if (!verifyCsrf(c, form.csrf)) {
      await refused(c, loaded, INCIDENT_CONTAINED, 'csrf');
      return containForm(c, loaded, { value, errors: { '': FORM_EXPIRED }, status: 403 });
    }
    // After the token, so a foreign page cannot probe the session's age.
    const sudo = requireRecentSignIn(c, loaded.signedIn, { returnTo: `${loaded.base}/contain` });
    if (sudo) return sudo;
    const parsed = containSchema(loaded.subject.name).safeParse({ confirm: value });
    if (!parsed.success) {
      await refused(c, loaded, INCIDENT_CONTAINED, 'invalid_input', { fields: ['confirm'] });
      return containForm(c, loaded, { value, errors: fieldErrors(parsed.error), status: 400 });
    }
    try {
      const { workspace, member } = loaded.signedIn;
      const result = await incident.contain(workspace, loaded.subject.name, member);
      return page(
        c,
        loaded,
        result.changed ? 'Contained' : 'Already contained',
        <ContainView result={result} base={loaded.base} />,
      );
    } catch (error) {
      return failure(c, loaded, error);
    }
  });

  app.get(`${base}/report`, async (c) => {
    const loaded = await load(c);
    if (loaded instanceof Response) return loaded;
    try {
      const { workspace, member } = loaded.signedIn;
      const report = await incident.report(workspace, { keyName: loaded.subject.name }, member);
      return page(c, loaded, `Report: ${loaded.subject.name}`, <ReportView report={report} />);
    } catch (error) {
      return failure(c, loaded, error);
    }
  });

  app.get(`${base}/revert`, async (c) => {
    const loaded = await load(c);
    if (loaded instanceof Response) return loaded;
    const { workspace, member, csrfToken } = loaded.signedIn;
    let run: RevertRun;
    try {
      run = await incident.revert(workspace, { keyName: loaded.subject.name }, member, { dryRun: true });
    } catch (error) {
      return failure(c, loaded, error);
    }
    return page(
      c,
      loaded,
      `Revert preview: ${loaded.subject.name}`,
      <>
        <p>
          Nothing has been changed yet. Applying undoes each step newest first, each in its own audited
          transaction; an object somebody changed after the key is a conflict, reported and skipped, never
          overwritten.
        </p>
        <RevertView run={run} />
        {run.counts.planned > 0 && (
          <form class="stack" method="post" action={`${loaded.base}/revert`}>
            <input type="hidden" name="csrf" value={csrfToken} />
            <button type="submit">Apply the revert</button>
          </form>
        )}
      </>,
    );
  });

  app.post(`${base}/revert`, formLimit(), async (c) => {
    const loaded = await load(c);
    if (loaded instanceof Response) return loaded;
    const form = await readForm(c);
    if (form instanceof Response) return form;
    if (!verifyCsrf(c, form.csrf)) {
      await refused(c, loaded, INCIDENT_REVERTED, 'csrf');
      return page(
        c,
        loaded,
        'Nothing was changed',
        <p class="error" role="alert">
          {FORM_EXPIRED}
        </p>,
        403,
      );
    }
    const sudo = requireRecentSignIn(c, loaded.signedIn, { returnTo: `${loaded.base}/revert` });
    if (sudo) return sudo;
    try {
      const { workspace, member } = loaded.signedIn;
      const run = await incident.revert(workspace, { keyName: loaded.subject.name }, member, {
        dryRun: false,
      });
      const { conflict, failed, manual } = run.counts;
      const complete = conflict + failed + manual === 0;
      return page(
        c,
        loaded,
        complete ? 'Reverted' : 'Reverted, except what needs you',
        <RevertView run={run} />,
      );
    } catch (error) {
      return failure(c, loaded, error);
    }
  });
}
