/**
 * OAuth connections: what a member's consent turns into. A connection is a credential like a
 * named key — one member, one environment, scopes, a project allow-list, read-only — stored
 * beside the keys (kind `oauth`), so budgets, flags, freeze, incident commands and the audit
 * log treat it exactly as a key. One live connection per member and client: consenting again
 * (a step-up to more scopes) updates it and moves it to the new grant.
 */
import { createHash } from 'node:crypto';
import type { AuditLog } from '../audit/index.js';
import { AppError, type Clock, type IdGenerator, type Random } from '../core/index.js';
import type { ApiKeyRecord, Member, Workspace } from '../model/index.js';
import type { Repositories, Store } from '../storage/index.js';
import { type KeyActor, mayActOnKeyOf } from './key-actor.js';
import { suggestKeyName } from './key-input.js';
import { beyondRole, expandScopes, isScope, type Scope } from './scopes.js';

const DAY_MS = 86_400_000;

export interface ConsentGrant {
  readonly workspace: Workspace;
  readonly member: Member;
  readonly client: { readonly id: string; readonly name: string; readonly verified: boolean };
  readonly scopes: readonly string[];
  /** `null`: every project the member can see. */
  readonly projectIds: readonly string[] | null;
  readonly readOnly: boolean;
  /** The authorization server's grant whose tokens the connection accepts from now on. */
  readonly grantId: string;
  /** The id a new connection gets (the grant names it as its subject before it exists). */
  readonly connectionId?: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface ConsentRequest {
  readonly uid: string;
  readonly client: {
    readonly id: string;
    readonly name: string;
    readonly kind: 'pre-registered' | 'metadata-document' | 'dynamic';
    /** Whether anyone vouches for the name: false for dynamically registered clients. */
    readonly verified: boolean;
    readonly redirectUri: string;
  };
  /** The Taskgate scopes asked for, in catalogue order. */
  readonly scopes: readonly Scope[];
  /** Whether allowing lets the client stay connected (a refresh token): see docs/oauth.md step 8. */
  readonly offline: boolean;
}

export interface ConsentDecision {
  readonly workspace: Workspace;
  readonly member: Member;
  readonly scopes: readonly string[];
  readonly projectIds: readonly string[] | null;
  readonly readOnly: boolean;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface GrantedConnection {
  readonly connection: ApiKeyRecord;
  /** The grant the connection held before (its tokens are dead now); null for a new one. */
  readonly replacedGrantId: string | null;
  /** Scopes this consent added to an existing connection (a step-up). */
  readonly added: readonly Scope[];
}

export function createConnectionService(deps: {
  store: Pick<Store, 'apiKeys' | 'transaction'>;
  clock: Clock;
  ids: IdGenerator;
  random: Random;
  audit: AuditLog;
}) {
  const { store, clock, ids, audit } = deps;

  const auditConnection = (
    repos: Repositories,
    action: string,
    connection: ApiKeyRecord,
    extra: { memberId?: string; ip?: string | null; userAgent?: string | null; detail?: unknown } = {},
  ) =>
    audit.record(repos, {
      action,
      outcome: 'ok',
      workspaceId: connection.workspaceId,
      memberId: extra.memberId ?? connection.memberId,
      credentialId: connection.id,
      credentialName: connection.name,
      environment: connection.environment,
      oauthClient: { id: connection.oauthClientId ?? '', name: connection.oauthClientName ?? '' },
      ip: extra.ip ?? null,
      userAgent: extra.userAgent ?? null,
      detail: extra.detail,
    });

  async function uniqueName(repos: Repositories, workspaceId: string, base: string): Promise<string> {
    for (let n = 1; ; n++) {
      const name = n === 1 ? base : `${base.slice(0, 60)}-${n}`;
      if (!(await repos.apiKeys.findCurrentByName(workspaceId, name))) return name;
    }
  }

  async function list(workspaceId: string): Promise<ApiKeyRecord[]> {
    const all = await store.apiKeys.list(workspaceId);
    return all.filter((k) => k.kind === 'oauth').sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  return {
    /** Records a member's consent: a new connection, or the member's connection for this client updated. */
    async grant(input: ConsentGrant): Promise<GrantedConnection> {
      const { workspace, member, client } = input;
      const unknown = input.scopes.filter((s) => !isScope(s));
      if (unknown.length > 0) throw new AppError('invalid_input', `unknown scope(s): ${unknown.join(', ')}`);
      const scopes = expandScopes(input.scopes as Scope[]);
      if (scopes.length === 0) throw new AppError('invalid_input', 'grant at least one scope');
      const beyond = beyondRole(scopes, member.role);
      if (beyond.length > 0) {
        throw new AppError('forbidden', `a ${member.role} cannot grant ${beyond.join(', ')}`);
      }
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + workspace.keyRotationDays * DAY_MS).toISOString();
      return store.transaction(async (repos) => {
        // A new consent may narrow the connection: writes already waiting finish first (write-recheck.ts).
        await repos.apiKeys.lockForChange(workspace.id);
        const existing = await repos.apiKeys.findConnection(workspace.id, member.id, client.id);
        const context = { memberId: member.id, ip: input.ip, userAgent: input.userAgent };
        const rights = {
          scopes,
          projects: input.projectIds,
          readOnly: input.readOnly,
          verified: client.verified,
        };
        if (existing) {
          const before = existing.scopes as Scope[];
          await repos.apiKeys.updateConnection(workspace.id, existing.id, {
            scopes,
            projectIds: input.projectIds,
            readOnly: input.readOnly,
            grantId: input.grantId,
            clientName: client.name,
            expiresAt,
          });
          const connection = (await repos.apiKeys.findById(workspace.id, existing.id))!;
          const added = scopes.filter((s) => !before.includes(s));
          await auditConnection(
            repos,
            added.length > 0 ? 'oauth.step_up' : 'connection.updated',
            connection,
            {
              ...context,
              detail: { ...rights, before: before, added },
            },
          );
          return { connection, replacedGrantId: existing.oauthGrantId, added };
        }
        const connection: ApiKeyRecord = {
          id: input.connectionId ?? ids('connection'),
          workspaceId: workspace.id,
          memberId: member.id,
          name: await uniqueName(repos, workspace.id, `oauth-${suggestKeyName(client.name).slice(0, 40)}`),
          environment: workspace.environment,
          // Nobody holds a key for a connection: the digest of random bytes matches no bearer.
          hash: createHash('sha256').update(deps.random.bytes(32)).digest('hex'),
          prefix: 'oauth',
          last4: '',
          scopes,
          projectIds: input.projectIds,
          readOnly: input.readOnly,
          dryRunOnly: false,
          ipAllow: null,
          client: null,
          createdAt: now.toISOString(),
          createdBy: member.id,
          expiresAt,
          revokedAt: null,
          replaces: null,
          replacedBy: null,
          replacedAt: null,
          graceUntil: null,
          lastUsedAt: null,
          lastUsedIp: null,
          lastUsedClient: null,
          flaggedAt: null,
          flaggedReason: null,
          kind: 'oauth',
          oauthClientId: client.id,
          oauthClientName: client.name,
          oauthGrantId: input.grantId,
        };
        await repos.apiKeys.insert(connection);
        await auditConnection(repos, 'connection.created', connection, { ...context, detail: rights });
        return { connection, replacedGrantId: null, added: [] };
      });
    },

    /** Every connection of a workspace, live or not, newest first. */
    list,

    /**
     * The connections `viewer` may see: every one for owners and admins, their own for a
     * member or viewer (the console's Connections page and the same rule as for keys).
     */
    async listFor(workspaceId: string, viewer: Member): Promise<ApiKeyRecord[]> {
      const all = await list(workspaceId);
      return all.filter((k) => mayActOnKeyOf(viewer, k.memberId));
    },

    /** SECURITY: a connection `viewer` may not see is not_found, exactly like a missing one. */
    async findFor(workspaceId: string, id: string, viewer: Member): Promise<ApiKeyRecord> {
      const found = await store.apiKeys.findById(workspaceId, id);
      if (found?.kind !== 'oauth' || !mayActOnKeyOf(viewer, found.memberId)) {
        throw new AppError('not_found', `no OAuth connection ${id}`);
      }
      return found;
    },

    /**
     * Revokes a connection by id or name; returns it (its grant must be revoked too). `actor`
     * is the member revoking it (console, recorded on the event), `null` the operator's CLI.
     * Of concurrent revocations exactly one records `connection.revoked`; the rest are conflicts.
     */
    async revoke(workspaceId: string, ref: string, actor: KeyActor = null): Promise<ApiKeyRecord> {
      return store.transaction(async (repos) => {
        await repos.apiKeys.lockForChange(workspaceId);
        const member = actor && (await repos.members.findById(workspaceId, actor.memberId));
        if (actor && (!member || member.removedAt || member.email !== actor.email.toLowerCase())) {
          throw new AppError('forbidden', `${actor.email} is not a member of this workspace`);
        }
        const all = (await repos.apiKeys.list(workspaceId)).filter((k) => k.kind === 'oauth');
        const found = all.find((k) => k.id === ref) ?? all.filter((k) => k.name === ref).at(-1);
        if (!found || !mayActOnKeyOf(member ?? null, found.memberId)) {
          throw new AppError('not_found', `no OAuth connection ${ref}`);
        }
        if (!(await repos.apiKeys.revoke(workspaceId, found.id, clock.now().toISOString()))) {
          throw new AppError('conflict', `connection ${found.name} is already revoked`);
        }
        await auditConnection(repos, 'connection.revoked', found, {
          ...(actor && { memberId: actor.memberId }),
          detail: { by: actor?.memberId ?? 'cli', owner: found.memberId },
        });
        return (await repos.apiKeys.findById(workspaceId, found.id))!;
      });
    },

    /**
     * The authorization server revoked a grant (code replay, refresh-token reuse, the client
     * revoking its token): the connection holding it dies with it, recorded with the reason.
     */
    async revokeByGrant(grantId: string, reason: string): Promise<ApiKeyRecord | undefined> {
      return store.transaction(async (repos) => {
        const revoked = await repos.apiKeys.revokeByGrant(grantId, clock.now().toISOString());
        if (revoked) await auditConnection(repos, 'connection.revoked', revoked, { detail: { reason } });
        return revoked;
      });
    },
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;
