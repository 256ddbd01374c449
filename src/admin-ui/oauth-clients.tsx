/**
 * Integrations → OAuth clients, for owners and admins (everyone else gets the 404 page): the
 * clients members may connect, and the ones an administrator vouches for (added here or by
 * `taskgate oauth clients add`; the consent page shows them as verified). Both the list and
 * the changes go through the authorization server's client admin, the CLI's service.
 * SECURITY: clients are shared by every workspace of the server, so from the console a client
 * another workspace is connected to cannot be removed (the service refuses; the operator can).
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { KeyActor } from '../credentials/index.js';
import { describeClient } from '../domain/index.js';
import type { ApiKeyRecord } from '../model/index.js';
import { Field, mountAction } from './action.js';
import type { MemberDirectory } from './connections.js';
import { renderPage, Time } from './layout.js';
import { gate } from './not-found.js';
import type { SignedInMember } from './session.js';

/** One client as the list shows it (the authorization server's view). */
export interface ClientView {
  readonly clientId: string;
  readonly name: string;
  readonly kind: 'pre-registered' | 'metadata-document' | 'dynamic';
  readonly redirectUris: readonly string[];
  readonly createdAt: string | null;
}

type ClientChangeBy = { readonly workspaceId: string; readonly actor: NonNullable<KeyActor> };

/** What the pages need of the authorization server's client admin (oauth implements it; app.ts wires it). */
export interface OAuthClientsPort {
  list(): Promise<readonly ClientView[]>;
  /** The checks `add` makes first, each naming its field (`name`, `redirect-uri`). */
  check(input: { name: string; redirectUris: readonly string[] }): readonly {
    field: string;
    message: string;
  }[];
  add(input: { name: string; redirectUris: readonly string[] }, by: ClientChangeBy): Promise<ClientView>;
  removalImpact(
    clientId: string,
    workspaceId: string,
  ): Promise<{ client: ClientView; here: readonly ApiKeyRecord[]; elsewhere: boolean }>;
  remove(clientId: string, by: ClientChangeBy): Promise<{ client: ClientView; revoked: number }>;
}

export interface OAuthClientPageDeps {
  readonly clients: OAuthClientsPort;
  readonly members: MemberDirectory;
}

export const CLIENTS_PATH = '/admin/connections/clients';
const KIND_LABEL: Readonly<Record<ClientView['kind'], string>> = {
  'pre-registered': 'registered by an administrator',
  'metadata-document': 'metadata document',
  dynamic: 'dynamic registration (unverified name)',
};

// SECURITY: a client's name is its registrant's words: reduced and quoted, never bare.
const label = (client: ClientView) => describeClient(client.name) ?? '(unnamed)';
const removePath = (clientId: string) => `${CLIENTS_PATH}/${encodeURIComponent(clientId)}/remove`;
const by = (signedIn: SignedInMember): ClientChangeBy => ({
  workspaceId: signedIn.workspace.id,
  actor: { memberId: signedIn.member.id, email: signedIn.member.email },
});

/** The textarea's lines, one redirect URI each (blank lines ignored). */
export const redirectLines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line !== '');

