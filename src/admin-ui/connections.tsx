/**
 * Integrations → Connections: what members granted to OAuth clients, each as controllable as
 * a named key. Owners and admins see every connection of the workspace, a member or viewer
 * only their own (the connection service decides: a connection they may not see is the 404
 * page, as if it did not exist). Revoking goes through the authorization server's
 * `revokeConnection`, the call behind `taskgate connections revoke`: the connection and every
 * token of its grant die together, recorded with the member who did it.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { ConnectionService, KeyActor } from '../credentials/index.js';
import { describeClient } from '../domain/index.js';
import type { ApiKeyRecord, Member } from '../model/index.js';
import { mountAction } from './action.js';
import { renderPage, Time } from './layout.js';
import { gate, notFoundPage } from './not-found.js';
import { adminUi, type SignedInMember } from './session.js';
import { toPageError } from './to-page-error.js';

/** The workspace's members by id, removed ones included (a connection outlives its member's removal). */
export type MemberDirectory = (workspaceId: string) => Promise<readonly Pick<Member, 'id' | 'email'>[]>;

export interface ConnectionPageDeps {
  readonly connections: Pick<ConnectionService, 'listFor' | 'findFor'>;
  /** The authorization server's revocation (the connection and its grant's tokens), as the CLI's. */
  readonly revokeConnection: (workspaceId: string, ref: string, actor: KeyActor) => Promise<ApiKeyRecord>;
  readonly members: MemberDirectory;
}

export const CONNECTIONS_PATH = '/admin/connections';
// Connection ids are `con_` and 26 characters of Crockford base32 (core/ids.ts).
const ID = ':id{con_[0-9A-Z]{26}}';

export const connectionPath = (id: string) => `${CONNECTIONS_PATH}/${id}`;
/** The incident page of a connection (built with the Incident pages; linked from here only). */
export const connectionIncidentPath = (id: string) => `${connectionPath(id)}/incident`;

const mayManage = (member: Member) => member.role === 'owner' || member.role === 'admin';

export type ConnectionState = 'active' | 'expired' | 'revoked';

export function connectionState(connection: ApiKeyRecord, now: Date): ConnectionState {
  if (connection.revokedAt) return 'revoked';
  return now.getTime() >= Date.parse(connection.expiresAt) ? 'expired' : 'active';
}

// SECURITY: a client's name is its registrant's words (anyone, for a dynamic client): reduced and quoted.
const clientLabel = (c: ApiKeyRecord) =>
  describeClient(c.oauthClientName) ?? c.oauthClientId ?? 'an unnamed client';
const projectsLabel = (c: ApiKeyRecord) =>
  c.projectIds === null ? 'all the member can see' : `${c.projectIds.length} chosen`;

async function emails(deps: ConnectionPageDeps, workspaceId: string): Promise<Map<string, string>> {
  return new Map((await deps.members(workspaceId)).map((m) => [m.id, m.email]));
}

function LastUse(props: { connection: ApiKeyRecord }) {
  const { connection } = props;
  if (!connection.lastUsedAt) return <>never</>;
  return (
    <>
      <Time iso={connection.lastUsedAt} />
      {connection.lastUsedIp && ` from ${connection.lastUsedIp}`}
    </>
  );
}

