/**
 * Finding tasks the actor may see, by id (`tsk_…`) or human key (`APO-12`), and the
 * shapes shared by the task services: the task view and the stale-version conflict.
 */
import { AppError, isAppError, isId } from '../core/index.js';
import type { Project, Task } from '../model/index.js';
import type { Repositories } from '../storage/index.js';
import type { Actor } from './actor.js';
import { findReadableProject, readableProject } from './projects.js';
import { fieldError } from './validation.js';

/** A task as services return it: the record plus its human key. */
export interface TaskView extends Task {
  readonly key: string;
  readonly projectKey: string;
}

export const toTaskView = (task: Task, projectKey: string): TaskView => ({
  ...task,
  key: `${projectKey}-${task.number}`,
  projectKey,
});

const TASK_KEY = /^([A-Za-z][A-Za-z0-9]{1,9})-([1-9][0-9]{0,8})$/;

/**
 * A project the actor may not read hides its tasks, so its "project not found" becomes "task not
 * found". Any other failure (the database going away) keeps its meaning: a client told a task
 * does not exist during an outage would act on a lie.
 */
const hiddenAsTaskNotFound =
  (ref: string) =>
  (error: unknown): never => {
    if (isAppError(error) && error.code === 'not_found')
      throw new AppError('not_found', `task ${ref} not found`);
    throw error;
  };

export async function findTask(
  repos: Repositories,
  actor: Actor,
  ref: string,
  options: { deleted: 'exclude' | 'include' } = { deleted: 'exclude' },
): Promise<{ task: Task; project: Project }> {
  const trimmed = ref.trim();
  let task: Task | undefined;
  let project: Project;
  if (trimmed.startsWith('tsk_')) {
    if (!isId('task', trimmed)) throw fieldError('task', 'is not a valid task id');
    task = await repos.tasks.findById(actor.workspaceId, trimmed);
    if (!task) throw new AppError('not_found', `task ${trimmed} not found`);
    project = await findReadableProject(repos, actor, task.projectId).catch(hiddenAsTaskNotFound(trimmed));
  } else {
    const match = TASK_KEY.exec(trimmed);
    if (!match) throw fieldError('task', 'must be a task id (tsk_…) or a key like APO-12');
    // One statement for the project and the task: the access check needs no more than the project.
    const found = await repos.tasks.findByProjectKey(
      actor.workspaceId,
      match[1]!.toUpperCase(),
      Number(match[2]),
    );
    project = await readableProject(repos, actor, match[1]!, found?.project).catch(
      hiddenAsTaskNotFound(trimmed),
    );
    task = found?.task;
    if (!task) throw new AppError('not_found', `task ${trimmed.toUpperCase()} not found`);
  }
  if (task.deletedAt !== null && options.deleted === 'exclude') {
    throw new AppError('not_found', `task ${project.key}-${task.number} is in the trash; restore it first`);
  }
  return { task, project };
}

/**
 * The conflict for a write based on a version that is no longer current: it names the
 * fields changed since, who changed them and through what, and carries the current task.
 */
export async function staleVersionError(
  repos: Repositories,
  actor: Actor,
  taskId: string,
  expectedVersion: number,
  projectKey: string,
): Promise<AppError> {
  const current = (await repos.tasks.findById(actor.workspaceId, taskId))!;
  const history = await repos.tasks.listChanges(
    actor.workspaceId,
    taskId,
    Math.min(expectedVersion, current.version),
  );
  const fields = [...new Set(history.flatMap((change) => Object.keys(change.changes)))];
  const key = `${projectKey}-${current.number}`;
  const what = fields.length ? `: ${fields.join(', ')} changed` : '';
  return new AppError(
    'conflict',
    `task ${key} is at version ${current.version}, not ${expectedVersion}${what}; read it again and retry`,
    {
      detail: {
        expectedVersion,
        currentVersion: current.version,
        changedFields: fields,
        changes: history.map((c) => ({
          version: c.version,
          fields: Object.keys(c.changes),
          by: c.changedBy,
          via: c.changedVia,
          credential: c.credentialName,
          at: c.changedAt,
        })),
        current: toTaskView(current, projectKey),
      },
    },
  );
}
