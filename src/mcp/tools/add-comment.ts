/** `add_comment`: a comment on a task. */
import { z } from 'zod';
import { multiLine } from '../../domain/index.js';
import type { ObjectChange } from '../../model/index.js';
import { defineWriteTool, WRITE, writeArgs } from '../define-write-tool.js';
import { taskRef } from './task-fields.js';

export const addComment = defineWriteTool({
  name: 'add_comment',
  title: 'Comment on a task',
  description: 'Add a comment to a task.',
  scopes: ['comments:write'],
  annotations: { ...WRITE, title: 'Comment on a task', destructiveHint: false, idempotentHint: false },
  input: z.object({ task: taskRef, body: multiLine(1, 10000), ...writeArgs }).strict(),
  risk: 'create',
  async apply(domain, actor, { task, body }, repos) {
    const comment = await domain.comments.add(actor, { task, body }, repos);
    const view = await domain.tasks.get(actor, task, {}, repos);
    const change: ObjectChange = {
      kind: 'comment',
      op: 'create',
      id: comment.id,
      ref: view.key,
      before: null,
      after: { task: view.key, body: comment.body },
      beforeVersion: null,
      afterVersion: null,
    };
    return {
      changes: [change],
      result: { comment: comment.id, task: view.key },
      text: `Commented on ${view.key}`,
    };
  },
});
