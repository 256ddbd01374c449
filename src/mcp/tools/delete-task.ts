/** `delete_task`: move one task to the trash with its comments and time entries. */
import { z } from 'zod';
import { defineWriteTool, taskChange, WRITE, writeArgs } from '../define-write-tool.js';
import { taskRef, version } from './task-fields.js';

export const deleteTask = defineWriteTool({
  name: 'delete_task',
  title: 'Move a task to the trash',
  description:
    'Move a task to the trash (with its comments and time entries); restore_task brings it back. Pass the version you last read.',
  scopes: ['tasks:delete'],
  annotations: { ...WRITE, title: 'Move a task to the trash', destructiveHint: true, idempotentHint: true },
  input: z.object({ task: taskRef, version: version.optional(), ...writeArgs }).strict(),
  risk: 'delete',
  missingVersions: (args) => (args.version === undefined ? ['version'] : []),
  async apply(domain, actor, { task: ref, version: expected }, repos) {
    const before = await domain.tasks.get(actor, ref, {}, repos);
    const { task, dependents } = await domain.tasks.delete(
      actor,
      ref,
      expected === undefined ? {} : { version: expected },
      repos,
    );
    return {
      changes: [{ ...taskChange('delete', before, task), dependents }],
      result: { task: task.key, version: task.version, trashed: true },
      text: `Moved ${task.key} to the trash with ${dependents.comments} comment(s) and ${dependents.timeEntries} time entr${dependents.timeEntries === 1 ? 'y' : 'ies'}; restore_task brings it back`,
    };
  },
});
