/** `update_project`: rename, describe, archive or unarchive a project (owners and admins). */
import { z } from 'zod';
import { multiLine, reference, singleLine } from '../../domain/index.js';
import type { ObjectChange } from '../../model/index.js';
import { defineWriteTool, projectSnapshot, WRITE, writeArgs } from '../define-write-tool.js';

export const updateProject = defineWriteTool({
  name: 'update_project',
  title: 'Update a project',
  description: 'Rename a project, change its description, or archive / unarchive it (owners and admins).',
  scopes: ['projects:write'],
  annotations: { ...WRITE, title: 'Update a project', destructiveHint: true, idempotentHint: true },
  input: z
    .object({
      project: reference(64).describe('project key or id'),
      name: singleLine(1, 100).optional(),
      description: multiLine(0, 5000).optional(),
      archived: z.boolean().optional(),
      ...writeArgs,
    })
    .strict(),
  risk: 'update',
  async apply(domain, actor, { project: ref, reason: _r, dry_run: _d, ...input }, repos) {
    const before = await domain.projects.get(actor, ref, repos);
    const after = await domain.projects.update(actor, ref, input, repos);
    const same =
      JSON.stringify({ ...projectSnapshot(before), updatedAt: 0 }) ===
      JSON.stringify({ ...projectSnapshot(after), updatedAt: 0 });
    const change: ObjectChange = {
      kind: 'project',
      op: 'update',
      id: after.id,
      ref: after.key,
      before: projectSnapshot(before),
      after: projectSnapshot(after),
      beforeVersion: before.updatedAt,
      afterVersion: after.updatedAt,
    };
    return {
      changes: same ? [] : [change],
      result: { project: after.key },
      text: same
        ? `No change: project ${after.key} already has these values`
        : `Updated project ${after.key}`,
    };
  },
});
