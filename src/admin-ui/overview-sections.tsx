/**
 * The Overview's sections, each a plain component over what a service returned: the page
 * (home.tsx) decides which ones a role gets. Status is always spelled out in words, never
 * told by colour alone, and the checklist prints on its own (assets.ts, `@media print`).
 */
import type { Checklist, ChecklistItem, ChecklistStatus } from '../admin/index.js';
import type { LastVerification } from '../audit/index.js';
import type { KeyHealth, KeyHealthEntry } from '../credentials/index.js';
import type { AuditEvent, Member, PendingAction } from '../model/index.js';
import type { AlertRecord } from '../monitoring/index.js';
import { Time } from './layout.js';

const STATUS_TEXT: Record<ChecklistStatus, string> = {
  pass: 'Pass',
  warn: 'Warning',
  fail: 'Fail',
  advice: 'Advice',
};

export function ApprovalsSection(props: { pending: readonly PendingAction[] }) {
  const n = props.pending.length;
  return (
    <section aria-labelledby="approvals-heading">
      <h2 id="approvals-heading">Pending approvals</h2>
      <p>
        {n === 0
          ? 'Nothing is waiting for your approval.'
          : `${n} change${n === 1 ? '' : 's'} ${n === 1 ? 'waits' : 'wait'} for your approval.`}{' '}
        <a href="/admin/approvals">Open approvals</a>
      </p>
    </section>
  );
}

