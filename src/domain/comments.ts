/**
 * Comments on tasks. A comment records the channel it came through and, when written
 * through a credential, that credential's name, so people can see which assistant wrote it.
 */
import { z } from 'zod';
import type { Clock, IdGenerator } from '../core/index.js';
import type { Comment } from '../model/index.js';
import type { Repositories } from '../storage/index.js';
import { type Actor, type DomainStore, inTransaction } from './actor.js';
import { decodeCursor, type Page, toPage } from './pagination.js';
import { assertCanWriteTasks } from './projects.js';
import { findTask } from './task-lookup.js';
import { multiLine, pageLimit, parseInput, reference } from './validation.js';

export interface CommentDeps {
  readonly store: DomainStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

const addCommentInput = z.object({ task: reference(64), body: multiLine(1, 10000) }).strict();
const listCommentsInput = z
  .object({
    task: z.string().trim().min(1, 'is required'),
    cursor: z.string().max(200).optional(),
    limit: pageLimit,
  })
  .strict();

export type AddCommentInput = z.input<typeof addCommentInput>;
export type ListCommentsInput = z.input<typeof listCommentsInput>;

export function createCommentService(deps: CommentDeps) {
  const { store, clock, ids } = deps;
  return {
    async add(actor: Actor, input: AddCommentInput, tx?: Repositories): Promise<Comment> {
      const data = parseInput(addCommentInput, input);
      return inTransaction(store, tx, async (repos) => {
        const { task, project } = await findTask(repos, actor, data.task);
        await assertCanWriteTasks(repos, actor, project);
        const comment: Comment = {
          id: ids('comment'),
          workspaceId: actor.workspaceId,
          taskId: task.id,
          authorId: actor.memberId,
          body: data.body,
          via: actor.via,
          credentialName: actor.credentialName ?? null,
          createdAt: clock.now().toISOString(),
        };
        await repos.comments.insert(comment);
        return comment;
      });
    },

    async list(actor: Actor, input: ListCommentsInput): Promise<Page<Comment>> {
      const data = parseInput(listCommentsInput, input);
      const { task } = await findTask(store, actor, data.task);
      const afterId = decodeCursor('comment', data.cursor);
      const rows = await store.comments.listByTask(actor.workspaceId, task.id, {
        limit: data.limit + 1,
        ...(afterId !== undefined && { afterId }),
      });
      return toPage(rows, data.limit);
    },
  };
}

export type CommentService = ReturnType<typeof createCommentService>;
