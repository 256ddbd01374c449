/**
 * Whose view an audit command takes: the operator at the shell sees a workspace as its owner
 * would; `--as <email>` takes that member's view (their role's scope) and, for `audit verify`,
 * names them as the one who ran it.
 */
import type { App } from '../../app.js';
import { type ActivityViewer, OPERATOR } from '../../audit/index.js';
import { AppError, invalidInput } from '../../core/index.js';
import { findUnsafeCharacter, resolveWorkspace, unsafeCharacterMessage } from '../../domain/index.js';

export const AS_FLAG = [
  '--as <email>',
  "act as this member: their role's view, and named in the audit log",
] as const;

export async function viewerOf(
  app: App,
  options: { readonly as?: string; readonly workspace?: string },
): Promise<ActivityViewer> {
  if (options.as === undefined) return OPERATOR;
  const unsafe = findUnsafeCharacter(options.as, 'line');
  if (unsafe) throw invalidInput([{ field: 'as', message: unsafeCharacterMessage(unsafe, 'line') }]);
  let workspace =
    options.workspace === undefined ? undefined : await resolveWorkspace(app.store, options.workspace);
  if (!workspace) {
    const all = await app.store.workspaces.list();
    if (all.length !== 1)
      throw invalidInput([{ field: 'workspace', message: 'required with --as: name one' }]);
    workspace = all[0];
  }
  if (!workspace) throw new AppError('not_found', 'this database has no workspace yet');
  const email = options.as.trim().toLowerCase();
  const member = await app.store.members.findByEmail(workspace.id, email);
  if (!member)
    throw invalidInput([{ field: 'as', message: `no member ${email} in workspace ${workspace.slug}` }]);
  return { kind: 'member', member };
}
