/**
 * SECURITY: password sign-in for the web pages (and, later, OAuth consent). Every failure —
 * unknown workspace, unknown email, no password set, wrong password — gives the same
 * message after the same work (a dummy scrypt for unknown accounts), so neither the answer
 * nor its timing tells which emails exist. Failures are counted in the database per account
 * (5 per 15 minutes, whether the account exists or not) and per address (20 per 15 minutes);
 * over either limit the attempt is refused before any password check. Each attempt is audited.
 */
import { z } from 'zod';
import type { AuditLog } from '../audit/index.js';
import { AppError, type Clock, type Random } from '../core/index.js';
import { findWorkspace } from '../domain/index.js';
import type { Workspace } from '../model/index.js';
import type { Store } from '../storage/index.js';
import type { PasswordHasher } from './password.js';
import { type RequestOrigin, type Sessions, type SignedIn, sha256Hex } from './sessions.js';

export const SIGN_IN_FAILED_MESSAGE = 'email or password is incorrect';
export const SIGN_IN_THROTTLED_MESSAGE =
  'too many failed sign-in attempts; wait 15 minutes and try again, or ask an admin for a login link';
export const THROTTLE_WINDOW_MS = 15 * 60_000;
/** Ended sessions are deleted a week after they end (the audit log keeps the story). */
const ENDED_SESSION_KEEP_MS = 7 * 24 * 3_600_000;

export interface ThrottleLimits {
  /** Failures per account within the window before attempts are refused. */
  readonly account: number;
  /** Failures per client address within the window before attempts are refused. */
  readonly ip: number;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = Object.freeze({ account: 5, ip: 20 });

export interface SignInInput extends RequestOrigin {
  /** The workspace slug; may be left out when the server has exactly one workspace. */
  readonly workspace?: string | undefined;
  readonly email: string;
  readonly password: string;
  /** The session token the browser already held, revoked on success (no session fixation). */
  readonly replacesToken?: string | undefined;
}

const EMAIL = z.email().max(254);
const SLUG = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;

/**
 * SECURITY: what a failed attempt typed, as the audit log keeps it. An email address and a
 * workspace slug are kept as typed; anything else in those fields may be a password typed
 * into the wrong one, so it goes under a name the audit sanitizer classes secret and is
 * kept only as its HMAC (equal typings still correlate).
 */
function typedIdentity(email: string, slug: string | undefined) {
  return {
    ...(EMAIL.safeParse(email).success ? { email } : { email: null, email_field_secret: email }),
    ...(slug === undefined || SLUG.test(slug)
      ? { workspace: slug ?? null }
      : { workspace: null, workspace_field_secret: slug }),
  };
}

type FailureReason = 'unknown_workspace' | 'unknown_member' | 'no_password' | 'wrong_password';

export interface SignInDeps {
  readonly store: Pick<Store, 'signIn' | 'transaction' | 'workspaces'>;
  readonly clock: Clock;
  readonly random: Random;
  readonly audit: AuditLog;
  readonly passwords: PasswordHasher;
  readonly sessions: Sessions;
  readonly limits?: ThrottleLimits;
}

export function createPasswordSignIn(deps: SignInDeps) {
  const { store, clock, random, audit, passwords, sessions } = deps;
  const limits = deps.limits ?? DEFAULT_THROTTLE_LIMITS;
  const failureId = () => `sif_${Buffer.from(random.bytes(16)).toString('hex')}`;

  async function workspaceOf(slug: string | undefined): Promise<Workspace | undefined> {
    if (slug) return findWorkspace(store, slug);
    const all = await store.workspaces.list();
    return all.length === 1 ? all[0] : undefined;
  }

  async function throttled(account: string, ip: string | null): Promise<'account' | 'ip' | undefined> {
    const since = new Date(clock.now().getTime() - THROTTLE_WINDOW_MS).toISOString();
    if ((await store.signIn.countFailures('account', account, since)) >= limits.account) return 'account';
    if (ip && (await store.signIn.countFailures('ip', ip, since)) >= limits.ip) return 'ip';
    return undefined;
  }

  return async function signIn(input: SignInInput): Promise<SignedIn> {
    const email = input.email.trim().toLowerCase();
    const slug = input.workspace?.trim().toLowerCase() || undefined;
    const workspace = await workspaceOf(slug);
    // Unknown accounts are counted too, under the name typed, so throttling reveals nothing.
    const account = sha256Hex(`${workspace?.slug ?? slug ?? '-'}/${email}`);
    const origin = { ip: input.ip, userAgent: input.userAgent };
    const base = {
      workspaceId: workspace?.id ?? null,
      environment: workspace?.environment ?? null,
      ...origin,
    };

    const limited = await throttled(account, input.ip);
    if (limited) {
      await audit.append({
        ...base,
        action: 'member.sign_in_failed',
        outcome: 'denied',
        errorCode: 'rate_limited',
        detail: { reason: `throttled_${limited}`, ...typedIdentity(email, slug) },
      });
      throw new AppError('rate_limited', SIGN_IN_THROTTLED_MESSAGE);
    }

    const found = workspace && (await store.signIn.findCredentials(workspace.id, email));
    const matches = found?.passwordHash
      ? await passwords.verify(input.password, found.passwordHash)
      : await passwords.dummyVerify(input.password);

    if (!matches || !found || !workspace) {
      const reason: FailureReason = !workspace
        ? 'unknown_workspace'
        : !found
          ? 'unknown_member'
          : found.passwordHash
            ? 'wrong_password'
            : 'no_password';
      const at = clock.now().toISOString();
      await store.transaction(async (repos) => {
        // Counts older than the window decide nothing: dropping them keeps the table small.
        await repos.signIn.deleteFailuresBefore(new Date(Date.parse(at) - THROTTLE_WINDOW_MS).toISOString());
        await repos.signIn.recordFailure({ id: failureId(), kind: 'account', subject: account, at });
        if (input.ip)
          await repos.signIn.recordFailure({ id: failureId(), kind: 'ip', subject: input.ip, at });
        await audit.record(repos, {
          ...base,
          action: 'member.sign_in_failed',
          outcome: 'denied',
          errorCode: 'unauthenticated',
          memberId: found?.member.id ?? null,
          detail: { reason, ...typedIdentity(email, slug ?? workspace?.slug) },
        });
      });
      throw new AppError('unauthenticated', SIGN_IN_FAILED_MESSAGE);
    }

    return store.transaction(async (repos) => {
      // Address failures stay: one good account must not reset a guesser's count.
      await repos.signIn.clearFailures('account', account);
      await repos.sessions.deleteEndedBefore(
        new Date(clock.now().getTime() - ENDED_SESSION_KEEP_MS).toISOString(),
      );
      return sessions.start(
        repos,
        { member: found.member, workspace },
        origin,
        { method: 'password' },
        input.replacesToken,
      );
    });
  };
}
