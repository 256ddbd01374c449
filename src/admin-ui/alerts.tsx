/**
 * `/admin/alerts`: what the anomaly rules raised, open first, each with what happened, the
 * calls that show it and what to do next (lift, contain, rotate); `/admin/alerts/:id` one
 * alert with its acknowledge and resolve buttons. Owners and admins only (nav.ts): the alert
 * service refuses anyone else, and an alert of another workspace is the 404 page.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AlertRecord, AlertService } from '../monitoring/index.js';
import { mountAction } from './action.js';
import { ALERT_RULES_PATH, type AlertRulesPort, mountAlertRules } from './alert-rules.js';
import { renderPage, Time } from './layout.js';
import { gate, notFoundPage } from './not-found.js';
import type { SignedInMember } from './session.js';
import { toPageError } from './to-page-error.js';

export const ALERTS_PATH = '/admin/alerts';
export const alertPath = (id: string) => `${ALERTS_PATH}/${encodeURIComponent(id)}`;

export type AlertsPort = Pick<AlertService, 'list' | 'show' | 'acknowledge' | 'resolve' | 'countOpen'>;

function stateOf(a: AlertRecord): string {
  if (a.resolvedAt) return 'resolved';
  return a.acknowledgedAt ? 'acknowledged' : 'open';
}

function Evidence(props: { alert: AlertRecord }) {
  if (props.alert.evidence.length === 0) return <>none recorded</>;
  return (
    <>
      {props.alert.evidence.map((id) => (
        <>
          <a href={`/admin/activity/${encodeURIComponent(id)}`}>{id}</a>{' '}
        </>
      ))}
    </>
  );
}

/** Lift when the rule suspended the key (the lift form refuses a key no longer suspended). */
function NextSteps(props: { alert: AlertRecord }) {
  const key = props.alert.credentialId;
  if (!key) return <>Nothing to do on a key: read the evidence.</>;
  const path = `/admin/keys/${encodeURIComponent(key)}`;
  return (
    <ul>
      {props.alert.action.startsWith('suspend') && (
        <li>
          <a href={`${path}/lift`}>Lift the suspension</a> if the use was the key owner's
        </li>
      )}
      <li>
        <a href={`${path}/incident`}>Contain an incident</a> with this key
      </li>
      <li>
        <a href={`${path}/rotate`}>Rotate the key</a> if it leaked
      </li>
    </ul>
  );
}

