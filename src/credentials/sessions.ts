/**
 * SECURITY: server-side web sessions. The browser holds a 256-bit random token; the database
 * holds only its SHA-256, so a database dump does not yield live sessions. A session ends
 * after 30 idle minutes, 12 hours at most, on sign-out, or when the member's password changes.
 * Every new sign-in gets a new session (and revokes the one the browser held): no fixation.
 */
import { createHash } from 'node:crypto';
import { type AuditLog, redactText } from '../audit/index.js';
import type { Clock, Random } from '../core/index.js';
import type { Member, MemberSession, Workspace } from '../model/index.js';
import type { OwnedSession, Repositories, Store } from '../storage/index.js';

export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 12 * 3_600_000;
/** `last_seen_at` is written at most this often per session: the idle timeout's resolution. */
export const SESSION_TOUCH_RESOLUTION_MS = 60_000;
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A 256-bit secret from the CSPRNG, base64url (43 characters). */
export function newSecretToken(random: Random): string {
  return Buffer.from(random.bytes(TOKEN_BYTES)).toString('base64url');
}

export function isSecretTokenShape(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Who made a request, for the session row and the audit trail. */
export interface RequestOrigin {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface SignedIn extends OwnedSession {
  /** The cookie value: shown to the browser once, never stored. */
  readonly token: string;
}

export interface SessionDeps {
  readonly store: Pick<Store, 'sessions' | 'transaction'>;
  readonly clock: Clock;
  readonly random: Random;
  readonly audit: AuditLog;
}

export function createSessions(deps: SessionDeps) {
  const { store, clock, random, audit } = deps;

  /** Judges a stored session at `now`: live sessions only. */
  function isLive(session: MemberSession, now: number): boolean {
    return (
      session.revokedAt === null &&
      Date.parse(session.expiresAt) > now &&
      Date.parse(session.lastSeenAt) + SESSION_IDLE_MS > now
    );
  }

  /** The live session `token` names, refreshed; `undefined` if unknown, expired or revoked. */
  async function resolve(token: string | undefined): Promise<OwnedSession | undefined> {
    if (!token || !isSecretTokenShape(token)) return undefined;
    const owned = await store.sessions.findOwnedById(sha256Hex(token));
    const now = clock.now();
    if (!owned || !isLive(owned.session, now.getTime())) return undefined;
    if (now.getTime() - Date.parse(owned.session.lastSeenAt) < SESSION_TOUCH_RESOLUTION_MS) return owned;
    const lastSeenAt = now.toISOString();
    await store.sessions.touch(owned.session.id, lastSeenAt);
    return { ...owned, session: { ...owned.session, lastSeenAt } };
  }

  return {
    /**
     * Starts a session inside the caller's transaction (with its `member.signed_in` record),
     * revoking the one the browser presented, if any.
     */
    async start(
      repos: Repositories,
      owner: { member: Member; workspace: Workspace },
      origin: RequestOrigin,
      detail: Record<string, unknown>,
      replacesToken?: string,
    ): Promise<SignedIn> {
      const now = clock.now();
      const token = newSecretToken(random);
      const session: MemberSession = {
        id: sha256Hex(token),
        memberId: owner.member.id,
        workspaceId: owner.workspace.id,
        csrfToken: newSecretToken(random),
        createdAt: now.toISOString(),
        lastSeenAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + SESSION_MAX_MS).toISOString(),
        ip: origin.ip,
        // A User-Agent is attacker-chosen text: no credential-shaped part is kept with the session.
        userAgent: origin.userAgent === null ? null : redactText(origin.userAgent),
        revokedAt: null,
      };
      if (replacesToken && isSecretTokenShape(replacesToken)) {
        await repos.sessions.revoke(sha256Hex(replacesToken), session.createdAt);
      }
      await repos.sessions.insert(session);
      await audit.record(repos, {
        action: 'member.signed_in',
        outcome: 'ok',
        workspaceId: owner.workspace.id,
        memberId: owner.member.id,
        environment: owner.workspace.environment,
        ip: origin.ip,
        userAgent: origin.userAgent,
        detail: { ...detail, email: owner.member.email },
      });
      return { token, session, member: owner.member, workspace: owner.workspace };
    },

    resolve,

    /** Ends the session `token` names; returns whether a live session was ended. */
    async signOut(token: string | undefined, origin: RequestOrigin): Promise<boolean> {
      const owned = token && isSecretTokenShape(token) ? await resolve(token) : undefined;
      if (!owned) return false;
      return store.transaction(async (repos) => {
        const revoked = await repos.sessions.revoke(owned.session.id, clock.now().toISOString());
        if (revoked) {
          await audit.record(repos, {
            action: 'member.signed_out',
            outcome: 'ok',
            workspaceId: owned.workspace.id,
            memberId: owned.member.id,
            environment: owned.workspace.environment,
            ip: origin.ip,
            userAgent: origin.userAgent,
            detail: { email: owned.member.email },
          });
        }
        return revoked;
      });
    },

    /**
     * Ends every live session of the member `token` belongs to, this one included, with one
     * `member.signed_out_everywhere` record in the same transaction; returns how many ended.
     */
    async signOutEverywhere(token: string | undefined, origin: RequestOrigin): Promise<number> {
      const owned = token && isSecretTokenShape(token) ? await resolve(token) : undefined;
      if (!owned) return 0;
      return store.transaction(async (repos) => {
        const at = clock.now().toISOString();
        const ended = await repos.sessions.revokeAllForMember(owned.workspace.id, owned.member.id, at);
        await audit.record(repos, {
          action: 'member.signed_out_everywhere',
          outcome: 'ok',
          workspaceId: owned.workspace.id,
          memberId: owned.member.id,
          environment: owned.workspace.environment,
          ip: origin.ip,
          userAgent: origin.userAgent,
          detail: { email: owned.member.email, sessions: ended },
        });
        return ended;
      });
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
