/** API keys. */
import type { Kysely, Selectable } from 'kysely';
import type { Environment } from '../../config/index.js';
import type { ApiKeyRecord, CredentialKind, SuspensionMode } from '../../model/index.js';
import type { DatabaseKind } from '../connect.js';
import type { ApiKeyRepository } from '../ports.js';
import type { ApiKeyTable, Database } from '../schema.js';
import { lockKeys } from './locks.js';
import { OWNER_COLUMNS, toOwner } from './rows.js';

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

export const toKey = (row: Selectable<ApiKeyTable>): ApiKeyRecord => ({
  id: row.id,
  workspaceId: row.workspace_id,
  memberId: row.member_id,
  name: row.name,
  environment: row.environment as Environment,
  hash: row.hash,
  prefix: row.prefix,
  last4: row.last4,
  scopes: JSON.parse(row.scopes) as string[],
  projectIds: parse<string[]>(row.project_ids),
  readOnly: row.read_only === 1,
  dryRunOnly: row.dry_run_only === 1,
  ipAllow: parse<string[]>(row.ip_allow),
  client: row.client,
  createdAt: row.created_at,
  createdBy: row.created_by,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  replaces: row.replaces,
  replacedBy: row.replaced_by,
  replacedAt: row.replaced_at,
  graceUntil: row.grace_until,
  lastUsedAt: row.last_used_at,
  lastUsedIp: row.last_used_ip,
  lastUsedClient: row.last_used_client,
  flaggedAt: row.flagged_at,
  flaggedReason: row.flagged_reason,
  kind: row.kind as CredentialKind,
  oauthClientId: row.oauth_client_id,
  oauthClientName: row.oauth_client_name,
  oauthGrantId: row.oauth_grant_id,
  suspension:
    row.suspended_at === null
      ? null
      : {
          at: row.suspended_at,
          mode: row.suspended_mode as SuspensionMode,
          reason: row.suspended_reason ?? '',
          by: row.suspended_by ?? '',
        },
});

// The key with its workspace and member in one query: the hot path of every request, and
// of every write's check under its locks (writer-state.ts).
export const ownedQuery = (db: Kysely<Database>) =>
  db
    .selectFrom('api_keys as k')
    .innerJoin('workspaces as w', 'w.id', 'k.workspace_id')
    .innerJoin('members as m', (join) =>
      join.onRef('m.id', '=', 'k.member_id').onRef('m.workspace_id', '=', 'k.workspace_id'),
    )
    // SECURITY: a removed member's credentials never authenticate, even one minted in a race.
    .where('m.removed_at', 'is', null)
    .selectAll('k')
    .select(OWNER_COLUMNS);

