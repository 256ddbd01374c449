/**
 * One audit event's page, `/admin/activity/:id`: what was asked (the sanitized arguments, as
 * stored), what came of it (result summary, before/after diff), who and which client, its
 * place in the hash chain with whether that link verifies, and links to what it concerns.
 * SECURITY: the Activity service decides visibility; an event the member may not see (someone
 * else's, another workspace's) is answered with the unknown page's 404, byte for byte. Every
 * stored value is text chosen by a caller: rendered escaped, with line-breaking and bidi
 * characters shown as escapes so one value cannot pose as two.
 */
import type { Hono } from 'hono';
import type { ActivityDetail, ChangeView } from '../audit/index.js';
import { isAppError, isId } from '../core/index.js';
import { escapeUnsafe, quoteJson } from '../domain/index.js';
import { ACTIVITY_PATH, type ActivityDeps, viewerOf } from './activity-list.js';
import { renderPage, Time } from './layout.js';
import { gate, notFoundPage } from './not-found.js';
import { toPageError } from './to-page-error.js';

/** Pretty JSON whose string values cannot break or reorder a line (JSON escapes C0 itself). */
const pretty = (value: unknown) =>
  (JSON.stringify(value, null, 2) ?? 'null').split('\n').map(escapeUnsafe).join('\n');
const one = (value: unknown) => (value === null || value === undefined ? '—' : quoteJson(value));
const line = (text: string | null | undefined) => (text ? escapeUnsafe(text) : '—');

function Row(props: { label: string; children: unknown }) {
  return (
    <>
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </>
  );
}

function Change(props: { change: ChangeView }) {
  const { change } = props;
  return (
    <>
      <h3>
        {change.op} {change.kind.replace('_', ' ')} {escapeUnsafe(change.ref)}
        {change.id ? ` (${change.id})` : ''}
      </h3>
      {change.op === 'update' ? (
        <table>
          <thead>
            <tr>
              <th scope="col">field</th>
              <th scope="col">before</th>
              <th scope="col">after</th>
            </tr>
          </thead>
          <tbody>
            {change.fields.map((f) => (
              <tr>
                <th scope="row">{escapeUnsafe(f.field)}</th>
                <td class="before">{one(f.before)}</td>
                <td class="after">{one(f.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <dl>
          <Row label="before">
            <pre>{pretty(change.before)}</pre>
          </Row>
          <Row label="after">
            <pre>{pretty(change.after)}</pre>
          </Row>
        </dl>
      )}
    </>
  );
}

function Links(props: { detail: ActivityDetail }) {
  const { links } = props.detail;
  const key = links.key;
  const items = [
    ...(key
      ? [
          isId('apiKey', key) ? (
            <li>
              API key <a href={`/admin/keys/${key}`}>{key}</a>
            </li>
          ) : (
            <li>
              Connection <a href="/admin/connections">{key}</a>
            </li>
          ),
        ]
      : []),
    // No task or project page yet: the ids, to search with the MCP tools or the CLI.
    ...links.tasks.map((t) => <li>Task {t}</li>),
    ...links.projects.map((p) => <li>Project {p}</li>),
    ...(links.action ? [<li>Pending action {links.action}</li>] : []),
    ...(links.request ? [<li>Request {escapeUnsafe(links.request)}</li>] : []),
  ];
  if (items.length === 0) return <p>It concerns no task, project or key.</p>;
  return <ul>{items}</ul>;
}

function Chain(props: { detail: ActivityDetail }) {
  const { chain } = props.detail;
  const cp = chain.checkpoint;
  return (
    <dl>
      <Row label="Chain">{chain.chain === '*' ? 'the instance chain' : chain.chain}</Row>
      <Row label="Sequence">{chain.seq ?? '—'}</Row>
      <Row label="Hash">
        <code class="hash">{chain.hash ?? '—'}</code>
      </Row>
      <Row label="Previous hash">
        <code class="hash">{chain.prevHash ?? '—'}</code>
      </Row>
      <Row label="Link">
        {chain.linkVerifies ? (
          <strong>verifies</strong>
        ) : (
          <strong class="field-error">does not verify: {chain.problem}</strong>
        )}
      </Row>
      <Row label="Checkpoint">
        {cp ? (
          <>
            {cp.covers
              ? 'signed by the checkpoint at sequence '
              : 'not signed yet; the last checkpoint is at sequence '}
            {cp.seq}, <Time iso={cp.at} />, key <code>{cp.keyId}</code>
          </>
        ) : (
          'no signed checkpoint yet'
        )}
      </Row>
    </dl>
  );
}

export function EventView(props: { detail: ActivityDetail }) {
  const { detail } = props;
  const e = detail.event;
  return (
    <>
      <dl>
        <Row label="Time">
          <Time iso={e.occurredAt} />
        </Row>
        <Row label="Action">
          {e.action}
          {e.tool ? ` ${e.tool}` : ''}
        </Row>
        <Row label="Outcome">
          {e.outcome}
          {e.errorCode ? ` (${e.errorCode})` : ''}
          {e.reason ? ` — ${one(e.reason)}` : ''}
        </Row>
        <Row label="Member">{detail.member ? line(detail.member.email) : line(e.memberId)}</Row>
        <Row label="Key">
          {line(e.credentialName)} {e.credentialId ? `(${e.credentialId})` : ''}
        </Row>
        <Row label="Environment">{line(e.environment)}</Row>
        {e.durationMs !== null && <Row label="Duration">{e.durationMs} ms</Row>}
      </dl>
      <h2>Client</h2>
      <dl>
        <Row label="Client">{line(detail.client.description)}</Row>
        <Row label="User agent">{line(detail.client.userAgent)}</Row>
        <Row label="IP address">{line(detail.client.ip)}</Row>
      </dl>
      <h2>Arguments</h2>
      <pre>{pretty(detail.arguments)}</pre>
      <h2>Result</h2>
      <pre>{pretty(detail.result)}</pre>
      {e.detail !== null && (
        <>
          <h2>Details</h2>
          <pre>{pretty(e.detail)}</pre>
        </>
      )}
      <h2>Changes</h2>
      {detail.changes.length ? detail.changes.map((c) => <Change change={c} />) : <p>It changed nothing.</p>}
      <h2>Place in the chain</h2>
      <Chain detail={detail} />
      <h2>What it concerns</h2>
      <Links detail={detail} />
      <p>
        <a href={ACTIVITY_PATH}>Back to the activity</a>
      </p>
    </>
  );
}

export function mountActivityEvent(app: Hono, deps: ActivityDeps): void {
  app.get(`${ACTIVITY_PATH}/:id`, async (c) => {
    const signedIn = await gate(c, 'activity');
    if (signedIn instanceof Response) return signedIn;
    try {
      const detail = await deps.activity.event(viewerOf(signedIn), c.req.param('id'));
      return renderPage(
        c,
        { title: `Event ${detail.event.id}`, signedIn, current: ACTIVITY_PATH },
        <EventView detail={detail} />,
      );
    } catch (error) {
      // SECURITY: someone else's event and one that does not exist get the same page.
      if (isAppError(error) && error.code === 'not_found') return notFoundPage(c, signedIn);
      const { status, message } = toPageError(error);
      return renderPage(
        c,
        { title: 'No such event', status, signedIn, current: ACTIVITY_PATH },
        <>
          <p class="error" role="alert">
            {status === 400 ? 'This address does not name an event: ' : ''}
            {message}
          </p>
          <p>
            <a href={ACTIVITY_PATH}>Back to the activity</a>
          </p>
        </>,
      );
    }
  });
}
