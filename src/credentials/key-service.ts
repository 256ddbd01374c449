/**
 * Key lifecycle: create, list, show, rotate, revoke, health — each change with its audit
 * event, naming the member who did it, in the same transaction. The secret exists only in
 * the return value of create and rotate.
 * SECURITY: keys are minted from the CSPRNG passed in as `random`; only their SHA-256 is
 * stored. What an acting member may do is key-actor.ts's.
 */

import type { AuditLog } from '../audit/index.js';
import {
  AppError,
  type Clock,
  type FieldIssue,
  type IdGenerator,
  invalidInput,
  isId,
  type Random,
} from '../core/index.js';
import { resolveWorkspace } from '../domain/index.js';
import type { ApiKeyRecord, Workspace } from '../model/index.js';
import type { Repositories, Store } from '../storage/index.js';
import { displayPrefix, generateApiKey, hashApiKey, lastFour } from './api-key-format.js';
import {
  actingMember,
  actorByEmail,
  assertMayCreateKey,
  findKey,
  type KeyActor,
  mayActOnKeyOf,
} from './key-actor.js';
import { recordKeyEvent, recordKeyRevoked, revokeKeyFamily } from './key-family.js';
import { type KeyHealth, summarizeKeyHealth } from './key-health.js';
import {
  type CreateKeyInput,
  checkKeyName,
  createKeyInput,
  resolveCidrs,
  resolveScopes,
} from './key-input.js';
import { createKeyNarrowing } from './key-narrow-service.js';
import { resolveProjects } from './key-projects.js';
import { DAY_MS, type KeyRevocation, type KeyView, keyStatus, toKeyView } from './key-view.js';
import { beyondRole, expandScopes } from './scopes.js';

export interface KeyServiceDeps {
  readonly store: Pick<Store, 'apiKeys' | 'members' | 'projects' | 'transaction' | 'workspaces'>;
  readonly clock: Clock;
  readonly random: Random;
  readonly ids: IdGenerator;
  readonly audit: AuditLog;
}

const HOUR_MS = 3_600_000;
export const DEFAULT_GRACE_HOURS = 24;
const MAX_GRACE_HOURS = 7 * 24;

export interface IssuedKey {
  readonly key: KeyView;
  /** The secret: shown once, never stored. */
  readonly secret: string;
}

