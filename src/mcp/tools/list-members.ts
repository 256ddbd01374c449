/** `list_members`: the members of the workspace and their roles. */
import { z } from 'zod';
import { quoteText } from '../../domain/index.js';
import { defineTool, READ_ONLY } from '../define-tool.js';
import { memberOut, toMemberOut } from '../schemas.js';

export const listMembers = defineTool({
  name: 'list_members',
  title: 'List members',
  description: 'List the members of the workspace and their roles.',
  scopes: ['members:read'],
  annotations: { ...READ_ONLY, title: 'List members' },
  input: z.object({}).strict(),
  output: z.object({ members: z.array(memberOut) }),
  async run({ actor, domain }) {
    const members = (await domain.workspaces.listMembers(actor)).map(toMemberOut);
    return {
      structured: { members },
      text: members.map((m) => `${quoteText(m.name)} <${m.email}> ${m.role}`).join('\n'),
      summary: { count: members.length },
    };
  },
});
