/**
 * SECURITY: one-time login links (`taskgate members login-link`, the demo banner). The link
 * carries a 256-bit token; only its SHA-256 is stored. It works once, within 15 minutes:
 * the conditional UPDATE that marks it used is the single-use guarantee. Opening the link
 * shows a confirmation button; only the POST signs in, so a link preview cannot spend it.
 */
import type { AuditLog } from '../audit/index.js';
import { AppError, type Clock, type Random } from '../core/index.js';
import { resolveWorkspace } from '../domain/index.js';
import type { Member, Workspace } from '../model/index.js';
import type { Store } from '../storage/index.js';
import {
  isSecretTokenShape,
  newSecretToken,
  type RequestOrigin,
  type Sessions,
  type SignedIn,
  sha256Hex,
} from './sessions.js';

export const LOGIN_LINK_TTL_MS = 15 * 60_000;
export const LOGIN_LINK_PATH = '/login/link';
export const LOGIN_LINK_INVALID_MESSAGE = 'this login link is invalid, expired or already used';

/** The URL of a login link; the token rides in the query string of a single-use link only. */
export function loginLinkUrl(publicUrl: string, token: string): string {
  return `${publicUrl}${LOGIN_LINK_PATH}?token=${encodeURIComponent(token)}`;
}

export interface IssuedLoginLink {
  readonly token: string;
  readonly expiresAt: string;
  readonly member: Member;
  readonly workspace: Workspace;
}

export interface LoginLinkDeps {
  readonly store: Pick<Store, 'members' | 'transaction' | 'workspaces'>;
  readonly clock: Clock;
  readonly random: Random;
  readonly audit: AuditLog;
  readonly sessions: Sessions;
}

export function createLoginLinks(deps: LoginLinkDeps) {
  const { store, clock, random, audit, sessions } = deps;
  return {
    async create(input: { workspace: string; email: string }): Promise<IssuedLoginLink> {
      const workspace = await resolveWorkspace(store, input.workspace.trim().toLowerCase());
      const member = await store.members.findByEmail(workspace.id, input.email.trim().toLowerCase());
      if (!member) throw new AppError('not_found', `member ${input.email} not found in ${workspace.slug}`);
      const token = newSecretToken(random);
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + LOGIN_LINK_TTL_MS).toISOString();
      await store.transaction(async (repos) => {
        await repos.signIn.insertLoginLink({
          hash: sha256Hex(token),
          workspaceId: workspace.id,
          memberId: member.id,
          createdAt: now.toISOString(),
          expiresAt,
          usedAt: null,
        });
        await audit.record(repos, {
          action: 'member.login_link_created',
          outcome: 'ok',
          workspaceId: workspace.id,
          memberId: member.id,
          environment: workspace.environment,
          detail: { email: member.email, expiresAt },
        });
      });
      return { token, expiresAt, member, workspace };
    },

    /** Spends the link and starts a session, or refuses with one message for every failure. */
    async redeem(token: string, origin: RequestOrigin, replacesToken?: string): Promise<SignedIn> {
      const signedIn = isSecretTokenShape(token)
        ? await store.transaction(async (repos) => {
            const link = await repos.signIn.consumeLoginLink(sha256Hex(token), clock.now().toISOString());
            const workspace = link && (await repos.workspaces.findById(link.workspaceId));
            const member = link && (await repos.members.findById(link.workspaceId, link.memberId));
            // SECURITY: a link issued before its member was removed must not sign them back in.
            if (!workspace || !member || member.removedAt !== undefined) return undefined;
            return sessions.start(
              repos,
              { member, workspace },
              origin,
              { method: 'login_link' },
              replacesToken,
            );
          })
        : undefined;
      if (signedIn) return signedIn;
      await audit.append({
        action: 'member.sign_in_failed',
        outcome: 'denied',
        errorCode: 'unauthenticated',
        ...origin,
        detail: { reason: 'invalid_login_link' },
      });
      throw new AppError('unauthenticated', LOGIN_LINK_INVALID_MESSAGE);
    },
  };
}

export type LoginLinks = ReturnType<typeof createLoginLinks>;