function ClientTable(props: { clients: readonly ClientView[] }) {
  return (
    <table class="clients">
      <thead>
        <tr>
          <th scope="col">Client</th>
          <th scope="col">client_id</th>
          <th scope="col">Kind</th>
          <th scope="col">Redirect URIs</th>
          <th scope="col">Added</th>
          <th scope="col">Action</th>
        </tr>
      </thead>
      <tbody>
        {props.clients.map((client) => (
          <tr>
            <th scope="row">{label(client)}</th>
            <td>
              <code>{client.clientId}</code>
            </td>
            <td>{KIND_LABEL[client.kind]}</td>
            <td>
              {client.redirectUris.map((uri) => (
                <code class="uri">{uri}</code>
              ))}
            </td>
            <td>{client.createdAt ? <Time iso={client.createdAt} /> : '—'}</td>
            <td>
              <a href={removePath(client.clientId)} aria-label={`Remove ${label(client)}`}>
                Remove
              </a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RedirectUrisField(props: { value: string | undefined; error: string | undefined }) {
  const errorId = 'redirect_uris-error';
  return (
    <div class="field">
      <label>
        Redirect URIs, one per line (https, or http on 127.0.0.1, [::1] or localhost){' '}
        <textarea
          name="redirect_uris"
          rows={3}
          aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={props.error ? errorId : undefined}
        >
          {props.value ?? ''}
        </textarea>
      </label>
      {props.error && (
        <p class="field-error" id={errorId}>
          {props.error}
        </p>
      )}
    </div>
  );
}

/** The service's field names, as the form's. */
const FORM_FIELD: Readonly<Record<string, string>> = { name: 'name', 'redirect-uri': 'redirect_uris' };

export function mountOAuthClients(app: Hono, deps: OAuthClientPageDeps): void {
  app.get(CLIENTS_PATH, async (c) => {
    const signedIn = await gate(c, 'oauth-clients');
    if (signedIn instanceof Response) return signedIn;
    const clients = await deps.clients.list();
    return renderPage(
      c,
      { title: 'OAuth clients', signedIn, current: CLIENTS_PATH },
      <>
        <p>
          The applications that may ask members to connect with OAuth. Those added here are vouched for: the
          consent page names them as verified. Clients are shared by every workspace of this server.
        </p>
        {clients.length ? <ClientTable clients={clients} /> : <p>No OAuth clients yet.</p>}
        <p>
          <a href={`${CLIENTS_PATH}/new`}>Add a client</a>
        </p>
      </>,
    );
  });

  const input = z
    .object({ name: z.string().max(1000), redirect_uris: z.string().max(12_000) })
    .superRefine((value, ctx) => {
      const issues = deps.clients.check({
        name: value.name,
        redirectUris: redirectLines(value.redirect_uris),
      });
      for (const issue of issues) {
        ctx.addIssue({ code: 'custom', path: [FORM_FIELD[issue.field] ?? ''], message: issue.message });
      }
    });

  mountAction(app, {
    path: `${CLIENTS_PATH}/new`,
    title: 'Add an OAuth client',
    page: 'oauth-clients',
    event: 'oauth.client_added',
    // A verified client's name is trusted on every member's consent page.
    sudo: true,
    schema: input,
    submitLabel: 'Add client',
    fields: ({ values, errors }) => (
      <>
        <p>A public client: it authenticates with PKCE and has no secret.</p>
        <Field
          name="name"
          label="Name members see on the consent page"
          value={values.name}
          error={errors.name}
        />
        <RedirectUrisField value={values.redirect_uris} error={errors.redirect_uris} />
      </>
    ),
    run: async (form, { signedIn }) => {
      const client = await deps.clients.add(
        { name: form.name, redirectUris: redirectLines(form.redirect_uris) },
        by(signedIn),
      );
      return {
        title: 'Client added',
        body: (
          <>
            <p>
              {label(client)} is registered. Give its developer the client_id <code>{client.clientId}</code>.
            </p>
            <p>
              <a href={CLIENTS_PATH}>Back to OAuth clients</a>
            </p>
          </>
        ),
      };
    },
  });

  mountAction(app, {
    path: `${CLIENTS_PATH}/:client/remove`,
    title: 'Remove an OAuth client',
    page: 'oauth-clients',
    event: 'oauth.client_removed',
    sudo: false,
    subject: async (c, signedIn) => {
      const impact = await deps.clients.removalImpact(c.req.param('client') ?? '', signedIn.workspace.id);
      const members = new Map((await deps.members(signedIn.workspace.id)).map((m) => [m.id, m.email]));
      return { ...impact, members };
    },
    schema: z.object({}),
    submitLabel: 'Remove client',
    fields: ({ subject: { client, here, elsewhere, members } }) => (
      <>
        <p>
          Remove <strong>{label(client)}</strong> (<code>{client.clientId}</code>)? It can no longer ask
          anyone to connect.
        </p>
        {here.length ? (
          <>
            <p>
              These {here.length} connection{here.length === 1 ? '' : 's'} stop now (their tokens are refused
              from the next request):
            </p>
            <ul>
              {here.map((connection) => (
                <li>
                  {connection.name} for {members.get(connection.memberId) ?? connection.memberId}
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p>No connection of this workspace uses it.</p>
        )}
        {elsewhere && (
          <p class="error">
            Another workspace of this server is connected to it, so it cannot be removed here: the operator
            removes it with <code>taskgate oauth clients remove</code>.
          </p>
        )}
      </>
    ),
    run: async (_input, { signedIn, subject: { client } }) => {
      const { revoked } = await deps.clients.remove(client.clientId, by(signedIn));
      return {
        title: 'Client removed',
        body: (
          <>
            <p>
              {label(client)} is removed; {revoked} connection{revoked === 1 ? ' was' : 's were'} revoked.
            </p>
            <p>
              <a href={CLIENTS_PATH}>Back to OAuth clients</a>
            </p>
          </>
        ),
      };
    },
  });
}
