/**
 * OAuth clients as an administrator sees them. Three ways in: pre-registered by
 * `taskgate oauth clients add` (ids `app_…`, vouched for by the administrator), a Client ID
 * Metadata Document (the id is the https URL its metadata is served from, so the name is
 * vouched for by that host), or Dynamic Client Registration (ids `dcr_…`, anyone can pick
 * any name: the consent page marks them unverified). All live in oidc-provider's storage.
 */
import type Provider from 'oidc-provider';
import type { AuditLog } from '../audit/index.js';
import { AppError, type FieldIssue, invalidInput } from '../core/index.js';
import type { ConnectionService, ConsentRequest, KeyActor } from '../credentials/index.js';
import { findUnsafeCharacter, unsafeCharacterMessage } from '../domain/index.js';
import type { ApiKeyRecord } from '../model/index.js';
import type { ClientStore } from './ports.js';
import { checkRedirectUris } from './redirect-uris.js';

export type OAuthClientKind = ConsentRequest['client']['kind'];

export const PRE_REGISTERED_PREFIX = 'app_';
export const DCR_PREFIX = 'dcr_';
const CLIENT_MODEL = 'Client';

export function clientKind(clientId: string): OAuthClientKind {
  if (clientId.startsWith('https://')) return 'metadata-document';
  return clientId.startsWith(PRE_REGISTERED_PREFIX) ? 'pre-registered' : 'dynamic';
}

export interface OAuthClientView {
  readonly clientId: string;
  readonly name: string;
  readonly kind: OAuthClientKind;
  readonly redirectUris: readonly string[];
  readonly confidential: boolean;
  readonly createdAt: string | null;
}

export interface AddClientInput {
  readonly name: string;
  readonly redirectUris: readonly string[];
}

/**
 * Who changes the client list: a member in the console (recorded on the event, in their
 * workspace's log) or, absent, the operator's CLI. Clients are shared by every workspace of
 * the server, so a member may remove only a client no other workspace is connected to.
 */
export interface ClientChangeBy {
  readonly workspaceId: string;
  readonly actor: NonNullable<KeyActor>;
}

/** What removing a client stops, as seen from one workspace. */
export interface ClientRemovalImpact {
  readonly client: OAuthClientView;
  /** The live connections of this workspace to the client (each revoked by the removal). */
  readonly here: readonly ApiKeyRecord[];
  /** Whether another workspace has a live connection to it (then only the operator removes it). */
  readonly elsewhere: boolean;
}

export const MAX_REDIRECT_URIS = 10;
export const MAX_REDIRECT_URI_LENGTH = 2000;

/**
 * SECURITY: what an administrator types is checked before the URL parser sees it: no
 * control or invisible character (a pasted line break or bidi override), not too long, not
 * too many, and not two URIs glued together (`https://a/cbhttps://b/cb` parses as one URL
 * whose path hides the second: refused so nobody registers what they did not mean).
 */
function redirectUriIssues(uris: readonly string[]): FieldIssue[] {
  if (uris.length > MAX_REDIRECT_URIS) {
    return [{ field: 'redirect-uri', message: `give at most ${MAX_REDIRECT_URIS} redirect URIs` }];
  }
  for (const uri of uris) {
    const unsafe = findUnsafeCharacter(uri, 'line');
    if (unsafe) return [{ field: 'redirect-uri', message: unsafeCharacterMessage(unsafe, 'line') }];
    if (uri.length > MAX_REDIRECT_URI_LENGTH) {
      return [
        {
          field: 'redirect-uri',
          message: `a redirect URI must be at most ${MAX_REDIRECT_URI_LENGTH} characters`,
        },
      ];
    }
    if (/\s/.test(uri) || uri.indexOf('://') !== uri.lastIndexOf('://')) {
      return [
        {
          field: 'redirect-uri',
          message: `redirect_uri ${uri.slice(0, 80)} looks like several URIs glued together: give one per line`,
        },
      ];
    }
  }
  return [];
}

/**
 * What `add` refuses before anything is stored, field by field (`name`, `redirect-uri`):
 * the console shows each beside its field, the CLI prints them. Pure.
 */
export function checkClientInput(input: AddClientInput): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const name = input.name.trim();
  const unsafe = findUnsafeCharacter(input.name, 'line');
  if (unsafe) issues.push({ field: 'name', message: unsafeCharacterMessage(unsafe, 'line') });
  else if (name.length < 1 || name.length > 100)
    issues.push({ field: 'name', message: 'must be 1-100 characters' });
  if (input.redirectUris.length === 0) {
    issues.push({ field: 'redirect-uri', message: 'give at least one redirect URI' });
    return issues;
  }
  const typed = redirectUriIssues(input.redirectUris);
  if (typed.length > 0) return [...issues, ...typed];
  const uris = checkRedirectUris(input.redirectUris);
  if (uris.error) issues.push({ field: 'redirect-uri', message: uris.error });
  return issues;
}

