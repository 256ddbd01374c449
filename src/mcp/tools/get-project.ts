/** `get_project`: one project by key or id. */
import { z } from 'zod';
import { quoteText, reference } from '../../domain/index.js';
import { defineTool, READ_ONLY } from '../define-tool.js';
import { projectOut, quotedField, toProjectOut } from '../schemas.js';

const projectRef = reference(64).describe('project key (e.g. APO) or id');

export const getProject = defineTool({
  name: 'get_project',
  title: 'Get a project',
  description: 'Get one project by key or id.',
  scopes: ['projects:read'],
  annotations: { ...READ_ONLY, title: 'Get a project' },
  input: z.object({ project: projectRef }).strict(),
  output: z.object({ project: projectOut }),
  async run({ actor, domain }, input) {
    const project = toProjectOut(await domain.projects.get(actor, input.project));
    return {
      structured: { project },
      text: `${project.key}: ${quoteText(project.name)}${project.archived ? ' (archived)' : ''}\n${quotedField('Description', project.description)}`,
      summary: { id: project.id },
    };
  },
});
