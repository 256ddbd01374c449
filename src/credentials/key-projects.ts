/**
 * The project allow-list of a new key: each project key must name a project its member can
 * see, or the creation is refused naming it (never a key wider than its member).
 */
import type { FieldIssue } from '../core/index.js';
import { canReadProject, canSeeAllProjects } from '../domain/index.js';
import type { Member, Workspace } from '../model/index.js';
import type { Repositories } from '../storage/index.js';

export async function resolveProjects(
  repos: Repositories,
  workspace: Workspace,
  member: Member,
  refs: string[] | undefined,
  issues: FieldIssue[],
): Promise<string[] | null> {
  if (refs === undefined || refs.length === 0) return null;
  const ids: string[] = [];
  for (const ref of refs) {
    const project = await repos.projects.findByKey(workspace.id, ref.toUpperCase());
    const visible =
      project &&
      canReadProject(
        member.role,
        canSeeAllProjects(member.role) || (await repos.projects.isMember(project.id, member.id)),
      );
    if (!project || !visible)
      issues.push({ field: 'projects', message: `no project ${ref} that ${member.email} can see` });
    else ids.push(project.id);
  }
  return ids;
}
