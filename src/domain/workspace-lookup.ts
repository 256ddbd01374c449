/**
 * Resolving a workspace reference (id `wsp_…` or slug) typed by an operator or a client.
 * Every entry that names a workspace goes through here, so an unknown one is always the
 * same `not_found` and a reference that could be no workspace never reaches the database.
 */
import { AppError } from '../core/index.js';
import type { Workspace } from '../model/index.js';
import type { WorkspaceRepository } from '../storage/index.js';
import { quoteText } from './plain-text.js';

export interface WorkspaceLookup {
  readonly workspaces: Pick<WorkspaceRepository, 'findById' | 'findBySlug'>;
}

/**
 * Wider than a valid slug (case is left to the database to refuse) but free of anything that
 * could be no slug or id: spaces, quotes, separators, control characters — a NUL byte would
 * otherwise be refused by PostgreSQL as an internal error instead of answered as unknown.
 */
const PLAIN_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const QUOTED_MAX = 64;

/** The workspace `ref` names, or `undefined` — for callers that must not reveal which. */
export async function findWorkspace(repos: WorkspaceLookup, ref: string): Promise<Workspace | undefined> {
  if (!PLAIN_REFERENCE.test(ref)) return undefined;
  return ref.startsWith('wsp_') ? repos.workspaces.findById(ref) : repos.workspaces.findBySlug(ref);
}

/** The workspace `ref` names; an unknown one is `not_found`, naming what was asked for. */
export async function resolveWorkspace(repos: WorkspaceLookup, ref: string): Promise<Workspace> {
  const workspace = await findWorkspace(repos, ref);
  if (!workspace) throw new AppError('not_found', `workspace ${describeReference(ref)} not found`);
  return workspace;
}

// A plain reference is printed as typed (operators grep for it); anything else is quoted and
// escaped so it cannot break a log line or a terminal.
function describeReference(ref: string): string {
  if (PLAIN_REFERENCE.test(ref)) return ref;
  return ref.length > QUOTED_MAX ? `${quoteText(ref.slice(0, QUOTED_MAX))}…` : quoteText(ref);
}
