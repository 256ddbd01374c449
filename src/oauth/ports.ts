/**
 * What the authorization server needs of the database, declared by it: a few methods of a few
 * repositories, not the whole store. The store app.ts opens satisfies them as it is (the way
 * kysely's `SqliteDatabase` describes better-sqlite3), so this layer never imports storage and
 * a test can hand it a fake with only these methods.
 */
import type { AuditLog } from '../audit/index.js';
import type {
  ApiKeyRecord,
  AuditEvent,
  Member,
  OAuthModelPayload,
  OAuthRegistration,
  Workspace,
} from '../model/index.js';

/**
 * oidc-provider's persistence, shared by every instance: `model` is its model name (`Client`,
 * `Grant`, `RefreshToken`…); times are ISO-8601 UTC and a row expired at `now` is not found.
 */
export interface OAuthModels {
  upsert(model: string, id: string, payload: OAuthModelPayload, expiresAt: string | null): Promise<void>;
  find(model: string, id: string, now: string): Promise<OAuthModelPayload | undefined>;
  findByUid(model: string, uid: string, now: string): Promise<OAuthModelPayload | undefined>;
  findByUserCode(model: string, userCode: string, now: string): Promise<OAuthModelPayload | undefined>;
  /** True for exactly one of concurrent callers; false too when there is no such row. */
  consume(model: string, id: string, at: string): Promise<boolean>;
  list(model: string, now: string): Promise<OAuthModelPayload[]>;
  destroy(model: string, id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<number>;
  pruneExpired(now: string): Promise<number>;
}

/** A connection (or key) with the member and workspace it belongs to. */
export interface OwnedConnection {
  readonly key: ApiKeyRecord;
  readonly workspace: Workspace;
  readonly member: Member;
}

/** The repositories a transaction hands its work: what the audit log records through. */
export type TransactionRepos = Parameters<AuditLog['record']>[0];

/** oidc-provider's adapter. */
export interface AdapterStore {
  readonly oauthModels: Pick<
    OAuthModels,
    'upsert' | 'find' | 'findByUid' | 'findByUserCode' | 'consume' | 'destroy' | 'revokeByGrantId'
  >;
}

/** Whether a connection has a step-up pending, and whose an account is (the provider). */
export interface StepUpStore {
  readonly apiKeys: { findOwnedById(id: string): Promise<OwnedConnection | undefined> };
  readonly audit: {
    list(
      workspaceId: string,
      query: { readonly action: string; readonly credentialId: string; readonly limit: number },
    ): Promise<AuditEvent[]>;
  };
}

/** The consent backend: the member's live connection for a client, and its old grant. */
export interface ConsentStore {
  readonly apiKeys: {
    findConnection(
      workspaceId: string,
      memberId: string,
      clientId: string,
    ): Promise<ApiKeyRecord | undefined>;
  };
  readonly oauthModels: Pick<OAuthModels, 'revokeByGrantId'>;
}

/** Client administration. */
export interface ClientStore {
  readonly oauthModels: Pick<OAuthModels, 'list' | 'find' | 'revokeByGrantId'>;
  readonly workspaces: { list(): Promise<Workspace[]> };
  transaction<T>(work: (repos: TransactionRepos) => Promise<T>): Promise<T>;
}

/** The authorization server itself: what its parts need, plus registration limits and pruning. */
export type AuthorizationStore = AdapterStore &
  StepUpStore &
  ConsentStore &
  ClientStore & {
    readonly oauthModels: Pick<OAuthModels, 'pruneExpired'>;
    readonly oauthRegistrations: {
      /** Records the registration only if fewer than `limit` from its address came since `since`. */
      admit(registration: OAuthRegistration, window: { since: string; limit: number }): Promise<boolean>;
      deleteBefore(before: string): Promise<number>;
    };
  };
