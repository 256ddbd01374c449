/**
 * Who is acting: a member of one workspace, through one channel, optionally with a named
 * credential. Every service call takes one; services never look at HTTP, MCP or env.
 */
import type { Role, Via } from '../model/index.js';
import type { Repositories, Store } from '../storage/index.js';

export interface Actor {
  readonly workspaceId: string;
  readonly memberId: string;
  readonly role: Role;
  readonly via: Via;
  /** The API key or OAuth connection name when acting through one, e.g. `cursor-work-laptop`. */
  readonly credentialName?: string | null;
  /**
   * The credential's project allow-list (project ids). `undefined` or `null`: every project
   * the role allows. A project outside it is `not_found`, exactly like another tenant's.
   */
  readonly projectIds?: readonly string[] | null;
}

export function allowsProject(actor: Actor, projectId: string): boolean {
  return actor.projectIds == null || actor.projectIds.includes(projectId);
}

/**
 * What a domain service works on: the repositories and transactions over them, not the
 * connection's lifecycle (ping, close) nor the audit log's group commit.
 */
export type DomainStore = Repositories & Pick<Store, 'transaction'>;

/** Runs `work` inside the caller's transaction when given one, else in a new one. */
export function inTransaction<T>(
  store: Pick<Store, 'transaction'>,
  tx: Repositories | undefined,
  work: (repos: Repositories) => Promise<T>,
): Promise<T> {
  return tx ? work(tx) : store.transaction(work);
}
