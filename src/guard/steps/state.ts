/**
 * The states the steps pass along, one per kind of entry. Each field after the first group
 * is filled in by the step named beside it; a step that needs one a later step fills in is
 * a table in the wrong order, which `need` reports as a bug.
 */
import { AppError } from '../../core/index.js';
import type { Scope } from '../../credentials/index.js';
import type { Actor } from '../../domain/index.js';
import type { ConfirmationTier, PendingAction, Workspace } from '../../model/index.js';
import type { AskedCall, PublicStatus } from '../action-transitions.js';
import type { CallContext } from '../call-context.js';
import type { Plan } from '../plan.js';
import type { EffectivePolicy } from '../policy.js';
import type { Flow } from '../runner.js';
import type { Applied, WriteArgs, WriteSpec } from '../write-spec.js';

/** What the client can show a human, as it declared for this request. */
export interface ClientAbilities {
  readonly formElicitation: boolean;
  readonly urlElicitation: boolean;
}

/** A pending action handed back to the caller: the plan, and how a human confirms it. */
export interface Pending {
  readonly kind: 'pending';
  readonly tier: Exclude<ConfirmationTier, 'none'>;
  readonly plan: Plan;
  readonly action: PendingAction;
  readonly token: string | null;
  readonly approvalUrl: string | null;
}

export type WriteResult =
  | { readonly kind: 'done'; readonly applied: Applied; readonly actionId: string | null }
  | { readonly kind: 'dry_run'; readonly plan: Plan }
  | Pending;

export interface WriteState extends Flow<WriteResult> {
  readonly call: CallContext;
  readonly spec: WriteSpec;
  readonly args: WriteArgs;
  readonly client: ClientAbilities;
  /** freeze */
  readonly policy?: EffectivePolicy;
  /** plan */
  readonly actor?: Actor;
  readonly plan?: Plan;
}

export type ConfirmResult =
  | { readonly kind: 'done'; readonly applied: Applied; readonly action: PendingAction }
  /**
   * The state moved on since the plan: nothing was done; here is the new plan, re-issued
   * at the action's tier or the policy's, whichever is stronger (none for a browser approval).
   */
  | { readonly kind: 'drift'; readonly plan: Plan; readonly next: Pending | null }
  /** The policy now asks more than the action's tier: nothing was done; re-issued at `required`. */
  | {
      readonly kind: 'tightened';
      readonly plan: Plan;
      readonly from: ConfirmationTier;
      readonly required: ConfirmationTier;
      readonly next: Pending;
    };

export type ActionResult =
  | ConfirmResult
  | { readonly kind: 'declined' }
  | { readonly kind: 'cancelled'; readonly action: PendingAction }
  | { readonly kind: 'status'; readonly action: PendingAction; readonly status: PublicStatus };

/** An action retired before it ran: the change waits again, re-planned (see `reissue`). */
export type Superseded =
  | { readonly reason: 'tightened'; readonly plan: Plan; readonly required: ConfirmationTier }
  | { readonly reason: 'drift'; readonly plan: Plan };

export interface ActionState extends Flow<ActionResult> {
  /** Who acts: the caller over MCP; in the browser, the key that asked (key-still-acts). */
  readonly call?: CallContext;
  /** What the call names: a confirmation token, or an action id (with the form's answer). */
  readonly token?: string;
  readonly actionId?: string;
  readonly accepted?: boolean;
  /** What a re-issued action may ask of the client. */
  readonly client: ClientAbilities;
  /** The MCP call this answers, whose event a refused decision writes; null in the browser. */
  readonly asked: AskedCall | null;
  /** The event an execution writes (`mcp.tool_called` + tool, or `confirmation.approved`). */
  readonly execEvent: { readonly action: string; readonly tool: string; readonly params?: unknown };
  /** The member who approved in the browser, when that is how it is confirmed. */
  readonly approvedBy: { readonly id: string; readonly email: string } | null;
  /** find-action (set up front in the browser, from the page) */
  readonly action?: PendingAction;
  /** In the browser: the page's digest and the workspace the approver is signed in to. */
  readonly seenDigest?: string;
  readonly workspace?: Workspace;
  /** tool-of-action */
  readonly spec?: WriteSpec;
  /** freeze */
  readonly policy?: EffectivePolicy;
  /** tightened, execute-action */
  readonly superseded?: Superseded;
}

/** The read tool's own work: its value, and what the audit log keeps of it. */
export interface ReadState<T> extends Flow<T> {
  readonly call: CallContext;
  readonly spec: { readonly name: string; readonly scopes: readonly Scope[] };
  readonly run: () => Promise<{ value: T; summary: unknown }>;
}

/** A field an earlier step should have filled in. */
export function need<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new AppError('internal', `pipeline step ran before ${field} was known`);
  return value;
}
