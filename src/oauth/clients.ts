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
import type { ConnectionService, ConsentRequest } from '../credentials/index.js';
import { findUnsafeCharacter, unsafeCharacterMessage } from '../domain/index.js';
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
    /** A public client (PKCE, no secret) an administrator vouches for. */
    async add(input: AddClientInput): Promise<OAuthClientView> {
      const issues: FieldIssue[] = [];
      const name = input.name.trim();
      const unsafe = findUnsafeCharacter(input.name, 'line');
      if (unsafe) issues.push({ field: 'name', message: unsafeCharacterMessage(unsafe, 'line') });
      else if (name.length < 1 || name.length > 100)
        issues.push({ field: 'name', message: 'must be 1-100 characters' });
      if (input.redirectUris.length === 0) {
        issues.push({ field: 'redirect-uri', message: 'give at least one redirect URI' });
      }
      const uris = checkRedirectUris(input.redirectUris);
      if (uris.error) issues.push({ field: 'redirect-uri', message: uris.error });
      if (issues.length > 0) throw invalidInput(issues);
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

    /** Removes a client and revokes every connection granted to it. */
    async remove(clientId: string): Promise<{ client: OAuthClientView; revoked: number }> {
      const payload = await store.oauthModels.find(CLIENT_MODEL, clientId, deps.now().toISOString());
      if (!payload) throw new AppError('not_found', `no OAuth client ${clientId}`);
      const client = view(payload);
      let revoked = 0;
      for (const workspace of await store.workspaces.list()) {
        for (const connection of await deps.connections.list(workspace.id)) {
          if (connection.oauthClientId !== clientId || connection.revokedAt !== null) continue;
          await deps.connections.revoke(workspace.id, connection.id);
          if (connection.oauthGrantId) await store.oauthModels.revokeByGrantId(connection.oauthGrantId);
          revoked++;
        }
      }
      await store.transaction(async (repos) => {
        await repos.oauthModels.destroy(CLIENT_MODEL, clientId);
        await deps.audit.record(repos, {
          action: 'oauth.client_removed',
          outcome: 'ok',
          oauthClient: { id: clientId, name: client.name },
          detail: { revokedConnections: revoked },
        });
      });
      return { client, revoked };
    },
  };
}

export type ClientAdmin = ReturnType<typeof createClientAdmin>;
