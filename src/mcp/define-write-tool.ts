/**
 * Write tools: like read tools they have a name, scopes, annotations and a bounded input
 * schema, but instead of `run` they give the guard's write pipeline an `apply` — the write
 * itself inside a transaction — and say which policy risk class a call is in. Every write
 * tool takes an optional `reason` and `dry_run`; the pipeline does the rest.
 */
import { z } from 'zod';
import type { Scope } from '../credentials/index.js';
import { type Actor, type Domain, singleLine, type TaskView } from '../domain/index.js';
import type { Applied, WriteArgs, WriteSpec } from '../guard/index.js';
import type { ObjectChange, Project, RiskClass } from '../model/index.js';
import type { ToolAnnotations } from './define-tool.js';

export const writeArgs = {
  reason: singleLine(0, 500)
    .optional()
    .describe('why this change is made, in the user’s words; kept in the audit log and on the task'),
  dry_run: z.boolean().optional().describe('true: return the plan and change nothing'),
};

/** The transaction the pipeline hands `apply`, passed on to the domain services as their `tx`. */
type WriteRepos = Parameters<WriteSpec['apply']>[2];

// biome-ignore lint/suspicious/noExplicitAny: the erased shape under which tools of any schema are listed
type AnyObject = z.ZodObject<any>;

export interface WriteToolDefinition<I extends AnyObject = AnyObject> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly scopes: readonly Scope[];
  readonly annotations: ToolAnnotations;
  readonly input: I;
  readonly risk: RiskClass;
  missingVersions?(args: z.output<I>): string[];
  apply(domain: Domain, actor: Actor, args: z.output<I>, repos: WriteRepos): Promise<Applied>;
}

export function defineWriteTool<I extends AnyObject>(
  definition: WriteToolDefinition<I>,
): WriteToolDefinition {
  return definition as unknown as WriteToolDefinition;
}

/** The pipeline's view of a write tool, bound to the domain it writes through. */
export function toWriteSpec(tool: WriteToolDefinition, domain: Domain): WriteSpec {
  return {
    name: tool.name,
    scopes: tool.scopes,
    risk: () => tool.risk,
    ...(tool.missingVersions && { missingVersions: (args: WriteArgs) => tool.missingVersions!(args) }),
    apply: (actor, args, repos) => tool.apply(domain, actor, args, repos),
  };
}

export const WRITE: ToolAnnotations = { readOnlyHint: false, openWorldHint: false };

export function taskSnapshot(t: TaskView): Record<string, unknown> {
  return {
    key: t.key,
    title: t.title,
    description: t.description,
    status: t.status,
    priority: t.priority,
    assigneeId: t.assigneeId,
    dueDate: t.dueDate,
    labels: [...t.labels],
    version: t.version,
    deletedAt: t.deletedAt,
  };
}

export function projectSnapshot(p: Project): Record<string, unknown> {
  return {
    key: p.key,
    name: p.name,
    description: p.description,
    archived: p.archived,
    updatedAt: p.updatedAt,
  };
}

export function taskChange(op: ObjectChange['op'], before: TaskView | null, after: TaskView): ObjectChange {
  return {
    kind: 'task',
    op,
    id: after.id,
    ref: after.key,
    before: before && taskSnapshot(before),
    after: taskSnapshot(after),
    beforeVersion: before?.version ?? null,
    afterVersion: after.version,
  };
}
