/** `list_comments`: the comments on a task, oldest first. */
import { z } from 'zod';
import { quoteText, reference } from '../../domain/index.js';
import { defineTool, READ_ONLY } from '../define-tool.js';
import { commentOut, cursorIn, limitIn, nextCursorOut, toCommentOut } from '../schemas.js';

export const listComments = defineTool({
  name: 'list_comments',
  title: 'List comments',
  description: 'List the comments on a task, oldest first.',
  scopes: ['comments:read'],
  annotations: { ...READ_ONLY, title: 'List comments' },
  input: z
    .object({ task: reference(64).describe('task key or id'), cursor: cursorIn, limit: limitIn })
    .strict(),
  output: z.object({ comments: z.array(commentOut), nextCursor: nextCursorOut }),
  async run({ actor, domain }, input) {
    const page = await domain.comments.list(actor, input);
    const comments = page.items.map(toCommentOut);
    const text = comments.length
      ? comments
          .map(
            (c) =>
              `${c.createdAt} ${c.authorId}${c.credentialName ? ` via ${quoteText(c.credentialName)}` : ''}: ${quoteText(c.body)}`,
          )
          .join('\n')
      : 'No comments.';
    return {
      structured: { comments, nextCursor: page.nextCursor },
      text,
      summary: { count: comments.length },
    };
  },
});
