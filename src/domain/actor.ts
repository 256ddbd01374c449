/**
 * Who is acting: a member of one workspace, through one channel, optionally with a named
 * credential. Every service call takes one; services never look at HTTP, MCP or env.
 */
import type { Repositories, Role, Store, Via } from '../storage/index.js';

export interface Actor {
  readonly workspaceId: string;
  readonly memberId: string;
  readonly role: Role;
  readonly via: Via;
  /** The API key or OAuth connection name when acting through one, e.g. `cursor-work-laptop`. */
  readonly credentialName?: string | null;
}

/** Runs `work` inside the caller's transaction when given one, else in a new one. */
export function inTransaction<T>(
  store: Store,
  tx: Repositories | undefined,
  work: (repos: Repositories) => Promise<T>,
): Promise<T> {
  return tx ? work(tx) : store.transaction(work);
}
