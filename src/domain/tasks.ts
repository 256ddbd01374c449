/**
 * Tasks: create, read, list, update with optimistic concurrency, soft delete into a trash,
 * restore and purge. Every change bumps `version` and writes a history row in the same
 * transaction, so a stale write can be told exactly what changed since.
 */
import { z } from 'zod';
import { AppError, type Clock, type IdGenerator } from '../core/index.js';
import {
  type FieldChange,
  type Project,
  TASK_PRIORITIES,
  TASK_STATUSES,
  type Task,
  type TaskChange,
  type TaskFields,
} from '../model/index.js';
import type { Repositories, TaskFilter } from '../storage/index.js';
import { canManageProjects, canReadProject, canSeeAllProjects } from './access.js';
import { type Actor, type DomainStore, inTransaction } from './actor.js';
import { findMemberByRef } from './member-lookup.js';
import { decodeCursor, type Page, toPage } from './pagination.js';
import { assertCanWriteTasks, findReadableProject, visibleProjects } from './projects.js';
import { findTask, staleVersionError, type TaskView, toTaskView } from './task-lookup.js';
import {
  fieldError,
  isoDate,
  label,
  labels,
  multiLine,
  pageLimit,
  parseInput,
  reference,
  singleLine,
} from './validation.js';

export interface TaskDeps {
  readonly store: DomainStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

const status = z.enum(TASK_STATUSES, { message: `must be one of ${TASK_STATUSES.join(', ')}` });
const priority = z.enum(TASK_PRIORITIES, { message: `must be one of ${TASK_PRIORITIES.join(', ')}` });
const memberRef = reference(254).nullable();
const version = z
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .positive('must be positive');

const createTaskInput = z
  .object({
    project: reference(64),
    title: singleLine(1, 200),
    description: multiLine(0, 20000).default(''),
    status: status.default('todo'),
    priority: priority.default('none'),
    assignee: memberRef.default(null),
    dueDate: isoDate.nullable().default(null),
    labels: labels.default([]),
  })
  .strict();

const updateTaskInput = z
  .object({
    version: version.optional(),
    title: singleLine(1, 200).optional(),
    description: multiLine(0, 20000).optional(),
    status: status.optional(),
    priority: priority.optional(),
    assignee: memberRef.optional(),
    dueDate: isoDate.nullable().optional(),
    labels: labels.optional(),
  })
  .strict();

const listTasksInput = z
  .object({
    project: reference(64).optional(),
    status: z.union([status, z.array(status).max(5)]).optional(),
    assignee: reference(254).optional(),
    dueBefore: isoDate.optional(),
    dueAfter: isoDate.optional(),
    label: label.optional(),
    text: singleLine(1, 200).optional(),
    cursor: z.string().max(200).optional(),
    limit: pageLimit,
  })
  .strict();

export type CreateTaskInput = z.input<typeof createTaskInput>;
export type UpdateTaskInput = z.input<typeof updateTaskInput>;
export type ListTasksInput = z.input<typeof listTasksInput>;

const FIELD_NAMES = [
  'title',
  'description',
  'status',
  'priority',
  'assigneeId',
  'dueDate',
  'labels',
] as const;

export function diffFields(before: TaskFields, after: Partial<TaskFields>): Record<string, FieldChange> {
  const changes: Record<string, FieldChange> = {};
  for (const name of FIELD_NAMES) {
    const next = after[name];
    if (next === undefined) continue;
    if (JSON.stringify(before[name]) !== JSON.stringify(next))
      changes[name] = { before: before[name], after: next };
  }
  return changes;
}

export function createTaskService(deps: TaskDeps) {
  const { store, clock, ids } = deps;

  async function resolveAssignee(repos: Repositories, actor: Actor, project: Project, ref: string | null) {
    if (ref === null) return null;
    const member = await findMemberByRef(repos, actor.workspaceId, ref, 'assignee');
    const belongs = canSeeAllProjects(member.role) || (await repos.projects.isMember(project.id, member.id));
    if (!canReadProject(member.role, belongs))
      throw fieldError('assignee', `${ref} is not a member of project ${project.key}`);
    return member.id;
  }

  const changeOf = (
    actor: Actor,
    task: Pick<Task, 'id' | 'version' | 'updatedAt'>,
    changes: Record<string, FieldChange>,
  ): TaskChange => ({
    id: ids('taskChange'),
    workspaceId: actor.workspaceId,
    taskId: task.id,
    version: task.version,
    changes,
    changedBy: actor.memberId,
    changedVia: actor.via,
    credentialName: actor.credentialName ?? null,
    changedAt: task.updatedAt,
  });

  async function recordChange(
    repos: Repositories,
    actor: Actor,
    task: Task,
    changes: Record<string, FieldChange>,
  ) {
    await repos.tasks.insertChange(changeOf(actor, task, changes));
  }

  async function setDeleted(
    actor: Actor,
    ref: string,
    deleted: boolean,
    expected: number | undefined,
    tx?: Repositories,
  ) {
    return inTransaction(store, tx, async (repos) => {
      const { task, project } = await findTask(repos, actor, ref, { deleted: 'include' });
      await assertCanWriteTasks(repos, actor, project);
      if ((task.deletedAt !== null) === deleted) {
        throw new AppError(
          'conflict',
          `task ${project.key}-${task.number} is ${deleted ? 'already' : 'not'} in the trash`,
        );
      }
      if (expected !== undefined && expected !== task.version) {
        throw await staleVersionError(repos, actor, task.id, expected, project.key);
      }
      const now = clock.now().toISOString();
      const marker = deleted ? { at: now, by: actor.memberId } : null;
      const stamp = { updatedAt: now, updatedBy: actor.memberId, updatedVia: actor.via };
      const updated = await repos.tasks.setDeletedIfVersion(
        actor.workspaceId,
        task.id,
        task.version,
        marker,
        stamp,
      );
      if (!updated) throw await staleVersionError(repos, actor, task.id, task.version, project.key);
      await recordChange(repos, actor, updated, {
        deletedAt: { before: task.deletedAt, after: updated.deletedAt },
      });
      const dependents = await repos.tasks.countDependents(actor.workspaceId, task.id);
      return { task: toTaskView(updated, project.key), dependents };
    });
  }

  return {
    async create(actor: Actor, input: CreateTaskInput, tx?: Repositories): Promise<TaskView> {
      const data = parseInput(createTaskInput, input);
      return inTransaction(store, tx, async (repos) => {
        const project = await findReadableProject(repos, actor, data.project);
        await assertCanWriteTasks(repos, actor, project);
        const assigneeId = await resolveAssignee(repos, actor, project, data.assignee);
        const now = clock.now().toISOString();
        const fields: TaskFields = {
          title: data.title,
          description: data.description,
          status: data.status,
          priority: data.priority,
          assigneeId,
          dueDate: data.dueDate,
          labels: data.labels,
        };
        const unnumbered = {
          ...fields,
          id: ids('task'),
          workspaceId: actor.workspaceId,
          projectId: project.id,
          version: 1,
          createdAt: now,
          createdBy: actor.memberId,
          createdVia: actor.via,
          updatedAt: now,
          updatedBy: actor.memberId,
          updatedVia: actor.via,
          deletedAt: null,
          deletedBy: null,
        };
        const empty = Object.fromEntries(FIELD_NAMES.map((n) => [n, null])) as unknown as TaskFields;
        const task = await repos.tasks.insertNumbered(
          unnumbered,
          changeOf(actor, unnumbered, diffFields(empty, fields)),
        );
        return toTaskView(task, project.key);
      });
    },

    /** A task the actor may read; `includeTrashed` also finds it in the trash. */
    async get(
      actor: Actor,
      ref: string,
      options: { includeTrashed?: boolean } = {},
      tx?: Repositories,
    ): Promise<TaskView> {
      const deleted = options.includeTrashed ? 'include' : 'exclude';
      const { task, project } = await findTask(tx ?? store, actor, ref, { deleted });
      return toTaskView(task, project.key);
    },

    /** How many comments and time entries hang on a task (what goes with it to the trash). */
    async dependents(actor: Actor, taskId: string, tx?: Repositories) {
      return (tx ?? store).tasks.countDependents(actor.workspaceId, taskId);
    },

    async update(actor: Actor, ref: string, input: UpdateTaskInput, tx?: Repositories): Promise<TaskView> {
      const { version: expected, assignee, ...rest } = parseInput(updateTaskInput, input);
      return inTransaction(store, tx, async (repos) => {
        const { task, project } = await findTask(repos, actor, ref);
        await assertCanWriteTasks(repos, actor, project);
        if (expected !== undefined && expected !== task.version) {
          throw await staleVersionError(repos, actor, task.id, expected, project.key);
        }
        const fields: Partial<TaskFields> = {
          ...rest,
          ...(assignee !== undefined && {
            assigneeId: await resolveAssignee(repos, actor, project, assignee),
          }),
        };
        const changes = diffFields(task, fields);
        if (Object.keys(changes).length === 0) return toTaskView(task, project.key);
        const updated = await repos.tasks.updateIfVersion(actor.workspaceId, task.id, task.version, {
          fields,
          updatedAt: clock.now().toISOString(),
          updatedBy: actor.memberId,
          updatedVia: actor.via,
        });
        // Someone else committed between our read and our write.
        if (!updated) throw await staleVersionError(repos, actor, task.id, task.version, project.key);
        await recordChange(repos, actor, updated, changes);
        return toTaskView(updated, project.key);
      });
    },

    /** Moves a task to the trash; reports how many comments and time entries go with it. */
    delete: (actor: Actor, ref: string, options: { version?: number } = {}, tx?: Repositories) =>
      setDeleted(actor, ref, true, options.version, tx),

    restore: (actor: Actor, ref: string, tx?: Repositories) => setDeleted(actor, ref, false, undefined, tx),

    async list(
      actor: Actor,
      input: ListTasksInput = {},
      options: { trash?: boolean } = {},
    ): Promise<Page<TaskView>> {
      const data = parseInput(listTasksInput, input);
      const visible = await visibleProjects(store, actor, true);
      const keys = new Map(visible.map((p) => [p.id, p.key]));
      const unrestricted = canSeeAllProjects(actor.role) && actor.projectIds == null;
      let projectIds: string[] | undefined = unrestricted ? undefined : [...keys.keys()];
      if (data.project !== undefined)
        projectIds = [(await findReadableProject(store, actor, data.project)).id];
      const assigneeId =
        data.assignee === undefined
          ? undefined
          : (await findMemberByRef(store, actor.workspaceId, data.assignee, 'assignee')).id;
      const filter: TaskFilter = {
        ...(projectIds !== undefined && { projectIds }),
        ...(data.status !== undefined && {
          statuses: Array.isArray(data.status) ? data.status : [data.status],
        }),
        ...(assigneeId !== undefined && { assigneeId }),
        ...(data.dueBefore !== undefined && { dueBefore: data.dueBefore }),
        ...(data.dueAfter !== undefined && { dueAfter: data.dueAfter }),
        ...(data.label !== undefined && { label: data.label }),
        ...(data.text !== undefined && { text: data.text }),
        deleted: options.trash ? 'only' : 'exclude',
      };
      const afterId = decodeCursor('task', data.cursor);
      const rows = await store.tasks.list(actor.workspaceId, filter, {
        limit: data.limit + 1,
        ...(afterId !== undefined && { afterId }),
      });
      return toPage(rows, data.limit, (task) => toTaskView(task, keys.get(task.projectId)!));
    },

    /**
     * Permanently removes trashed tasks older than `before`, or with `dryRun` only counts
     * them. Owners and admins only.
     */
    async purgeTrash(
      actor: Actor,
      before: Date,
      options: { dryRun?: boolean } = {},
      tx?: Repositories,
    ): Promise<number> {
      if (!canManageProjects(actor.role)) {
        throw new AppError(
          'forbidden',
          `your role (${actor.role}) cannot purge the trash; ask an owner or admin`,
        );
      }
      return inTransaction(store, tx, (repos) =>
        options.dryRun
          ? repos.tasks.countDeletedBefore(actor.workspaceId, before.toISOString())
          : repos.tasks.purgeDeletedBefore(actor.workspaceId, before.toISOString()),
      );
    },
  };
}

export type TaskService = ReturnType<typeof createTaskService>;
