/** `create_project`: a new project (owners and admins). */
import { z } from 'zod';
import { multiLine, quoteText, reference, singleLine } from '../../domain/index.js';
import type { ObjectChange } from '../../model/index.js';
import { defineWriteTool, projectSnapshot, WRITE, writeArgs } from '../define-write-tool.js';

export const createProject = defineWriteTool({
  name: 'create_project',
  title: 'Create a project',
  description: 'Create a project (owners and admins). Its key prefixes task keys, e.g. APO in APO-12.',
  scopes: ['projects:write'],
  annotations: { ...WRITE, title: 'Create a project', destructiveHint: false, idempotentHint: false },
  input: z
    .object({
      key: singleLine(2, 10).describe('2-10 letters or digits, starting with a letter'),
      name: singleLine(1, 100),
      description: multiLine(0, 5000).optional(),
      members: z.array(reference(254)).max(200).optional().describe('member ids or emails'),
      ...writeArgs,
    })
    .strict(),
  risk: 'create',
  async apply(domain, actor, { reason: _r, dry_run: _d, ...input }, repos) {
    const project = await domain.projects.create(actor, input, repos);
    const change: ObjectChange = {
      kind: 'project',
      op: 'create',
      id: project.id,
      ref: project.key,
      before: null,
      after: projectSnapshot(project),
      beforeVersion: null,
      afterVersion: project.updatedAt,
    };
    return {
      changes: [change],
      result: { project: project.key },
      text: `Created project ${project.key} ${quoteText(project.name)}`,
    };
  },
});
