/**
 * What the incident pages show: the credential, what containment did, the report and the
 * revert plan or result. Plain components over the incident service's results; every value
 * that came from a caller (a client name, a task title) is text escaped by Hono, and the
 * Markdown report is shown as the command line prints it, in a `<pre>`.
 */
import type {
  ContainedKey,
  ContainResult,
  IncidentReport,
  IncidentSubject,
  RevertRun,
  StepStatus,
} from '../incident/index.js';
import { reportMarkdown } from '../incident/index.js';
import { Time } from './layout.js';

const STEP_TEXT: Record<StepStatus, string> = {
  planned: 'Will be undone',
  applied: 'Undone',
  conflict: 'Conflict: skipped',
  manual: 'For a human',
  already_reverted: 'Already undone',
  failed: 'Failed',
};

export function SubjectView(props: { subject: IncidentSubject }) {
  const { subject } = props;
  return (
    <dl>
      <dt>{subject.kind === 'oauth' ? 'Connection' : 'Key'}</dt>
      <dd>
        {subject.name} <code>{subject.display}</code>
      </dd>
      <dt>Member</dt>
      <dd>{subject.member?.email ?? 'a former member'}</dd>
      <dt>State</dt>
      <dd>
        {subject.status}
        {subject.dryRunOnly ? ', dry-run only' : ''}
      </dd>
    </dl>
  );
}

function KeyList(props: { title: string; keys: readonly ContainedKey[] }) {
  if (props.keys.length === 0) return null;
  return (
    <>
      <h2>{props.title}</h2>
      <ul>
        {props.keys.map((k) => (
          <li>
            {k.name} <code>{k.display}</code>
          </li>
        ))}
      </ul>
    </>
  );
}

export function ContainView(props: { result: ContainResult; base: string }) {
  const { result } = props;
  return (
    <>
      <p role="status">
        {result.changed
          ? `${result.keyName} is contained: it is dead on its next request.`
          : `${result.keyName} was contained already: nothing more was changed.`}
      </p>
      <KeyList title="Revoked now" keys={result.revoked} />
      <KeyList title="Revoked already" keys={result.alreadyRevoked} />
      <KeyList title="The member's other keys, now dry-run only" keys={result.restricted} />
      <KeyList title="The member's other keys, dry-run only already" keys={result.alreadyRestricted} />
      <h2>Pending actions cancelled</h2>
      {result.cancelledActions.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {result.cancelledActions.map((a) => (
            <li>
              {a.tool} <code>{a.id}</code>
            </li>
          ))}
        </ul>
      )}
      <p>
        Next: <a href={`${props.base}/report`}>read the report</a>, then{' '}
        <a href={`${props.base}/revert`}>preview the revert</a>.
      </p>
    </>
  );
}

export function ReportView(props: { report: IncidentReport }) {
  const { report: r } = props;
  return (
    <>
      <p>{r.note}</p>
      <dl>
        <dt>Events</dt>
        <dd>{r.activity.events}</dd>
        <dt>First seen</dt>
        <dd>{r.activity.firstAt ? <Time iso={r.activity.firstAt} /> : 'never'}</dd>
        <dt>Last seen</dt>
        <dd>{r.activity.lastAt ? <Time iso={r.activity.lastAt} /> : 'never'}</dd>
        <dt>Changes made</dt>
        <dd>{r.changes.length}</dd>
        <dt>Refusals</dt>
        <dd>{r.denials.length}</dd>
        <dt>Already reverted</dt>
        <dd>{r.reverted.length}</dd>
      </dl>
      <h2>Addresses</h2>
      {r.addresses.length === 0 ? (
        <p>None recorded.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">Events</th>
              <th scope="col">First</th>
              <th scope="col">Last</th>
            </tr>
          </thead>
          <tbody>
            {r.addresses.map((a) => (
              <tr>
                <th scope="row">{a.ip}</th>
                <td>{a.events}</td>
                <td>
                  <Time iso={a.firstAt} />
                </td>
                <td>
                  <Time iso={a.lastAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Calls</h2>
      {r.calls.length === 0 ? (
        <p>None.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Tool</th>
              <th scope="col">Calls</th>
              <th scope="col">Outcomes</th>
            </tr>
          </thead>
          <tbody>
            {r.calls.map((call) => (
              <tr>
                <th scope="row">{call.tool}</th>
                <td>{call.total}</td>
                <td>
                  {Object.entries(call.outcomes)
                    .map(([outcome, n]) => `${outcome} ${n}`)
                    .join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Changes</h2>
      {r.changes.length === 0 ? (
        <p>The key changed nothing.</p>
      ) : (
        <ul>
          {r.changes.map((change) => (
            <li>
              <Time iso={change.at} />: {change.op} {change.kind} {change.ref} ({change.tool ?? change.action}
              ) <a href={`/admin/activity/${change.eventId}`}>event</a>
            </li>
          ))}
        </ul>
      )}
      <details>
        <summary>The full report (Markdown, as `taskgate incident report` prints it)</summary>
        <pre>{reportMarkdown(r)}</pre>
      </details>
    </>
  );
}

export function RevertView(props: { run: RevertRun }) {
  const { run } = props;
  const c = run.counts;
  const summary = run.dryRun
    ? `${c.planned} step(s) would be undone; ${c.conflict} conflict(s) would be skipped; ${c.manual} step(s) are for a human; ${c.already_reverted} already undone.`
    : `${c.applied} step(s) undone; ${c.conflict} conflict(s) skipped; ${c.failed} failure(s); ${c.manual} step(s) for a human; ${c.already_reverted} already undone.`;
  return (
    <>
      <p role="status">{summary}</p>
      {run.steps.length === 0 ? (
        <p>{run.keyName} changed nothing that could be reverted.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Changed</th>
              <th scope="col">Object</th>
              <th scope="col">Undo</th>
              <th scope="col">Status</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {run.steps.map((step) => (
              <tr class={`step-${step.status}`}>
                <td>
                  <a href={`/admin/activity/${step.eventId}`}>
                    <Time iso={step.at} />
                  </a>
                </td>
                <th scope="row">
                  {step.op} {step.kind} {step.ref}
                </th>
                <td>{step.action.replaceAll('_', ' ')}</td>
                <td>{STEP_TEXT[step.status]}</td>
                <td>{step.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