export function createKeyService(deps: KeyServiceDeps) {
  const { store, clock, random, ids, audit } = deps;

  async function view(
    repos: Pick<Repositories, 'members' | 'projects'>,
    workspace: Workspace,
    key: ApiKeyRecord,
  ): Promise<KeyView> {
    const member = (await repos.members.findById(workspace.id, key.memberId))!;
    const projects = await repos.projects.list(workspace.id, { includeArchived: true });
    return toKeyView(key, { now: clock.now(), workspace, member, projects });
  }

  function mint(
    workspace: Workspace,
    base: Omit<ApiKeyRecord, 'id' | 'hash' | 'prefix' | 'last4' | 'createdAt' | 'expiresAt'>,
    days: number,
  ) {
    const secret = generateApiKey(workspace.environment, random);
    const now = clock.now();
    const record: ApiKeyRecord = {
      ...base,
      id: ids('apiKey'),
      hash: hashApiKey(secret),
      prefix: displayPrefix(secret),
      last4: lastFour(secret),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + days * DAY_MS).toISOString(),
    };
    return { secret, record };
  }

  return {
    ...createKeyNarrowing(deps), // narrow, forAction
    /** `actor`: who creates it (default: the operator); the key is theirs unless `member` says otherwise. */
    async create(input: CreateKeyInput, options: { actor?: KeyActor } = {}): Promise<IssuedKey> {
      const parsed = createKeyInput.safeParse(input);
      if (!parsed.success)
        throw invalidInput(
          parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? 'input'), message: i.message })),
        );
      const data = parsed.data;
      return store.transaction(async (repos) => {
        const workspace = await resolveWorkspace(repos, data.workspace);
        // Concurrent creates of one name: the second waits, then sees the first (PostgreSQL).
        await repos.apiKeys.lockForChange(workspace.id);
        const actor = await actingMember(repos, workspace, options.actor ?? null);
        const issues: FieldIssue[] = [];
        const nameIssue = checkKeyName(data.name);
        if (nameIssue) issues.push(nameIssue);
        if (data.environment !== workspace.environment) {
          issues.push({
            field: 'env',
            message: `workspace ${workspace.slug} is ${workspace.environment}; a ${data.environment} key cannot be used with it`,
          });
        }
        const found = data.member
          ? await (data.member.startsWith('mbr_')
              ? repos.members.findById(workspace.id, data.member)
              : repos.members.findByEmail(workspace.id, data.member.toLowerCase()))
          : (actor ?? (await repos.members.list(workspace.id)).find((m) => m.role === 'owner'));
        // findById still finds a removed member (their history stays readable): no key for them.
        const member = found?.removedAt ? undefined : found;
        if (!member)
          issues.push({
            field: 'member',
            message: `no member ${data.member ?? '(owner)'} in ${workspace.slug}`,
          });
        const scopes = resolveScopes(data.scopes, data.preset);
        if (member && Array.isArray(scopes))
          assertMayCreateKey(actor, member, scopes, data.readOnly, workspace);
        if (!Array.isArray(scopes)) issues.push(scopes);
        else if (member) {
          const excess = beyondRole(scopes, member.role);
          if (excess.length)
            issues.push({
              field: 'scopes',
              message: `${excess.join(', ')} exceed the role ${member.role} of ${member.email}`,
            });
        }
        const cidrs = resolveCidrs(data.ip);
        if (cidrs !== null && !Array.isArray(cidrs)) issues.push(cidrs);
        const days = data.expiresIn ?? workspace.keyRotationDays;
        if (days > workspace.keyRotationDays) {
          issues.push({
            field: 'expires-in',
            message: `must be at most ${workspace.keyRotationDays}d under this workspace's rotation policy`,
          });
        }
        const projectIds = member
          ? await resolveProjects(repos, workspace, member, data.projects, issues)
          : null;
        if (!nameIssue && (await repos.apiKeys.findCurrentByName(workspace.id, data.name))) {
          issues.push({
            field: 'name',
            message: `a key named ${data.name} already exists; rotate or revoke it`,
          });
        }
        if (issues.length || !member || !Array.isArray(scopes)) throw invalidInput(issues);
        const { secret, record } = mint(
          workspace,
          {
            workspaceId: workspace.id,
            memberId: member.id,
            name: data.name,
            environment: workspace.environment,
            scopes: expandScopes(scopes),
            projectIds,
            readOnly: data.readOnly,
            dryRunOnly: data.dryRunOnly,
            ipAllow: cidrs as string[] | null,
            client: data.client ?? null,
            createdBy: actor?.id ?? null,
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
            kind: 'api_key',
            oauthClientId: null,
            oauthClientName: null,
            oauthGrantId: null,
          },
          days,
        );
        await repos.apiKeys.insert(record);
        await recordKeyEvent(
          audit,
          repos,
          workspace,
          record,
          'key.created',
          { scopes, member: member.email, expiresAt: record.expiresAt },
          actor?.id ?? null,
        );
        return { key: await view(repos, workspace, record), secret };
      });
    },

    /** Every key the actor may see: all of them for the operator, owners and admins; else their own. */
    async list(workspaceSlug: string, options: { actor?: KeyActor } = {}): Promise<KeyView[]> {
      const workspace = await resolveWorkspace(store, workspaceSlug);
      const actor = await actingMember(store, workspace, options.actor ?? null);
      return (await viewAll(workspace, clock.now())).filter((k) => mayActOnKeyOf(actor, k.member.id));
    },

    async show(workspaceSlug: string, ref: string, options: { actor?: KeyActor } = {}): Promise<KeyView> {
      const workspace = await resolveWorkspace(store, workspaceSlug);
      const actor = await actingMember(store, workspace, options.actor ?? null);
      return view(store, workspace, await findKey(store, workspace, ref, actor));
    },

    /**
     * Live keys due soon or overdue for rotation, never used, or idle: the Overview's list.
     * SECURITY: a member or viewer acting (`actor`) is judged on their own keys only.
     */
    async health(workspaceRef: string, options: { actor?: KeyActor } = {}): Promise<KeyHealth> {
      const workspace = await resolveWorkspace(store, workspaceRef);
      const actor = await actingMember(store, workspace, options.actor ?? null);
      const now = clock.now();
      const views = (await viewAll(workspace, now)).filter((k) => mayActOnKeyOf(actor, k.member.id));
      return summarizeKeyHealth(workspace, views, now);
    },

    /** The member an email names in the workspace, as an actor (`--as <email>`). */
    async actorFor(workspaceRef: string, email: string): Promise<NonNullable<KeyActor>> {
      return actorByEmail(store, await resolveWorkspace(store, workspaceRef), email);
    },

    /**
     * A new key with the same rights; the old one keeps working for the grace window, then
     * dies. `leaked`: no grace — the old key, and any predecessor of it still in grace, is
     * revoked in the same transaction, so only the new secret works.
     */
    async rotate(
      workspaceSlug: string,
      ref: string,
      options: { graceHours?: number; leaked?: boolean; actor?: KeyActor } = {},
    ): Promise<IssuedKey & { old: KeyView; revoked: KeyView[] }> {
      if (options.leaked && options.graceHours !== undefined) {
        throw invalidInput([
          { field: 'grace', message: 'a leaked key gets no grace: leave out the grace with --leaked' },
        ]);
      }
      const graceHours = options.leaked ? 0 : (options.graceHours ?? DEFAULT_GRACE_HOURS);
      if (!Number.isFinite(graceHours) || graceHours < 0 || graceHours > MAX_GRACE_HOURS) {
        throw invalidInput([{ field: 'grace', message: `must be 0-${MAX_GRACE_HOURS}h` }]);
      }
      return store.transaction(async (repos) => {
        const workspace = await resolveWorkspace(repos, workspaceSlug);
        await repos.apiKeys.lockForChange(workspace.id);
        const actor = await actingMember(repos, workspace, options.actor ?? null);
        const actorId = actor?.id ?? null;
        const old = await findKey(repos, workspace, ref, actor, 'rotate');
        const status = keyStatus(old, clock.now());
        if (status !== 'active')
          throw new AppError('conflict', `key ${old.name} is ${status} and cannot be rotated`);
        const { secret, record } = mint(
          workspace,
          {
            ...old,
            replaces: old.id,
            createdBy: actorId,
            lastUsedAt: null,
            lastUsedIp: null,
            lastUsedClient: null,
            // The replacement starts clean; the old key keeps its flag for the record.
            flaggedAt: null,
            flaggedReason: null,
            kind: 'api_key',
            oauthClientId: null,
            oauthClientName: null,
            oauthGrantId: null,
          },
          // The replacement keeps the lifetime chosen for the old key, within the policy.
          Math.min(Math.max(lifetimeDays(old), 1), workspace.keyRotationDays),
        );
        const now = clock.now();
        const graceUntil = new Date(
          Math.min(now.getTime() + graceHours * HOUR_MS, Date.parse(old.expiresAt)),
        ).toISOString();
        await repos.apiKeys.markReplaced(workspace.id, old.id, {
          replacedBy: record.id,
          replacedAt: now.toISOString(),
          graceUntil,
        });
        // Before the replacement exists, so the family revoked is exactly the old secrets.
        const revoked = options.leaked
          ? (
              await revokeKeyFamily(
                audit,
                repos,
                workspace,
                old.name,
                now.toISOString(),
                { by: 'keys.rotate', reason: 'leaked' },
                actorId,
              )
            ).revoked
          : [];
        await repos.apiKeys.insert(record);
        await recordKeyEvent(
          audit,
          repos,
          workspace,
          record,
          'key.rotated',
          { replaces: old.id, graceUntil, ...(options.leaked && { leaked: true }) },
          actorId,
        );
        const oldNow = (await repos.apiKeys.findById(workspace.id, old.id))!;
        return {
          key: await view(repos, workspace, record),
          secret,
          old: await view(repos, workspace, oldNow),
          revoked: await views(repos, workspace, revoked),
        };
      });
    },

    /**
     * Revokes what the user means by a key: the key and its whole rotation family — the
     * predecessor still in grace and any successor — dead on the next request, one
     * `key.revoked` each. `only` revokes exactly one key id and leaves its family alone.
     */
    async revoke(
      workspaceSlug: string,
      ref: string,
      options: { only?: boolean; actor?: KeyActor } = {},
    ): Promise<KeyRevocation> {
      if (options.only && !isId('apiKey', ref))
        throw invalidInput([{ field: 'only', message: notAKeyId(ref) }]);
      return store.transaction(async (repos) => {
        const workspace = await resolveWorkspace(repos, workspaceSlug);
        await repos.apiKeys.lockForChange(workspace.id);
        const at = clock.now().toISOString();
        const actor = await actingMember(repos, workspace, options.actor ?? null);
        const actorId = actor?.id ?? null;
        if (options.only) {
          const key = await findKey(repos, workspace, ref, actor);
          if (!(await repos.apiKeys.revoke(workspace.id, key.id, at)))
            throw new AppError('conflict', `key ${key.name} (${key.id}) is already revoked`);
          await recordKeyRevoked(audit, repos, workspace, key, { by: 'keys.revoke', only: true }, actorId);
          return { name: key.name, revoked: await views(repos, workspace, [key]), alreadyRevoked: [] };
        }
        const key = await findKey(repos, workspace, ref, actor);
        const result = await revokeKeyFamily(
          audit,
          repos,
          workspace,
          key.name,
          at,
          { by: 'keys.revoke' },
          actorId,
        );
        if (result.revoked.length === 0) throw new AppError('conflict', `key ${key.name} is already revoked`);
        return {
          name: key.name,
          revoked: await views(repos, workspace, result.revoked),
          alreadyRevoked: await views(repos, workspace, result.alreadyRevoked),
        };
      });
    },
  };

  /** Every key of the workspace, viewed at `now`: three queries, whatever the number of keys. */
  async function viewAll(workspace: Workspace, now: Date): Promise<KeyView[]> {
    const members = new Map(
      (await store.members.list(workspace.id, { includeRemoved: true })).map((m) => [m.id, m]),
    );
    const projects = await store.projects.list(workspace.id, { includeArchived: true });
    return (await store.apiKeys.list(workspace.id)).map((key) =>
      toKeyView(key, { now, workspace, member: members.get(key.memberId)!, projects }),
    );
  }

  async function views(repos: Repositories, workspace: Workspace, keys: readonly ApiKeyRecord[]) {
    const out: KeyView[] = [];
    for (const k of keys)
      out.push(await view(repos, workspace, (await repos.apiKeys.findById(workspace.id, k.id))!));
    return out;
  }
}

const notAKeyId = (ref: string) =>
  `${ref} is not a key id (key_ and 26 characters, as keys list shows; end an OAuth connection with connections revoke)`;

const lifetimeDays = (key: ApiKeyRecord) =>
  Math.round((Date.parse(key.expiresAt) - Date.parse(key.createdAt)) / DAY_MS);

export type KeyService = ReturnType<typeof createKeyService>;
