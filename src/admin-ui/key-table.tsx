/**
 * How the API keys page shows a key: the list's table and one key's settings. Only what
 * `KeyView` carries — never the secret, only its display prefix and last four characters.
 * SECURITY: the last-use client is what the caller declared about itself: it is shown
 * quoted and reduced (`describeClient`), never as bare text.
 */

import type { KeyView } from '../credentials/index.js';
import { describeClient } from '../domain/index.js';
import { Time } from './layout.js';

export const KEYS_PATH = '/admin/keys';
export const keyPath = (id: string) => `${KEYS_PATH}/${id}`;

const SUSPENSION_TEXT: Record<NonNullable<KeyView['suspension']>['mode'], string> = {
  read_only: 'read-only',
  dry_run: 'dry-run only',
};

const STATE_TEXT: Record<KeyView['status'], string> = {
  active: 'active',
  grace: 'rotating (old key in its grace window)',
  rotated: 'rotated out',
  expired: 'expired',
  revoked: 'revoked',
};

const ROTATION_TEXT: Record<KeyView['rotation']['state'], string> = {
  ok: 'on time',
  due_soon: 'due soon',
  overdue: 'overdue',
};

/** Live keys are judged against the policy; a dead one has nothing left to rotate. */
function Rotation(props: { k: KeyView }) {
  const { k } = props;
  if (k.status !== 'active') return <>—</>;
  return (
    <>
      {ROTATION_TEXT[k.rotation.state]}, due <Time iso={k.rotation.dueAt} />
      {k.rotation.beyondPolicy ? ' (expires later than the policy allows)' : ''}
    </>
  );
}

export function flagsOf(k: KeyView): string {
  const flags = [k.readOnly && 'read-only', k.dryRunOnly && 'dry-run only', k.ip && `IP: ${k.ip.join(', ')}`];
  return flags.filter(Boolean).join('; ') || 'none';
}

export function LastUse(props: { used: KeyView['lastUsed'] }) {
  const { used } = props;
  if (!used) return <>never used</>;
  return (
    <>
      <Time iso={used.at} /> from {used.ip ?? 'an unknown address'} by{' '}
      {describeClient(used.client) ?? 'an unnamed client'}
    </>
  );
}

export function KeyTable(props: { keys: readonly KeyView[] }) {
  if (props.keys.length === 0) return <p>No keys yet.</p>;
  return (
    <table class="keys">
      <caption>API keys</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Owner</th>
          <th scope="col">Environment</th>
          <th scope="col">Scopes</th>
          <th scope="col">Projects</th>
          <th scope="col">Flags</th>
          <th scope="col">Created</th>
          <th scope="col">Expires</th>
          <th scope="col">Rotation</th>
          <th scope="col">Last use</th>
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {props.keys.map((k) => (
          <tr>
            <th scope="row">
              <a href={keyPath(k.id)}>{k.name}</a> <code>{k.display}</code>
            </th>
            <td>{k.member.email}</td>
            <td>{k.environment}</td>
            <td>{k.scopes.join(' ')}</td>
            <td>{k.projects ? k.projects.join(', ') : 'all'}</td>
            <td>{flagsOf(k)}</td>
            <td>
              <Time iso={k.createdAt} />
            </td>
            <td>
              <Time iso={k.expiresAt} />
            </td>
            <td>
              <Rotation k={k} />
            </td>
            <td>
              <LastUse used={k.lastUsed} />
            </td>
            <td>
              {STATE_TEXT[k.status]}
              {k.flagged ? ` — flagged: ${k.flagged.reason}` : ''}
              {k.suspension && (
                <>
                  {' — '}
                  <a href={`${keyPath(k.id)}/lift`}>suspended ({SUSPENSION_TEXT[k.suspension.mode]})</a>
                </>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function KeySettings(props: { k: KeyView }) {
  const { k } = props;
  return (
    <dl>
      <dt>Key</dt>
      <dd>
        <code>{k.display}</code> ({k.id})
      </dd>
      <dt>State</dt>
      <dd>
        {STATE_TEXT[k.status]}
        {k.grace && (
          <>
            {' '}
            until <Time iso={k.grace.until} />
            {k.grace.stillInUse ? ', still in use by a client' : ''}
          </>
        )}
      </dd>
      <dt>Owner</dt>
      <dd>
        {k.member.email} ({k.member.role})
      </dd>
      <dt>Environment</dt>
      <dd>{k.environment}</dd>
      <dt>Scopes</dt>
      <dd>{k.scopes.join(' ')}</dd>
      <dt>Projects</dt>
      <dd>{k.projects ? k.projects.join(', ') : 'all the owner can see'}</dd>
      <dt>Flags</dt>
      <dd>{flagsOf(k)}</dd>
      <dt>Client</dt>
      <dd>{k.client ?? 'not given'}</dd>
      <dt>Created</dt>
      <dd>
        <Time iso={k.createdAt} />
      </dd>
      <dt>Expires</dt>
      <dd>
        <Time iso={k.expiresAt} />
      </dd>
      <dt>Rotation</dt>
      <dd>
        <Rotation k={k} /> (policy: every {k.rotation.policyDays} days)
      </dd>
      <dt>Last use</dt>
      <dd>
        <LastUse used={k.lastUsed} />
      </dd>
      {k.suspension && (
        <>
          <dt>Suspended</dt>
          <dd>
            {SUSPENSION_TEXT[k.suspension.mode]} since <Time iso={k.suspension.since} />:{' '}
            {k.suspension.reason}. <a href={`${keyPath(k.id)}/lift`}>Lift the suspension</a>
          </dd>
        </>
      )}
      {k.flagged && (
        <>
          <dt>Flagged</dt>
          <dd>
            {k.flagged.reason}, <Time iso={k.flagged.at} />
          </dd>
        </>
      )}
    </dl>
  );
}