function ConnectionTable(props: { list: readonly ApiKeyRecord[]; members: Map<string, string>; now: Date }) {
  return (
    <table class="connections">
      <thead>
        <tr>
          <th scope="col">Connection</th>
          <th scope="col">Client</th>
          <th scope="col">Member</th>
          <th scope="col">Scopes</th>
          <th scope="col">Projects</th>
          <th scope="col">Created</th>
          <th scope="col">Last use</th>
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {props.list.map((c) => (
          <tr>
            <th scope="row">
              <a href={connectionPath(c.id)}>{c.name}</a>
            </th>
            <td>{clientLabel(c)}</td>
            <td>{props.members.get(c.memberId) ?? c.memberId}</td>
            <td>
              {c.scopes.join(' ')}
              {c.readOnly && ' (read-only)'}
            </td>
            <td>{projectsLabel(c)}</td>
            <td>
              <Time iso={c.createdAt} />
            </td>
            <td>
              <LastUse connection={c} />
            </td>
            <td>{connectionState(c, props.now)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ConnectionSettings(props: { connection: ApiKeyRecord; member: string; now: Date }) {
  const { connection: c } = props;
  return (
    <dl class="settings">
      <dt>Client</dt>
      <dd>
        {clientLabel(c)} (<code>{c.oauthClientId ?? ''}</code>)
      </dd>
      <dt>Member</dt>
      <dd>{props.member}</dd>
      <dt>Environment</dt>
      <dd>{c.environment}</dd>
      <dt>Scopes</dt>
      <dd>
        {c.scopes.join(' ')}
        {c.readOnly && ' (read-only)'}
      </dd>
      <dt>Projects</dt>
      <dd>{c.projectIds === null ? 'every project the member can see' : c.projectIds.join(', ')}</dd>
      <dt>Created</dt>
      <dd>
        <Time iso={c.createdAt} />
      </dd>
      <dt>Expires</dt>
      <dd>
        <Time iso={c.expiresAt} />
      </dd>
      <dt>Last use</dt>
      <dd>
        <LastUse connection={c} />
        {c.lastUsedClient && ` (${describeClient(c.lastUsedClient) ?? 'unnamed client'})`}
      </dd>
      <dt>State</dt>
      <dd>
        {connectionState(c, props.now)}
        {c.revokedAt && (
          <>
            {' '}
            since <Time iso={c.revokedAt} />
          </>
        )}
      </dd>
    </dl>
  );
}

/** What revoking stops, said before it happens (the form) and after (the result). */
function WhatStops(props: { connection: ApiKeyRecord; member: string }) {
  return (
    <p>
      {clientLabel(props.connection)} stops acting for {props.member}: its access and refresh tokens are
      refused from the next request, and it must ask {props.member} for consent again to reconnect. Keys and
      other connections are not affected.
    </p>
  );
}

export function mountConnections(app: Hono, deps: ConnectionPageDeps): void {
  app.get(CONNECTIONS_PATH, async (c) => {
    const signedIn = await gate(c, 'connections');
    if (signedIn instanceof Response) return signedIn;
    const { member, workspace } = signedIn;
    const list = await deps.connections.listFor(workspace.id, member);
    const members = await emails(deps, workspace.id);
    return renderPage(
      c,
      { title: 'Connections', signedIn, current: CONNECTIONS_PATH },
      <>
        <p>
          {mayManage(member)
            ? 'Every OAuth connection of this workspace: what members allowed an assistant to do.'
            : 'The assistants you connected with OAuth, and what you allowed each to do.'}
        </p>
        {list.length ? (
          <ConnectionTable list={list} members={members} now={adminUi(c).clock.now()} />
        ) : (
          <p>No OAuth connections yet.</p>
        )}
        {mayManage(member) && (
          <p>
            <a href="/admin/connections/clients">OAuth clients</a> registered on this server.
          </p>
        )}
      </>,
    );
  });

  app.get(`${CONNECTIONS_PATH}/${ID}`, async (c) => {
    const signedIn = await gate(c, 'connections');
    if (signedIn instanceof Response) return signedIn;
    const { member, workspace } = signedIn;
    let connection: ApiKeyRecord;
    try {
      connection = await subject(deps, c.req.param('id'), signedIn);
    } catch (error) {
      // SECURITY: another member's connection is the unknown page's 404, byte for byte.
      if (toPageError(error).status === 404) return notFoundPage(c, signedIn);
      throw error;
    }
    const who = (await emails(deps, workspace.id)).get(connection.memberId) ?? connection.memberId;
    const now = adminUi(c).clock.now();
    return renderPage(
      c,
      { title: `Connection ${connection.name}`, signedIn, current: CONNECTIONS_PATH },
      <>
        <ConnectionSettings connection={connection} member={who} now={now} />
        <ul class="actions">
          {connectionState(connection, now) !== 'revoked' && (
            <li>
              <a href={`${connectionPath(connection.id)}/revoke`}>Revoke this connection</a>
            </li>
          )}
          {mayManage(member) && (
            <li>
              <a href={connectionIncidentPath(connection.id)}>Respond to an incident with this connection</a>
            </li>
          )}
          <li>
            <a href={CONNECTIONS_PATH}>Back to connections</a>
          </li>
        </ul>
      </>,
    );
  });

  mountAction(app, {
    path: `${CONNECTIONS_PATH}/${ID}/revoke`,
    title: 'Revoke a connection',
    page: 'connections',
    event: 'connection.revoked',
    sudo: false,
    subject: async (c, signedIn) => {
      const connection = await subject(deps, c.req.param('id') ?? '', signedIn);
      const who = (await emails(deps, signedIn.workspace.id)).get(connection.memberId) ?? connection.memberId;
      return { connection, member: who };
    },
    schema: z.object({}),
    submitLabel: 'Revoke connection',
    fields: ({ subject: { connection, member } }) => (
      <>
        <p>
          Revoke <strong>{connection.name}</strong>?
        </p>
        <WhatStops connection={connection} member={member} />
      </>
    ),
    run: async (_input, { signedIn, subject: { connection, member } }) => {
      const actor = { memberId: signedIn.member.id, email: signedIn.member.email };
      const revoked = await deps.revokeConnection(signedIn.workspace.id, connection.id, actor);
      return {
        title: 'Connection revoked',
        body: (
          <>
            <p>
              {revoked.name} is revoked (<Time iso={revoked.revokedAt ?? ''} />
              ).
            </p>
            <WhatStops connection={revoked} member={member} />
            <p>
              <a href={CONNECTIONS_PATH}>Back to connections</a>
            </p>
          </>
        ),
      };
    },
  });
}

/** The connection `signedIn` may see, or not_found (the connection service's rule). */
function subject(deps: ConnectionPageDeps, id: string, signedIn: SignedInMember): Promise<ApiKeyRecord> {
  return deps.connections.findFor(signedIn.workspace.id, id, signedIn.member);
}
