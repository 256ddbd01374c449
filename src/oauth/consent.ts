/**
 * SECURITY: the consent step of an authorization. oidc-provider holds the pending request
 * (client, redirect URI, requested scopes, PKCE) behind its interaction cookie; the member
 * signed in on our pages decides. What the member grants — possibly fewer scopes, chosen
 * projects, read-only — becomes a connection (our credential) and an oidc-provider grant
 * holding exactly those scopes for the MCP resource, whose id the connection records.
 * Once the pending request is found (its client and redirect URI were checked when it was
 * made), every outcome goes back to the client as an OAuth redirect, errors included
 * (RFC 6749 §4.1.2.1): the client learns what happened, and the browser never ends on a bare
 * error page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { AuditLog } from '../audit/index.js';
import { AppError, toAppError } from '../core/index.js';
import {
  type ConnectionService,
  type ConsentDecision,
  type ConsentRequest,
  isScope,
} from '../credentials/index.js';
import type { Member, Workspace } from '../model/index.js';
import { clientKind } from './clients.js';
import type { ConsentStore } from './ports.js';

/** RFC 6749 §4.1.2.1 error codes for the member's answers we refuse; other failures stay ours. */
const REFUSAL: Partial<Record<string, 'access_denied' | 'invalid_request'>> = {
  forbidden: 'access_denied',
  invalid_input: 'invalid_request',
  not_found: 'invalid_request',
};

/**
 * What the consent page (admin-ui's `ConsentPort`, wired in app.ts) acts through: `load` the
 * pending authorization behind the browser's interaction cookie, `approve` or `decline` it;
 * both return where to send the browser next.
 */
export function createConsentBackend(deps: {
  provider: Provider;
  mcpUrl: string;
  connections: ConnectionService;
  store: ConsentStore;
  audit: AuditLog;
  newConnectionId: () => string;
}) {
  const { provider } = deps;

  async function pending(req: IncomingMessage, res: ServerResponse, uid: string) {
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      throw new AppError(
        'not_found',
        'this authorization request expired or was already answered; start again from your assistant',
      );
    }
    if (details.uid !== uid)
      throw new AppError('not_found', 'this authorization request belongs to another window');
    const clientId = String(details.params.client_id);
    const client = await provider.Client.find(clientId);
    if (!client) throw new AppError('not_found', 'the client of this request is no longer registered');
    return { details, client };
  }

  async function load(req: IncomingMessage, res: ServerResponse, uid: string): Promise<ConsentRequest> {
    const { details, client } = await pending(req, res, uid);
    const asked = String(details.params.scope ?? '')
      .split(' ')
      .filter(Boolean);
    const kind = clientKind(client.clientId);
    return {
      uid,
      client: {
        id: client.clientId,
        name: client.clientName ?? client.clientId,
        kind,
        verified: kind !== 'dynamic',
        redirectUri: String(details.params.redirect_uri),
      },
      scopes: asked.filter(isScope),
      // Issue 13 (9): a client registered for the refresh_token grant stays connected once
      // the member allows it (the page says so), whether or not it sent OpenID's
      // `offline_access` with `prompt=consent` (oidc-provider drops it otherwise).
      offline: asked.includes('offline_access') || client.grantTypeAllowed('refresh_token'),
    };
  }

  /** Ends the pending request with an OAuth error for the client; returns where the browser goes. */
  async function finish(req: IncomingMessage, res: ServerResponse, error: string, description: string) {
    return provider.interactionResult(
      req,
      res,
      { error, error_description: description },
      { mergeWithLastSubmission: false },
    );
  }

  return {
    load,

    async approve(req: IncomingMessage, res: ServerResponse, uid: string, decision: ConsentDecision) {
      const request = await load(req, res, uid);
      const extra = decision.scopes.filter((s) => !(request.scopes as readonly string[]).includes(s));
      if (extra.length > 0) throw new AppError('invalid_input', `not asked for: ${extra.join(', ')}`);
      const existing = await deps.store.apiKeys.findConnection(
        decision.workspace.id,
        decision.member.id,
        request.client.id,
      );
      const accountId = existing?.id ?? deps.newConnectionId();
      const grant = new provider.Grant({ accountId, clientId: request.client.id });
      // oidc-provider counts a requested scope as answered when the grant holds or refuses
      // it, both for the resource and for the server itself (where clients register them).
      const allowed = decision.scopes.join(' ');
      const refused = request.scopes.filter((s) => !decision.scopes.includes(s)).join(' ');
      grant.addResourceScope(deps.mcpUrl, allowed);
      grant.addOIDCScope(request.offline ? `${allowed} offline_access` : allowed);
      if (refused) {
        grant.rejectResourceScope(deps.mcpUrl, refused);
        grant.rejectOIDCScope(refused);
      }
      const grantId = await grant.save();
      let granted: Awaited<ReturnType<ConnectionService['grant']>>;
      try {
        granted = await deps.connections.grant({
          ...decision,
          connectionId: accountId,
          client: { id: request.client.id, name: request.client.name, verified: request.client.verified },
          grantId,
        });
      } catch (error) {
        await grant.destroy();
        throw error;
      }
      // Step-up or reconnection: the old grant's refresh tokens die; its access tokens are
      // already refused (they name a grant the connection no longer holds).
      if (granted.replacedGrantId) await deps.store.oauthModels.revokeByGrantId(granted.replacedGrantId);
      return provider.interactionResult(
        req,
        res,
        { login: { accountId }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    },

    async decline(
      req: IncomingMessage,
      res: ServerResponse,
      uid: string,
      who: { workspace: Workspace; member: Member; ip: string | null },
    ) {
      const request = await load(req, res, uid);
      await deps.audit.append({
        action: 'oauth.consent_declined',
        outcome: 'denied',
        workspaceId: who.workspace.id,
        memberId: who.member.id,
        environment: who.workspace.environment,
        oauthClient: { id: request.client.id, name: request.client.name },
        ip: who.ip,
        detail: { scopes: request.scopes },
      });
      return finish(req, res, 'access_denied', 'the member declined the request');
    },

    /**
     * The member's answer could not be taken (no project chosen, a scope not asked for, beyond
     * the role…): the client hears it as an OAuth error at its redirect URI, with its `state`.
     * Undefined when the pending request itself is gone (then only a page can say so).
     */
    async refuse(
      req: IncomingMessage,
      res: ServerResponse,
      uid: string,
      who: { workspace: Workspace; member: Member; ip: string | null },
      cause: unknown,
    ): Promise<string | undefined> {
      const appError = toAppError(cause);
      const error = REFUSAL[appError.code];
      if (!error) return undefined;
      let request: ConsentRequest;
      try {
        request = await load(req, res, uid);
      } catch {
        return undefined;
      }
      await deps.audit.append({
        action: 'oauth.consent_refused',
        outcome: 'denied',
        errorCode: error,
        workspaceId: who.workspace.id,
        memberId: who.member.id,
        environment: who.workspace.environment,
        oauthClient: { id: request.client.id, name: request.client.name },
        ip: who.ip,
        detail: { scopes: request.scopes, error: appError.publicMessage },
      });
      return finish(req, res, error, appError.publicMessage);
    },
  };
}

export type ConsentBackend = ReturnType<typeof createConsentBackend>;