function AlertTable(props: { alerts: readonly AlertRecord[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Raised</th>
          <th scope="col">State</th>
          <th scope="col">Severity</th>
          <th scope="col">What happened</th>
          <th scope="col">Key</th>
          <th scope="col">Evidence</th>
          <th scope="col">Done</th>
        </tr>
      </thead>
      <tbody>
        {props.alerts.map((a) => (
          <tr>
            <td>
              <Time iso={a.createdAt} />
            </td>
            <td>{stateOf(a)}</td>
            <td>{a.severity}</td>
            <td>
              <a href={alertPath(a.id)}>{a.summary}</a> ({a.rule})
            </td>
            <td>{a.credentialId ? <a href={`/admin/keys/${a.credentialId}`}>{a.credentialId}</a> : '—'}</td>
            <td>
              <Evidence alert={a} />
            </td>
            <td>{a.action}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Open alerts first, newest first within each group. */
function openFirst(alerts: readonly AlertRecord[]): AlertRecord[] {
  return [...alerts].sort((a, b) => {
    const open = Number(Boolean(a.resolvedAt)) - Number(Boolean(b.resolvedAt));
    return open !== 0 ? open : b.createdAt.localeCompare(a.createdAt);
  });
}

function ChangeButton(props: { id: string; kind: 'acknowledge' | 'resolve'; csrf: string }) {
  return (
    <form method="post" action={`${alertPath(props.id)}/${props.kind}`} class="inline">
      <input type="hidden" name="csrf" value={props.csrf} />
      <button type="submit">{props.kind === 'acknowledge' ? 'Acknowledge' : 'Resolve'}</button>
    </form>
  );
}

function AlertDetail(props: { alert: AlertRecord; signedIn: SignedInMember }) {
  const { alert: a, signedIn } = props;
  return (
    <>
      <dl>
        <dt>What happened</dt>
        <dd>{a.summary}</dd>
        <dt>Rule</dt>
        <dd>{a.rule}</dd>
        <dt>Severity</dt>
        <dd>{a.severity}</dd>
        <dt>Raised</dt>
        <dd>
          <Time iso={a.createdAt} />
        </dd>
        <dt>Key</dt>
        <dd>{a.credentialId ? <a href={`/admin/keys/${a.credentialId}`}>{a.credentialId}</a> : '—'}</dd>
        <dt>Done by the rule</dt>
        <dd>{a.action}</dd>
        <dt>Evidence</dt>
        <dd>
          <Evidence alert={a} />
        </dd>
        <dt>State</dt>
        <dd>
          {stateOf(a)}
          {a.acknowledgedAt && (
            <>
              {' '}
              (acknowledged <Time iso={a.acknowledgedAt} />)
            </>
          )}
          {a.resolvedAt && (
            <>
              {' '}
              (resolved <Time iso={a.resolvedAt} />)
            </>
          )}
        </dd>
      </dl>
      <h2>What to do</h2>
      <NextSteps alert={a} />
      {!a.resolvedAt && (
        <p>
          {!a.acknowledgedAt && <ChangeButton id={a.id} kind="acknowledge" csrf={signedIn.csrfToken} />}{' '}
          <ChangeButton id={a.id} kind="resolve" csrf={signedIn.csrfToken} />
        </p>
      )}
    </>
  );
}

export function mountAlerts(app: Hono, alerts: AlertsPort, rules?: AlertRulesPort): void {
  // Before `/admin/alerts/:id`, which would take `rules` for an alert id.
  if (rules) mountAlertRules(app, rules);
  app.get(ALERTS_PATH, async (c) => {
    const signedIn = await gate(c, 'alerts');
    if (signedIn instanceof Response) return signedIn;
    const all = c.req.query('show') === 'all';
    const rows = await alerts.list(signedIn.workspace.slug, signedIn.member.id, {
      ...(all ? {} : { open: true }),
      limit: 200,
    });
    return renderPage(
      c,
      { title: 'Alerts', signedIn, current: ALERTS_PATH },
      <>
        <p>
          {rules && (
            <>
              <a href={ALERT_RULES_PATH}>Tune the anomaly rules</a> ·{' '}
            </>
          )}
          {all ? (
            <a href={ALERTS_PATH}>Open alerts only</a>
          ) : (
            <a href={`${ALERTS_PATH}?show=all`}>All alerts</a>
          )}
        </p>
        {rows.length === 0 ? (
          <p>{all ? 'No alerts yet.' : 'No open alerts.'}</p>
        ) : (
          <AlertTable alerts={openFirst(rows)} />
        )}
      </>,
    );
  });

  // Registered after the list so `/admin/alerts/rules` (tuning) can take its own route first.
  app.get(`${ALERTS_PATH}/:id`, async (c) => {
    const signedIn = await gate(c, 'alerts');
    if (signedIn instanceof Response) return signedIn;
    try {
      const alert = await alerts.show(signedIn.workspace.slug, c.req.param('id'), signedIn.member.id);
      return renderPage(
        c,
        { title: `Alert: ${alert.rule}`, signedIn, current: ALERTS_PATH },
        <AlertDetail alert={alert} signedIn={signedIn} />,
      );
    } catch (error) {
      const { status, message } = toPageError(error);
      if (status === 404) return notFoundPage(c, signedIn);
      return renderPage(c, { title: 'Alert', status, signedIn }, <p class="error">{message}</p>);
    }
  });

  for (const kind of ['acknowledge', 'resolve'] as const) {
    mountAction(app, {
      path: `${ALERTS_PATH}/:id/${kind}`,
      current: ALERTS_PATH,
      title: kind === 'acknowledge' ? 'Acknowledge an alert' : 'Resolve an alert',
      page: 'alerts',
      event: kind === 'acknowledge' ? 'alert.acknowledged' : 'alert.resolved',
      sudo: false,
      subject: (c, signedIn) =>
        alerts.show(signedIn.workspace.slug, c.req.param('id') ?? '', signedIn.member.id),
      schema: z.object({}),
      submitLabel: kind === 'acknowledge' ? 'Acknowledge' : 'Resolve',
      fields: ({ subject }) => (
        <p>
          {subject.summary} ({subject.rule})
        </p>
      ),
      run: async (_input, { signedIn, subject }) => {
        const done = await alerts[kind](signedIn.workspace.slug, subject.id, signedIn.member.id);
        return {
          title: kind === 'acknowledge' ? 'Alert acknowledged' : 'Alert resolved',
          body: (
            <p>
              {done.summary} is {stateOf(done)}. <a href={alertPath(done.id)}>Back to the alert</a> ·{' '}
              <a href={ALERTS_PATH}>All open alerts</a>
            </p>
          ),
        };
      },
    });
  }
}
