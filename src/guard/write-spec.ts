/**
 * What the write pipeline needs to know of a write tool: its name and scopes, the policy
 * risk class of a call, which versions a call carries (read-first), and `apply` — the
 * write itself, run inside a transaction the pipeline owns. The pipeline runs `apply`
 * twice for a confirmed write: once to plan (rolled back) and once for real, and compares
 * the two plans' digests, so no tool holds planning logic of its own that could drift. A
 * write no one confirms (tier `none`) runs it once, in the transaction that commits it.
 */
import type { Scope } from '../credentials/index.js';
import type { Actor } from '../domain/index.js';
import type { ObjectChange, RiskClass } from '../model/index.js';
import type { Repositories } from '../storage/index.js';

/** Every write tool takes these two, beside its own arguments. */
export interface WriteArgs {
  readonly reason?: string | undefined;
  readonly dry_run?: boolean | undefined;
  readonly [field: string]: unknown;
}

export interface Applied {
  readonly changes: readonly ObjectChange[];
  /** Structured result for the caller. */
  readonly result: Readonly<Record<string, unknown>>;
  /** One line for people: what happened. */
  readonly text: string;
  /** Set once executed: the id of the call's audit event. */
  readonly auditEventId?: string;
}

export interface WriteSpec {
  readonly name: string;
  readonly scopes: readonly Scope[];
  risk(args: WriteArgs): RiskClass;
  /** Fields that should carry the version the assistant read but do not (read-first policy). */
  missingVersions?(args: WriteArgs): string[];
  apply(actor: Actor, args: WriteArgs, repos: Repositories): Promise<Applied>;
}
