/**
 * Projects: created and changed by owners and admins; visible to members and viewers only
 * when they belong to the project. A project the actor cannot see is `not_found`.
 */
import { z } from 'zod';
import { AppError, type Clock, type IdGenerator } from '../core/index.js';
import type { Project } from '../model/index.js';
import type { Repositories } from '../storage/index.js';
import { canManageProjects, canReadProject, canSeeAllProjects, canWriteTasks } from './access.js';
import { type Actor, allowsProject, type DomainStore, inTransaction } from './actor.js';
import { findMemberByRef } from './member-lookup.js';
import { multiLine, parseInput, projectKey, reference, singleLine } from './validation.js';

export interface ProjectDeps {
  readonly store: DomainStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

const createProjectInput = z.object({
  key: projectKey,
  name: singleLine(1, 100),
  description: multiLine(0, 5000).default(''),
  /** Member ids or emails to add to the project. */
  members: z
    .array(reference(254), { message: 'must be a list of member ids or emails' })
    .max(200)
    .default([]),
});

const updateProjectInput = z
  .object({
    name: singleLine(1, 100).optional(),
    description: multiLine(0, 5000).optional(),
    archived: z.boolean({ message: 'must be true or false' }).optional(),
  })
  .strict();

export type CreateProjectInput = z.input<typeof createProjectInput>;
export type UpdateProjectInput = z.input<typeof updateProjectInput>;

/** Finds a project by id or key that `actor` may read; anything else is `not_found`. */
export async function findReadableProject(repos: Repositories, actor: Actor, ref: string): Promise<Project> {
  const project = ref.startsWith('prj_')
    ? await repos.projects.findById(actor.workspaceId, ref)
    : await repos.projects.findByKey(actor.workspaceId, ref.toUpperCase());
  return readableProject(repos, actor, ref, project);
}

/** `project` (found by `ref`) if `actor` may read it; otherwise, as if missing, not found. */
export async function readableProject(
  repos: Repositories,
  actor: Actor,
  ref: string,
  project: Project | undefined,
): Promise<Project> {
  const member =
    project && (canSeeAllProjects(actor.role) || (await repos.projects.isMember(project.id, actor.memberId)));
  if (!project || !canReadProject(actor.role, Boolean(member)) || !allowsProject(actor, project.id)) {
    throw new AppError('not_found', `project ${ref} not found`);
  }
  return project;
}

/** The projects `actor` may see: role and membership, then the credential's allow-list. */
export async function visibleProjects(
  repos: Repositories,
  actor: Actor,
  includeArchived: boolean,
): Promise<Project[]> {
  const projects = await repos.projects.list(actor.workspaceId, {
    includeArchived,
    ...(canSeeAllProjects(actor.role) ? {} : { memberId: actor.memberId }),
  });
  return projects.filter((p) => allowsProject(actor, p.id));
}

/** Throws unless `actor` may change tasks in `project` (and the project is not archived). */
export async function assertCanWriteTasks(
  repos: Repositories,
  actor: Actor,
  project: Project,
): Promise<void> {
  const member = canSeeAllProjects(actor.role) || (await repos.projects.isMember(project.id, actor.memberId));
  if (!canWriteTasks(actor.role, member)) {
    throw new AppError(
      'forbidden',
      `your role (${actor.role}) cannot change tasks in project ${project.key}`,
    );
  }
  if (project.archived)
    throw new AppError('conflict', `project ${project.key} is archived; unarchive it first`);
}

export function createProjectService(deps: ProjectDeps) {
  const { store, clock, ids } = deps;

  const assertManager = (actor: Actor) => {
    if (!canManageProjects(actor.role)) {
      throw new AppError(
        'forbidden',
        `your role (${actor.role}) cannot manage projects; ask an owner or admin`,
      );
    }
  };

  return {
    async create(actor: Actor, input: CreateProjectInput, tx?: Repositories): Promise<Project> {
      assertManager(actor);
      const data = parseInput(createProjectInput, input);
      return inTransaction(store, tx, async (repos) => {
        if (await repos.projects.findByKey(actor.workspaceId, data.key)) {
          throw new AppError('conflict', `key: project ${data.key} already exists`, {
            detail: { fields: [{ field: 'key', message: 'already exists' }] },
          });
        }
        const memberIds: string[] = [];
        for (const ref of data.members) {
          memberIds.push((await findMemberByRef(repos, actor.workspaceId, ref, 'members')).id);
        }
        const now = clock.now().toISOString();
        const project: Project = {
          id: ids('project'),
          workspaceId: actor.workspaceId,
          key: data.key,
          name: data.name,
          description: data.description,
          archived: false,
          createdAt: now,
          updatedAt: now,
        };
        await repos.projects.insert(project);
        for (const memberId of new Set([actor.memberId, ...memberIds]))
          await repos.projects.addMember(project.id, memberId);
        return project;
      });
    },

    async update(actor: Actor, ref: string, input: UpdateProjectInput, tx?: Repositories): Promise<Project> {
      assertManager(actor);
      const data = parseInput(updateProjectInput, input);
      return inTransaction(store, tx, async (repos) => {
        const project = await findReadableProject(repos, actor, ref);
        await repos.projects.update(actor.workspaceId, project.id, {
          ...data,
          updatedAt: clock.now().toISOString(),
        });
        return (await repos.projects.findById(actor.workspaceId, project.id))!;
      });
    },

    async addMember(actor: Actor, ref: string, memberRef: string, tx?: Repositories): Promise<void> {
      assertManager(actor);
      await inTransaction(store, tx, async (repos) => {
        const project = await findReadableProject(repos, actor, ref);
        const member = await findMemberByRef(repos, actor.workspaceId, memberRef, 'member');
        await repos.projects.addMember(project.id, member.id);
      });
    },

    get: (actor: Actor, ref: string, tx?: Repositories) => findReadableProject(tx ?? store, actor, ref),

    list: (actor: Actor, options: { includeArchived?: boolean } = {}): Promise<Project[]> =>
      visibleProjects(store, actor, options.includeArchived ?? false),
  };
}

export type ProjectService = ReturnType<typeof createProjectService>;
