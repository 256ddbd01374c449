/**
 * One file per tool, each made with `defineTool`: its name, the scopes it needs, accurate
 * annotations, bounded input and output schemas, and a `run` that speaks to the domain as
 * the credential's actor. The guard decides whether `run` is called at all.
 */
import type { z } from 'zod';
import type { Principal, Scope } from '../credentials/index.js';
import type { Actor, Domain } from '../domain/index.js';
import type { EffectivePolicy } from '../guard/index.js';

export interface ToolContext {
  readonly principal: Principal;
  readonly actor: Actor;
  readonly domain: Domain;
  /** The workspace's write policy, read when asked (only whoami needs it). */
  policy(): Promise<EffectivePolicy>;
}

export interface ToolAnnotations {
  readonly title?: string;
  readonly readOnlyHint?: boolean;
  readonly destructiveHint?: boolean;
  readonly idempotentHint?: boolean;
  readonly openWorldHint?: boolean;
}

export interface ToolResult<O> {
  readonly structured: O;
  /** The readable text part for clients and models that do not read structured content. */
  readonly text: string;
  /** What the audit log keeps of the result: counts and ids, not the data. */
  readonly summary: unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: the erased shape under which tools of any schema are listed
type AnyObject = z.ZodObject<any>;

export interface ToolDefinition<I extends AnyObject = AnyObject, O extends AnyObject = AnyObject> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly scopes: readonly Scope[];
  readonly annotations: ToolAnnotations;
  readonly input: I;
  readonly output: O;
  run(ctx: ToolContext, input: z.output<I>): Promise<ToolResult<z.output<O>>>;
}

export function defineTool<I extends AnyObject, O extends AnyObject>(
  definition: ToolDefinition<I, O>,
): ToolDefinition {
  return definition as unknown as ToolDefinition;
}

export const READ_ONLY: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