export function createApiKeyRepository(db: Kysely<Database>, kind: DatabaseKind): ApiKeyRepository {
  const one = (workspaceId: string) =>
    db.selectFrom('api_keys').selectAll().where('workspace_id', '=', workspaceId);
  const owned = () => ownedQuery(db);
  // SQLite runs the transactions of its one connection one at a time. PostgreSQL's read
  // committed would let a revoke read the family while a rotation inserts into it. Writes
  // hold it shared (locks.ts, `takeWriteLocks`): a change waits for those already inside.
  const lockForChange = (workspaceId: string) => lockKeys(db, kind, workspaceId);
  return {
    async insert(k) {
      await db
        .insertInto('api_keys')
        .values({
          id: k.id,
          workspace_id: k.workspaceId,
          member_id: k.memberId,
          name: k.name,
          environment: k.environment,
          hash: k.hash,
          prefix: k.prefix,
          last4: k.last4,
          scopes: JSON.stringify(k.scopes),
          project_ids: json(k.projectIds),
          read_only: k.readOnly ? 1 : 0,
          dry_run_only: k.dryRunOnly ? 1 : 0,
          ip_allow: json(k.ipAllow),
          client: k.client,
          created_at: k.createdAt,
          created_by: k.createdBy,
          expires_at: k.expiresAt,
          revoked_at: k.revokedAt,
          replaces: k.replaces,
          replaced_by: k.replacedBy,
          replaced_at: k.replacedAt,
          grace_until: k.graceUntil,
          last_used_at: k.lastUsedAt,
          last_used_ip: k.lastUsedIp,
          last_used_client: k.lastUsedClient,
          flagged_at: k.flaggedAt,
          flagged_reason: k.flaggedReason,
          kind: k.kind,
          oauth_client_id: k.oauthClientId,
          oauth_client_name: k.oauthClientName,
          oauth_grant_id: k.oauthGrantId,
        })
        .execute();
    },
    async findByHash(hash) {
      const row = await db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row && toKey(row);
    },
    async findOwnedByHash(hash) {
      // The workspace policy's OAuth-only flag rides on the same query: a policy changed a
      // moment ago refuses API keys on the next request, without a second round trip.
      const row = await owned()
        .leftJoin('workspace_policies as p', 'p.workspace_id', 'k.workspace_id')
        .select('p.require_oauth as p_require_oauth')
        .where('k.hash', '=', hash)
        .executeTakeFirst();
      return row && { key: toKey(row), ...toOwner(row), requireOauth: row.p_require_oauth === 1 };
    },
    async findOwnedById(id) {
      const row = await owned().where('k.id', '=', id).executeTakeFirst();
      return row && { key: toKey(row), ...toOwner(row) };
    },
    async findConnection(workspaceId, memberId, clientId) {
      const row = await one(workspaceId)
        .where('member_id', '=', memberId)
        .where('kind', '=', 'oauth')
        .where('oauth_client_id', '=', clientId)
        .where('revoked_at', 'is', null)
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      return row && toKey(row);
    },
    async updateConnection(workspaceId, id, change) {
      await db
        .updateTable('api_keys')
        .set({
          scopes: JSON.stringify(change.scopes),
          project_ids: json(change.projectIds),
          read_only: change.readOnly ? 1 : 0,
          oauth_grant_id: change.grantId,
          oauth_client_name: change.clientName,
          expires_at: change.expiresAt,
        })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('kind', '=', 'oauth')
        .execute();
    },
    async revokeByGrant(grantId, at) {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('oauth_grant_id', '=', grantId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (!row) return undefined;
      await lockForChange(row.workspace_id);
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where('id', '=', row.id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0 ? toKey({ ...row, revoked_at: at }) : undefined;
    },
    async findById(workspaceId, id) {
      const row = await one(workspaceId).where('id', '=', id).executeTakeFirst();
      return row && toKey(row);
    },
    async findCurrentByName(workspaceId, name) {
      const row = await one(workspaceId)
        .where('name', '=', name)
        .where('revoked_at', 'is', null)
        .where('replaced_by', 'is', null)
        .executeTakeFirst();
      return row && toKey(row);
    },
    async list(workspaceId) {
      return (await one(workspaceId).orderBy('name').orderBy('id').execute()).map(toKey);
    },
    async markReplaced(workspaceId, id, r) {
      await db
        .updateTable('api_keys')
        .set({ replaced_by: r.replacedBy, replaced_at: r.replacedAt, grace_until: r.graceUntil })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .execute();
    },
    async revoke(workspaceId, id, at) {
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async flag(workspaceId, id, flag) {
      await db
        .updateTable('api_keys')
        .set({ flagged_at: flag.at, flagged_reason: flag.reason })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('flagged_at', 'is', null)
        .execute();
    },
    async recordUse(id, usage) {
      await db
        .updateTable('api_keys')
        .set({ last_used_at: usage.at, last_used_ip: usage.ip, last_used_client: usage.client })
        .where('id', '=', id)
        .execute();
    },
    async servedEnvironments() {
      const rows = await db.selectFrom('workspaces').select('environment').distinct().execute();
      return rows.map((r) => r.environment).sort();
    },
    lockForChange,
    async narrow(workspaceId, id, rights) {
      const result = await db
        .updateTable('api_keys')
        .set({ scopes: JSON.stringify(rights.scopes), read_only: rights.readOnly ? 1 : 0 })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async narrowRights(workspaceId, id, rights) {
      const result = await db
        .updateTable('api_keys')
        .set({
          scopes: JSON.stringify(rights.scopes),
          project_ids: json(rights.projectIds),
          read_only: rights.readOnly ? 1 : 0,
          dry_run_only: rights.dryRunOnly ? 1 : 0,
          ip_allow: json(rights.ipAllow),
          expires_at: rights.expiresAt,
        })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async restrictToDryRun(workspaceId, id) {
      const result = await db
        .updateTable('api_keys')
        .set({ dry_run_only: 1 })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('dry_run_only', '=', 0)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
