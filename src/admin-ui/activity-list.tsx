/**
 * The Activity page's parts: the filter form (a GET form, so a view is a link to share),
 * the events table, the newer/older links, the export links of the same view and, for
 * owners and admins, the chain's last verification with the button that runs one.
 * Every value shown went through Hono's escaping; free text the caller chose (a client
 * name, a key name typed by a model) is shown as it is stored, escaped, never as markup.
 */
import type { ActivityService, ActivityViewer, AuditPage, LastVerification } from '../audit/index.js';
import { AUDIT_EXPORT_FORMATS } from '../audit/index.js';
import { escapeUnsafe } from '../domain/index.js';
import { AUDIT_OUTCOMES, type AuditEvent, type Member } from '../model/index.js';
import { type ActivityQuery, type FilterField, viewQuery } from './activity-query.js';
import { Time } from './layout.js';
import type { SignedInMember } from './session.js';

export const ACTIVITY_PATH = '/admin/activity';
export const ACTIVITY_EXPORT_PATH = `${ACTIVITY_PATH}/export`;
export const ACTIVITY_VERIFY_PATH = `${ACTIVITY_PATH}/verify`;
/** The most events one console download holds (oldest first); the CLI exports any number. */
export const EXPORT_MAX_EVENTS = 20_000;

export interface ActivityDeps {
  /** The service `taskgate audit query|show|export|verify` calls too. */
  readonly activity: ActivityService;
}

export const viewerOf = (signedIn: SignedInMember): ActivityViewer => ({
  kind: 'member',
  member: signedIn.member,
});

const HINTS: Record<FilterField, string> = {
  key: 'a key name like cursor-work-laptop, or its id',
  member: "a member's email or id",
  tool: 'an MCP tool like update_task',
  action: 'like mcp.tool_called or key.revoked',
  outcome: '',
  ip: 'an address, or a block like 203.0.113.0/24',
  since: 'a duration ago like 24h or 7d, or a time like 2026-11-03T18:00:00Z',
  until: 'the same forms; events before it',
};

const LABELS: Record<FilterField, string> = {
  key: 'Key',
  member: 'Member',
  tool: 'Tool',
  action: 'Action',
  outcome: 'Outcome',
  ip: 'IP address',
  since: 'Since',
  until: 'Until',
};

