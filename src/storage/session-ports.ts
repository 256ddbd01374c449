/** Console sign-in: member sessions, passwords, failed attempts and login links. */
import type {
  LoginLink,
  Member,
  MemberSession,
  SignInFailure,
  SignInFailureKind,
  Workspace,
} from '../model/index.js';

/** A session with the member and workspace it belongs to, read in one query. */
export interface OwnedSession {
  readonly session: MemberSession;
  readonly member: Member;
  readonly workspace: Workspace;
}

export interface SessionRepository {
  insert(session: MemberSession): Promise<void>;
  /** By id (the token's SHA-256), whatever its state: the caller judges expiry and revocation. */
  findOwnedById(id: string): Promise<OwnedSession | undefined>;
  touch(id: string, lastSeenAt: string): Promise<void>;
  /** Revokes the session if it is not revoked yet; returns whether it did. */
  revoke(id: string, at: string): Promise<boolean>;
  /** Revokes every live session of a member; returns how many. */
  revokeAllForMember(workspaceId: string, memberId: string, at: string): Promise<number>;
  /** Deletes sessions that ended (expired or revoked) before `before`. */
  deleteEndedBefore(before: string): Promise<number>;
}

export interface MemberCredentials {
  readonly member: Member;
  readonly passwordHash: string | null;
}

export interface SignInRepository {
  findCredentials(workspaceId: string, email: string): Promise<MemberCredentials | undefined>;
  setPasswordHash(workspaceId: string, memberId: string, hash: string | null): Promise<void>;
  /** Ids of the members of the workspace that have a password. */
  membersWithPassword(workspaceId: string): Promise<string[]>;
  recordFailure(failure: SignInFailure): Promise<void>;
  countFailures(kind: SignInFailureKind, subject: string, since: string): Promise<number>;
  clearFailures(kind: SignInFailureKind, subject: string): Promise<void>;
  deleteFailuresBefore(before: string): Promise<number>;
  insertLoginLink(link: LoginLink): Promise<void>;
  /**
   * Marks the link used if it is unused and unexpired at `at`, atomically: of concurrent
   * callers exactly one gets the link, the others `undefined`.
   */
  consumeLoginLink(hash: string, at: string): Promise<LoginLink | undefined>;
}
