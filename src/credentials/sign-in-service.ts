/**
 * The member sign-in service the web pages (and later OAuth consent) use: password sign-in,
 * login links, session lookup and sign-out, composed over one session store.
 */
import type { AuditLog } from '../audit/index.js';
import type { Clock, Random } from '../core/index.js';
import type { Member } from '../model/index.js';
import type { OwnedSession, Store } from '../storage/index.js';
import { createLoginLinks, type IssuedLoginLink } from './login-links.js';
import type { PasswordHasher } from './password.js';
import { createSessions, type RequestOrigin, type SignedIn } from './sessions.js';
import { createPasswordSignIn, type SignInInput, type ThrottleLimits } from './sign-in.js';

export interface SignInServiceDeps {
  readonly store: Pick<Store, 'members' | 'sessions' | 'signIn' | 'transaction' | 'workspaces'>;
  readonly clock: Clock;
  /** SECURITY: must be the CSPRNG; session and link tokens are drawn from it. */
  readonly random: Random;
  readonly audit: AuditLog;
  readonly passwords: PasswordHasher;
  readonly limits?: ThrottleLimits;
}

export interface SignInService {
  /** Throws `unauthenticated` (one generic message) or `rate_limited`. */
  signIn(input: SignInInput): Promise<SignedIn>;
  /** The live session for a cookie token, or `undefined` (unknown, expired, idle, revoked). */
  resolveSession(token: string | undefined): Promise<OwnedSession | undefined>;
  /** Ends the session; `false` when there was no live one. */
  signOut(token: string | undefined, origin: RequestOrigin): Promise<boolean>;
  /** Ends every live session of the token's member (this one too); how many ended, 0 without one. */
  signOutEverywhere(token: string | undefined, origin: RequestOrigin): Promise<number>;
  createLoginLink(input: { workspace: string; email: string }): Promise<IssuedLoginLink>;
  /** Throws `unauthenticated` for an unknown, used or expired link. */
  redeemLoginLink(token: string, origin: RequestOrigin, replacesToken?: string): Promise<SignedIn>;
  /** Whether the member can confirm a password at all (sudo mode); link-only members cannot. */
  hasPassword(member: Pick<Member, 'workspaceId' | 'email'>): Promise<boolean>;
}

export function createSignInService(deps: SignInServiceDeps): SignInService {
  const sessions = createSessions(deps);
  const links = createLoginLinks({ ...deps, sessions });
  return {
    signIn: createPasswordSignIn({ ...deps, sessions }),
    resolveSession: sessions.resolve,
    signOut: sessions.signOut,
    signOutEverywhere: sessions.signOutEverywhere,
    createLoginLink: links.create,
    redeemLoginLink: links.redeem,
    hasPassword: async (member) =>
      Boolean((await deps.store.signIn.findCredentials(member.workspaceId, member.email))?.passwordHash),
  };
}