/** The anomaly rules' open alerts: what happened, the calls that show it, what to do next. */
export function AlertsSection(props: { alerts: readonly AlertRecord[] | null }) {
  const alerts = props.alerts ?? [];
  return (
    <section aria-labelledby="alerts-heading" class="screen-only">
      <h2 id="alerts-heading">Active alerts</h2>
      {alerts.length === 0 ? (
        <p>No open alerts.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Raised</th>
              <th scope="col">Severity</th>
              <th scope="col">What happened</th>
              <th scope="col">Evidence</th>
              <th scope="col">Done</th>
            </tr>
          </thead>
          <tbody>
            {alerts.map((a) => (
              <tr>
                <td>
                  <Time iso={a.createdAt} />
                </td>
                <td>{a.severity}</td>
                <td>
                  {a.summary} ({a.rule})
                </td>
                <td>
                  {a.evidence.map((id) => (
                    <>
                      <a href={`/admin/activity/${id}`}>{id}</a>{' '}
                    </>
                  ))}
                </td>
                <td>
                  {a.action}
                  {a.credentialId && (
                    <>
                      {' '}
                      — <a href={`/admin/keys/${a.credentialId}`}>open the key</a> (rotate, revoke),{' '}
                      <a href={`/admin/keys/${a.credentialId}/lift`}>lift a suspension</a>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function KeyRows(props: { title: string; keys: readonly KeyHealthEntry[]; showOwner: boolean }) {
  if (props.keys.length === 0) return null;
  return (
    <>
      <h3>
        {props.title} ({props.keys.length})
      </h3>
      <table>
        <thead>
          <tr>
            <th scope="col">Key</th>
            {props.showOwner && <th scope="col">Owner</th>}
            <th scope="col">Environment</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
          </tr>
        </thead>
        <tbody>
          {props.keys.map((k) => (
            <tr>
              <th scope="row">
                <a href={`/admin/keys/${k.id}`}>{k.name}</a> <code>{k.display}</code>
              </th>
              {props.showOwner && <td>{k.owner.email}</td>}
              <td>{k.environment}</td>
              <td>
                <Time iso={k.expiresAt} />
              </td>
              <td>{k.lastUsed ? <Time iso={k.lastUsed.at} /> : 'never'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function KeyHealthSection(props: { health: KeyHealth; workspaceWide: boolean }) {
  const { health, workspaceWide } = props;
  const none =
    health.overdue.length + health.dueSoon.length + health.neverUsed.length + health.idle.length === 0;
  return (
    <section aria-labelledby="keys-heading">
      <h2 id="keys-heading">
        {workspaceWide ? 'Keys that need attention' : 'Your keys that need attention'}
      </h2>
      <p>
        {health.liveKeys} live key{health.liveKeys === 1 ? '' : 's'}; keys are rotated every{' '}
        {health.workspace.keyRotationDays} days. <a href="/admin/keys">All keys</a>
      </p>
      {none ? (
        <p>No key is due for rotation, unused or idle.</p>
      ) : (
        <>
          <KeyRows title="Overdue for rotation" keys={health.overdue} showOwner={workspaceWide} />
          <KeyRows title="Due for rotation soon" keys={health.dueSoon} showOwner={workspaceWide} />
          <KeyRows title="Never used" keys={health.neverUsed} showOwner={workspaceWide} />
          <KeyRows title="Idle for 30 days or more" keys={health.idle} showOwner={workspaceWide} />
        </>
      )}
    </section>
  );
}

export function AuditChainSection(props: {
  last: LastVerification | null;
  members: ReadonlyMap<string, Member>;
}) {
  const { last } = props;
  const by = (id: string | null) =>
    id === null ? 'the operator (command line)' : (props.members.get(id)?.email ?? 'a former member');
  return (
    <section aria-labelledby="chain-heading">
      <h2 id="chain-heading">Audit chain</h2>
      {last === null ? (
        <p>The audit chain has never been verified.</p>
      ) : (
        <dl>
          <dt>Last verified</dt>
          <dd>
            <Time iso={last.at} />
          </dd>
          <dt>By</dt>
          <dd>{by(last.memberId)}</dd>
          <dt>Result</dt>
          <dd>
            {last.result === 'intact'
              ? 'Intact'
              : `Broken (${last.problems} problem${last.problems === 1 ? '' : 's'})`}{' '}
            <a href={`/admin/activity/${last.eventId}`}>the verification</a>
          </dd>
        </dl>
      )}
      <p class="screen-only">
        <a href="/admin/activity">Verify the chain on the Activity page</a>
      </p>
    </section>
  );
}

export function RecentActivitySection(props: {
  events: readonly AuditEvent[];
  members: ReadonlyMap<string, Member>;
  workspaceWide: boolean;
}) {
  return (
    <section aria-labelledby="activity-heading">
      <h2 id="activity-heading">{props.workspaceWide ? 'Recent activity' : 'Your recent activity'}</h2>
      {props.events.length === 0 ? (
        <p>No activity yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Who</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {props.events.map((e) => (
              <tr>
                <td>
                  <Time iso={e.occurredAt} />
                </td>
                <td>
                  <a href={`/admin/activity/${e.id}`}>
                    {e.action}
                    {e.tool ? ` ${e.tool}` : ''}
                  </a>
                </td>
                <td>
                  {(e.memberId && props.members.get(e.memberId)?.email) ?? '—'}
                  {e.credentialName ? ` (${e.credentialName})` : ''}
                </td>
                <td>{e.outcome}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="screen-only">
        <a href="/admin/activity">All activity</a>
      </p>
    </section>
  );
}

/** A fix is a console path (a link) or, for advice, a section of the guide (named). */
function Fix(props: { item: ChecklistItem }) {
  const { fix, status } = props.item;
  if (!fix.startsWith('/admin')) return <>See {fix}</>;
  const text = status === 'pass' ? 'Review' : status === 'advice' ? 'Read more' : 'Fix it';
  return (
    <a href={fix} aria-label={`${text}: ${props.item.title}`}>
      {text}
    </a>
  );
}

export function ChecklistSection(props: { checklist: Checklist }) {
  const { checklist } = props;
  const s = checklist.summary;
  return (
    <section aria-labelledby="checklist-heading" class="checklist">
      <h2 id="checklist-heading">Security checklist</h2>
      <p>
        Evaluated <Time iso={checklist.evaluatedAt} /> on {checklist.keysEvaluated} live key
        {checklist.keysEvaluated === 1 ? '' : 's'} of {checklist.workspace.slug} (
        {checklist.workspace.environment}
        ): {s.pass} pass, {s.warn} warning{s.warn === 1 ? '' : 's'}, {s.fail} fail, {s.advice} advice.
        {checklist.usageCapped && ' Usage was read from the newest events only.'}
      </p>
      <ol class="checklist-items">
        {checklist.items.map((item) => (
          <li id={`check-${item.id}`} class={`check check-${item.status}`}>
            <p class="check-head">
              <strong class="check-status">{STATUS_TEXT[item.status]}</strong> {item.title}
            </p>
            <p>{item.finding}</p>
            {item.keys.length > 0 && (
              <ul class="plain">
                {item.keys.map((k) => (
                  <li>
                    <a href={`/admin/keys/${k.id}`}>{k.name}</a>
                  </li>
                ))}
              </ul>
            )}
            <p class="check-fix">
              <Fix item={item} />
            </p>
          </li>
        ))}
      </ol>
    </section>
  );
}