function FilterBox(props: { field: FilterField; value?: string | undefined; error?: string | undefined }) {
  const { field, error } = props;
  const hintId = `${field}-hint`;
  const errorId = `${field}-error`;
  const describedBy = [HINTS[field] ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ');
  const common = {
    name: field,
    id: `filter-${field}`,
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': describedBy || undefined,
  };
  return (
    <div class="field">
      <label for={`filter-${field}`}>{LABELS[field]}</label>
      {field === 'outcome' ? (
        <select {...common}>
          <option value="">any</option>
          {AUDIT_OUTCOMES.map((o) => (
            <option value={o} selected={props.value === o}>
              {o}
            </option>
          ))}
        </select>
      ) : (
        <input type="text" autocomplete="off" value={props.value ?? ''} {...common} />
      )}
      {HINTS[field] && (
        <p class="hint" id={hintId}>
          {HINTS[field]}
        </p>
      )}
      {error && (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

export function FilterForm(props: {
  query: ActivityQuery;
  errors: Readonly<Record<string, string>>;
  seesAll: boolean;
}) {
  const { query, errors } = props;
  // A member's view is only their own: a member box would only ever narrow it to nothing.
  const fields: FilterField[] = props.seesAll
    ? ['key', 'member', 'tool', 'action', 'outcome', 'ip', 'since', 'until']
    : ['key', 'tool', 'action', 'outcome', 'ip', 'since', 'until'];
  return (
    <form class="filters" method="get" action={ACTIVITY_PATH} aria-label="Filter the activity">
      {fields.map((field) => (
        <FilterBox field={field} value={query.values[field]} error={errors[field]} />
      ))}
      <div class="filter-actions">
        <button type="submit">Filter</button> <a href={ACTIVITY_PATH}>Clear the filters</a>
      </div>
    </form>
  );
}

/** Errors of fields that have no box (cursor, limit, a member box a member does not see). */
export function OtherErrors(props: { errors: Readonly<Record<string, string>>; shown: readonly string[] }) {
  const rest = Object.entries(props.errors).filter(([field]) => !props.shown.includes(field));
  if (rest.length === 0) return null;
  return (
    <ul class="error" role="alert">
      {rest.map(([field, message]) => (
        <li>
          {field === 'cursor' ? 'This page link' : field} {message}.{' '}
          {field === 'cursor' && <a href={ACTIVITY_PATH}>Start from the newest events</a>}
        </li>
      ))}
    </ul>
  );
}

const keyText = (e: AuditEvent) => e.credentialName ?? e.credentialId ?? '—';
const memberText = (e: AuditEvent, members: ReadonlyMap<string, Member>) =>
  e.memberId === null ? '—' : (members.get(e.memberId)?.email ?? e.memberId);

export function EventTable(props: { page: AuditPage }) {
  const { events, members } = props.page;
  if (events.length === 0) return <p>No event matches this view.</p>;
  return (
    <table class="events">
      <caption>Events, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Action</th>
          <th scope="col">Outcome</th>
          <th scope="col">Member</th>
          <th scope="col">Key</th>
          <th scope="col">IP address</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr>
            <td>
              <Time iso={e.occurredAt} />
            </td>
            <td>
              <a href={`${ACTIVITY_PATH}/${e.id}`}>
                {e.action}
                {e.tool ? ` ${e.tool}` : ''}
              </a>
            </td>
            <td>
              {e.outcome}
              {e.errorCode ? ` (${e.errorCode})` : ''}
            </td>
            <td>{escapeUnsafe(memberText(e, members))}</td>
            <td>{escapeUnsafe(keyText(e))}</td>
            <td>{e.ip ? escapeUnsafe(e.ip) : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Paging(props: { page: AuditPage; query: ActivityQuery }) {
  const { page, query } = props;
  if (!page.prevCursor && !page.nextCursor) return null;
  const limit = query.limit;
  return (
    <nav class="paging" aria-label="Pages of events">
      {page.prevCursor && (
        <a rel="prev" href={`${ACTIVITY_PATH}${viewQuery(query.values, { cursor: page.prevCursor, limit })}`}>
          Newer events
        </a>
      )}{' '}
      {page.nextCursor && (
        <a rel="next" href={`${ACTIVITY_PATH}${viewQuery(query.values, { cursor: page.nextCursor, limit })}`}>
          Older events
        </a>
      )}
    </nav>
  );
}

const FORMAT_LABELS: Record<(typeof AUDIT_EXPORT_FORMATS)[number], string> = {
  jsonl: 'JSON Lines',
  csv: 'CSV',
  ocsf: 'OCSF 1.1 (JSON Lines)',
};

export function Exports(props: { query: ActivityQuery }) {
  return (
    <section aria-labelledby="exports">
      <h2 id="exports">Download this view</h2>
      <ul class="plain">
        {AUDIT_EXPORT_FORMATS.map((format) => (
          <li>
            <a href={`${ACTIVITY_EXPORT_PATH}${viewQuery(props.query.values, { format })}`} download>
              {FORMAT_LABELS[format]}
            </a>
          </li>
        ))}
      </ul>
      <p class="notice">
        Oldest first, at most {EXPORT_MAX_EVENTS.toLocaleString('en')} events per download: narrow the time
        range for more, or use <code>taskgate audit export</code> on the server.
      </p>
    </section>
  );
}

export function VerifyBox(props: {
  last: LastVerification | null;
  by: string | null;
  signedIn: SignedInMember;
}) {
  const { last } = props;
  return (
    <section aria-labelledby="verify">
      <h2 id="verify">Integrity of the log</h2>
      {last ? (
        <p>
          Last verified <Time iso={last.at} /> by {props.by ?? 'the operator at the server'}:{' '}
          <strong>{last.result === 'intact' ? 'intact' : `broken (${last.problems} problem(s))`}</strong>
          {/* The operator's record lives in the instance chain, outside any workspace's view. */}
          {last.memberId !== null && (
            <>
              {' '}
              (<a href={`${ACTIVITY_PATH}/${last.eventId}`}>the record</a>)
            </>
          )}
          .
        </p>
      ) : (
        <p>The chain has never been verified.</p>
      )}
      <form method="post" action={ACTIVITY_VERIFY_PATH}>
        <input type="hidden" name="csrf" value={props.signedIn.csrfToken} />
        <button type="submit">Verify the chain now</button>
      </form>
    </section>
  );
}