export function createClientAdmin(deps: {
  /** oidc-provider, loaded on first use: only `add` needs it (to validate the metadata). */
  provider: () => Promise<Provider>;
  store: ClientStore;
  audit: AuditLog;
  connections: ConnectionService;
  newId: (prefix: string) => string;
  now: () => Date;
}) {
  const { store } = deps;
  const view = (payload: Record<string, unknown>): OAuthClientView => {
    const clientId = String(payload.client_id);
    return {
      clientId,
      name: typeof payload.client_name === 'string' ? payload.client_name : clientId,
      kind: clientKind(clientId),
      redirectUris: Array.isArray(payload.redirect_uris) ? payload.redirect_uris.map(String) : [],
      confidential: payload.token_endpoint_auth_method !== 'none',
      createdAt:
        typeof payload.client_id_issued_at === 'number'
          ? new Date(payload.client_id_issued_at * 1000).toISOString()
          : null,
    };
  };

  return {
    /** The checks `add` makes first, for a form to show beside its fields. */
    check: checkClientInput,

    /** A public client (PKCE, no secret) an administrator vouches for. */
    async add(input: AddClientInput, by?: ClientChangeBy): Promise<OAuthClientView> {
      const issues = checkClientInput(input);
      if (issues.length > 0) throw invalidInput(issues);
      const name = input.name.trim();
      const metadata = {
        client_id: deps.newId(PRE_REGISTERED_PREFIX),
        client_id_issued_at: Math.floor(deps.now().getTime() / 1000),
        client_name: name,
        redirect_uris: [...input.redirectUris],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code' as const],
        token_endpoint_auth_method: 'none' as const,
      };
      try {
        await (await deps.provider()).Client.validate(metadata);
      } catch (error) {
        // oidc-provider's errors carry the code in `message` and the reason in
        // `error_description`: the administrator needs the reason.
        const { message, error_description: reason } = error as Error & { error_description?: string };
        throw invalidInput([{ field: 'redirect-uri', message: reason ?? message }]);
      }
      await store.transaction(async (repos) => {
        await repos.oauthModels.upsert(CLIENT_MODEL, metadata.client_id, metadata, null);
        await deps.audit.record(repos, {
          action: 'oauth.client_added',
          outcome: 'ok',
          ...(by && { workspaceId: by.workspaceId, memberId: by.actor.memberId }),
          oauthClient: { id: metadata.client_id, name },
          detail: { redirectUris: metadata.redirect_uris },
        });
      });
      return view(metadata);
    },

    async list(): Promise<OAuthClientView[]> {
      const payloads = await store.oauthModels.list(CLIENT_MODEL, deps.now().toISOString());
      return payloads.map((p) => view(p)).sort((a, b) => a.name.localeCompare(b.name));
    },

    /** What removing `clientId` stops in `workspaceId`, and whether other workspaces use it. */
    async removalImpact(clientId: string, workspaceId: string): Promise<ClientRemovalImpact> {
      const payload = await store.oauthModels.find(CLIENT_MODEL, clientId, deps.now().toISOString());
      if (!payload) throw new AppError('not_found', `no OAuth client ${clientId}`);
      const live = await liveConnections(clientId);
      return {
        client: view(payload),
        here: live.filter((c) => c.workspaceId === workspaceId),
        elsewhere: live.some((c) => c.workspaceId !== workspaceId),
      };
    },

    /**
     * Removes a client and revokes every connection granted to it. From the console (`by`)
     * it is refused while another workspace has a live connection to the client.
     */
    async remove(
      clientId: string,
      by?: ClientChangeBy,
    ): Promise<{ client: OAuthClientView; revoked: number }> {
      const payload = await store.oauthModels.find(CLIENT_MODEL, clientId, deps.now().toISOString());
      if (!payload) throw new AppError('not_found', `no OAuth client ${clientId}`);
      const client = view(payload);
      const live = await liveConnections(clientId);
      if (by && live.some((c) => c.workspaceId !== by.workspaceId)) {
        throw new AppError(
          'conflict',
          'another workspace of this server is connected to this client: the operator removes it with `taskgate oauth clients remove`',
        );
      }
      let revoked = 0;
      for (const connection of live) {
        try {
          await deps.connections.revoke(connection.workspaceId, connection.id, by?.actor ?? null);
        } catch (error) {
          // Revoked meanwhile by someone else: it stops either way.
          if (!(error instanceof AppError && error.code === 'conflict')) throw error;
          continue;
        }
        if (connection.oauthGrantId) await store.oauthModels.revokeByGrantId(connection.oauthGrantId);
        revoked++;
      }
      await store.transaction(async (repos) => {
        await repos.oauthModels.destroy(CLIENT_MODEL, clientId);
        await deps.audit.record(repos, {
          action: 'oauth.client_removed',
          outcome: 'ok',
          ...(by && { workspaceId: by.workspaceId, memberId: by.actor.memberId }),
          oauthClient: { id: clientId, name: client.name },
          detail: { revokedConnections: revoked },
        });
      });
      return { client, revoked };
    },
  };

  async function liveConnections(clientId: string): Promise<ApiKeyRecord[]> {
    const out: ApiKeyRecord[] = [];
    for (const workspace of await store.workspaces.list()) {
      for (const connection of await deps.connections.list(workspace.id)) {
        if (connection.oauthClientId === clientId && connection.revokedAt === null) out.push(connection);
      }
    }
    return out;
  }
}

export type ClientAdmin = ReturnType<typeof createClientAdmin>;
