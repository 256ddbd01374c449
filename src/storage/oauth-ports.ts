/**
 * The storage ports of the authorization server (issue 6): what oidc-provider's adapter and
 * the registration rate limit need, exposed on `Store` as `oauthModels` and
 * `oauthRegistrations`. Kept apart from ports.ts, which holds the domain's. Global, not
 * scoped by workspace: one authorization server serves the deployment, and what it stores
 * (a grant, a token) is what names the member and workspace.
 */
import type { OAuthModelPayload, OAuthRegistration } from '../model/index.js';

/**
 * oidc-provider's persistence, shared by every instance. `model` is oidc-provider's model name
 * (`Client`, `Grant`, `RefreshToken`…); storage treats it, like the payload, as opaque. Times
 * are ISO-8601 UTC; a row whose `expiresAt` is at or before `now` is not found.
 */
export interface OAuthModelRepository {
  /**
   * Inserts or replaces the payload of (model, id) in one statement, copying its `grantId`,
   * `userCode` and `uid` into their lookup columns. A replaced row keeps its consumption:
   * nothing un-consumes a code or token.
   */
  upsert(model: string, id: string, payload: OAuthModelPayload, expiresAt: string | null): Promise<void>;
  find(model: string, id: string, now: string): Promise<OAuthModelPayload | undefined>;
  findByUid(model: string, uid: string, now: string): Promise<OAuthModelPayload | undefined>;
  findByUserCode(model: string, userCode: string, now: string): Promise<OAuthModelPayload | undefined>;
  /**
   * Marks (model, id) consumed at `at` if it is not yet, atomically: of concurrent callers,
   * on any number of instances, exactly one gets true. False too when there is no such row.
   */
  consume(model: string, id: string, at: string): Promise<boolean>;
  /** Every live row of a model (the administrator's list of clients), by id. */
  list(model: string, now: string): Promise<OAuthModelPayload[]>;
  destroy(model: string, id: string): Promise<void>;
  /** Deletes every row, of any model, that carries this `grantId`; returns how many. */
  revokeByGrantId(grantId: string): Promise<number>;
  /** Deletes rows expired at `now`; returns how many. */
  pruneExpired(now: string): Promise<number>;
}

export interface OAuthRegistrationRepository {
  /**
   * Records the registration only if fewer than `limit` registrations from its address are
   * recorded at or after `since`; returns whether it did. Count and insert are one
   * serialized step (SQLite's write lock, a PostgreSQL advisory lock per address), so
   * concurrent registrations on several instances never go over the limit.
   */
  admit(registration: OAuthRegistration, window: { since: string; limit: number }): Promise<boolean>;
  /** Registrations from `ip` (null: from unknown addresses) recorded at or after `since`. */
  count(ip: string | null, since: string): Promise<number>;
  deleteBefore(before: string): Promise<number>;
}
