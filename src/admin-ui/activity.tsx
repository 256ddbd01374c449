/**
 * Activity: the audit viewer. `/admin/activity` lists the events of the member's view,
 * filtered and paged with the Activity service's MAC'd cursors; `/admin/activity/export`
 * downloads the same view (JSONL, CSV, OCSF); an event's page and the chain verification
 * live beside it (activity-event.tsx, activity-verify.tsx). SECURITY: who sees what is the
 * service's rule (audit-reader.ts), the same one `taskgate audit query` obeys: an owner or
 * admin sees the workspace, a member only their own events, whatever the URL says; a viewer
 * gets the unknown page's 404 from `gate`. A forged cursor or filter is a 400 page naming
 * the field, with no event on it.
 */
import type { Context, Hono } from 'hono';
import type { AuditPage } from '../audit/index.js';
import { type FieldIssue, isAppError } from '../core/index.js';
import { canSeeAllProjects } from '../domain/index.js';
import { mountActivityEvent } from './activity-event.js';
import {
  ACTIVITY_EXPORT_PATH,
  ACTIVITY_PATH,
  type ActivityDeps,
  EventTable,
  EXPORT_MAX_EVENTS,
  Exports,
  FilterForm,
  OtherErrors,
  Paging,
  VerifyBox,
  viewerOf,
} from './activity-list.js';
import { type ActivityQuery, FILTER_FIELDS, readActivityQuery } from './activity-query.js';
import { mountActivityVerify } from './activity-verify.js';
import { renderPage } from './layout.js';
import { gate } from './not-found.js';
import type { SignedInMember } from './session.js';
import { toPageError } from './to-page-error.js';

export {
  ACTIVITY_EXPORT_PATH,
  ACTIVITY_PATH,
  ACTIVITY_VERIFY_PATH,
  type ActivityDeps,
  EXPORT_MAX_EVENTS,
} from './activity-list.js';

const issuesOf = (issues: readonly FieldIssue[]) => {
  const out: Record<string, string> = {};
  for (const issue of issues) out[issue.field] ??= issue.message;
  return out;
};

/** The field issues of a refused view, or the error rethrown when it is not a refusal of input. */
function refusal(error: unknown): FieldIssue[] {
  if (isAppError(error) && error.code === 'invalid_input')
    return error.fields.length ? [...error.fields] : [{ field: '', message: error.publicMessage }];
  throw error;
}

async function listPage(
  c: Context,
  deps: ActivityDeps,
  signedIn: SignedInMember,
  query: ActivityQuery,
  outcome: { page: AuditPage } | { issues: readonly FieldIssue[] },
) {
  const seesAll = canSeeAllProjects(signedIn.member.role);
  const errors = 'issues' in outcome ? issuesOf(outcome.issues) : {};
  const shown: string[] = seesAll ? [...FILTER_FIELDS] : FILTER_FIELDS.filter((f) => f !== 'member');
  let verify = null;
  if (seesAll) {
    const last = await deps.activity.lastVerification(signedIn.workspace);
    const members = 'page' in outcome ? outcome.page.members : undefined;
    const by = last?.memberId ? (members?.get(last.memberId)?.email ?? 'a member') : null;
    verify = <VerifyBox last={last} by={by} signedIn={signedIn} />;
  }
  return renderPage(
    c,
    {
      title: 'Activity',
      status: 'issues' in outcome ? 400 : 200,
      signedIn,
      current: ACTIVITY_PATH,
    },
    <>
      <p>
        {seesAll
          ? `Every MCP call and security action in workspace ${signedIn.workspace.slug}.`
          : 'Your own MCP calls and security actions: the keys and connections that act for you, and what you did here.'}
      </p>
      {'issues' in outcome && (
        <p class="error" role="alert">
          Nothing is shown: correct the filters marked below.
        </p>
      )}
      <OtherErrors errors={errors} shown={shown} />
      <FilterForm query={query} errors={errors} seesAll={seesAll} />
      {'page' in outcome && (
        <>
          <EventTable page={outcome.page} />
          <Paging page={outcome.page} query={query} />
          <Exports query={query} />
        </>
      )}
      {verify}
    </>,
  );
}

function errorPage(c: Context, signedIn: SignedInMember, error: unknown) {
  const { status, message } = toPageError(error);
  return renderPage(
    c,
    { title: 'Activity', status, signedIn, current: ACTIVITY_PATH },
    <p class="error" role="alert">
      {message}
    </p>,
  );
}

export function mountActivity(app: Hono, deps: ActivityDeps): void {
  // Before `/:id`, which would otherwise read these as event ids.
  mountActivityVerify(app, deps);

  app.get(ACTIVITY_EXPORT_PATH, async (c) => {
    const signedIn = await gate(c, 'activity');
    if (signedIn instanceof Response) return signedIn;
    const query = readActivityQuery(c);
    const format = c.req.queries('format') ?? [];
    const issues = [...query.issues];
    if (format.length !== 1) issues.push({ field: 'format', message: 'choose one of jsonl, csv or ocsf' });
    if (query.cursor !== undefined) issues.push({ field: 'cursor', message: 'is not part of an export' });
    if (issues.length) return listPage(c, deps, signedIn, query, { issues });
    try {
      const download = await deps.activity.export(viewerOf(signedIn), query.filters, format[0] ?? '', {
        maxEvents: EXPORT_MAX_EVENTS,
      });
      const encoder = new TextEncoder();
      const iterator = download.chunks[Symbol.asyncIterator]();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { value, done } = await iterator.next();
          if (done) controller.close();
          else controller.enqueue(encoder.encode(value.text));
        },
        async cancel() {
          await iterator.return?.();
        },
      });
      return c.body(body, 200, {
        'Content-Type': `${download.contentType}; charset=utf-8`,
        // The slug is a-z, 0-9 and dashes: nothing to quote or escape.
        'Content-Disposition': `attachment; filename="${download.filename}"`,
        'X-Content-Type-Options': 'nosniff',
      });
    } catch (error) {
      try {
        return listPage(c, deps, signedIn, query, { issues: refusal(error) });
      } catch (other) {
        return errorPage(c, signedIn, other);
      }
    }
  });

  mountActivityEvent(app, deps);

  app.get(ACTIVITY_PATH, async (c) => {
    const signedIn = await gate(c, 'activity');
    if (signedIn instanceof Response) return signedIn;
    const query = readActivityQuery(c);
    if (query.issues.length) return listPage(c, deps, signedIn, query, { issues: query.issues });
    try {
      const page = await deps.activity.page(viewerOf(signedIn), {
        ...query.filters,
        ...(query.cursor !== undefined && { cursor: query.cursor }),
        ...(query.limit !== undefined && { limit: query.limit }),
      });
      return listPage(c, deps, signedIn, query, { page });
    } catch (error) {
      try {
        return listPage(c, deps, signedIn, query, { issues: refusal(error) });
      } catch (other) {
        return errorPage(c, signedIn, other);
      }
    }
  });
}
