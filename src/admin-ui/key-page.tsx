/**
 * One key's page: its settings, its recent calls out of the audit log (the Activity service,
 * filtered by the key, in the viewer's scope) and its calls per day for 30 days (the Usage
 * service, drawn by svg-chart with the numbers in a table beside the SVG). Links to the
 * actions other pages carry out: rotate, revoke, narrow, and — for owners and admins — the
 * incident response.
 */
import { raw } from 'hono/html';
import type { UsageReport } from '../audit/index.js';
import type { KeyView } from '../credentials/index.js';
import { canManageMembers, describeClient } from '../domain/index.js';
import type { AuditEvent, Member } from '../model/index.js';
import { KEYS_PATH, KeySettings, keyPath } from './key-table.js';
import { Time } from './layout.js';
import { renderDayChart } from './svg-chart.js';

export const RECENT_CALLS = 20;

function RecentCalls(props: { events: readonly AuditEvent[] }) {
  if (props.events.length === 0) return <p>No calls or events recorded for this key yet.</p>;
  return (
    <table>
      <caption>This key's latest events (at most {RECENT_CALLS}), newest first</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Action</th>
          <th scope="col">Tool</th>
          <th scope="col">Outcome</th>
          <th scope="col">IP</th>
          <th scope="col">Client</th>
        </tr>
      </thead>
      <tbody>
        {props.events.map((e) => (
          <tr>
            <td>
              <Time iso={e.occurredAt} />
            </td>
            <td>{e.action}</td>
            <td>{e.tool ?? '—'}</td>
            <td>
              {e.outcome}
              {e.errorCode ? ` (${e.errorCode})` : ''}
            </td>
            <td>{e.ip ?? '—'}</td>
            <td>{describeClient(e.clientName, e.clientVersion) ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function UsageChart(props: { report: UsageReport }) {
  const { report } = props;
  // SECURITY: renderDayChart escapes every label (tool names are anyone's); its markup is trusted.
  const chart = renderDayChart({
    id: 'key-usage',
    title: `Calls per day by tool, ${report.days.length} days to ${report.days.at(-1) ?? ''} (UTC)`,
    unit: 'calls',
    days: report.days,
    series: report.byTool.length ? report.byTool : [{ label: 'calls', perDay: report.calls.perDay }],
  });
  return (
    <>
      <p>
        {report.calls.total} calls in {report.days.length} days: {report.errors.total} errors,{' '}
        {report.denials.total} denied, {report.writes.total} writes.
      </p>
      {raw(chart)}
    </>
  );
}

function Actions(props: { k: KeyView; viewer: Member }) {
  const { k, viewer } = props;
  const live = k.status === 'active' || k.status === 'grace';
  const path = keyPath(k.id);
  return (
    <ul>
      {k.status === 'active' && (
        <li>
          <a href={`${path}/rotate`}>Rotate this key</a>
        </li>
      )}
      {live && (
        <li>
          <a href={`${path}/narrow`}>Narrow its rights</a>
        </li>
      )}
      {live && (
        <li>
          <a href={`${path}/revoke`}>Revoke it (with its rotation family)</a>
        </li>
      )}
      {canManageMembers(viewer.role) && (
        <li>
          <a href={`${path}/incident`}>Respond to an incident with this key</a>
        </li>
      )}
    </ul>
  );
}

export function KeyPageBody(props: {
  k: KeyView;
  viewer: Member;
  events: readonly AuditEvent[];
  usage: UsageReport;
}) {
  return (
    <>
      <KeySettings k={props.k} />
      <h2>Actions</h2>
      <Actions k={props.k} viewer={props.viewer} />
      <h2>Recent calls</h2>
      <RecentCalls events={props.events} />
      <h2>Usage, last 30 days</h2>
      <UsageChart report={props.usage} />
      <p>
        <a href={KEYS_PATH}>All keys</a>
      </p>
    </>
  );
}
