/** `list_projects`: the projects this credential can see. */
import { z } from 'zod';
import { quoteText } from '../../domain/index.js';
import { defineTool, READ_ONLY } from '../define-tool.js';
import { projectOut, toProjectOut } from '../schemas.js';

export const listProjects = defineTool({
  name: 'list_projects',
  title: 'List projects',
  description: 'List the projects this credential can see.',
  scopes: ['projects:read'],
  annotations: { ...READ_ONLY, title: 'List projects' },
  input: z
    .object({ includeArchived: z.boolean().optional().describe('also list archived projects') })
    .strict(),
  output: z.object({ projects: z.array(projectOut) }),
  async run({ actor, domain }, input) {
    const projects = (
      await domain.projects.list(actor, { includeArchived: input.includeArchived ?? false })
    ).map(toProjectOut);
    const text = projects.length
      ? projects.map((p) => `${p.key}: ${quoteText(p.name)}${p.archived ? ' (archived)' : ''}`).join('\n')
      : 'No projects visible to this credential.';
    return { structured: { projects }, text, summary: { count: projects.length } };
  },
});
