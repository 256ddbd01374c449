/**
 * The tiny runner under every entry of the pipeline (`pipeline.ts`): it runs an entry's
 * steps in order, each returning the next state (never changing the one it was handed),
 * stops at the first step that produces a result or throws, and then writes the call's one
 * audit event. It is the only place a refusal is recorded, so "is every call audited exactly
 * once?" is answered here: a step either writes the event inside its own transaction (and
 * says so with `event: 'written'`), leaves a draft for the runner to append, or fails, and
 * then the runner records the refusal — unless the event was already written.
 */
import type { AuditDraft, AuditLog } from '../audit/index.js';
import { AppError, type Clock, toAppError } from '../core/index.js';
import { type CallRecord, outcomeOf, type Ran } from './call-record.js';

/** The state every step sees. Steps add what they learn (policy, plan, tier…) in a copy. */
export interface Flow<V> {
  /** The tool as the client called it (the event's `tool`). */
  readonly tool: string;
  /** The arguments as the client sent them (a refusal's `params`). */
  readonly args: unknown;
  readonly started: number;
  /** Set by the step that answers the call; later steps do not run. */
  readonly result?: V;
  /**
   * The call's one event: a draft the runner appends, `written` inside a step's transaction,
   * or `none` for an entry that is no MCP call (a browser approval records its own events).
   */
  readonly event?: AuditDraft | 'written' | 'none';
  /** The id of a `written` event, when the step that wrote it knows it (anomaly evidence). */
  readonly eventId?: string;
}

export type Step<S, D> = (state: S, deps: D) => Promise<S>;

export interface Entry<S, D> {
  readonly steps: readonly Step<S, D>[];
  /** The event of a call refused before its own was written; null: nothing to record. */
  refusal(state: S, error: AppError, deps: D): AuditDraft | null;
  /** The log line of an unexpected (`internal`) failure; null where the caller logs it (a page). */
  readonly failureLog: string | null;
  /** What the caller is told when the call's event cannot be written. */
  readonly auditUnavailable: string;
}

export interface RunnerDeps {
  readonly audit: Pick<AuditLog, 'append'>;
  readonly clock: Clock;
  readonly logger: { error(obj: unknown, msg: string): void };
  /**
   * Told once per call that records an event, as it ends (metrics): its outcome as the event
   * says it (`ok`, `denied`, `error`) and how long the pipeline took (monotonic, not the clock).
   */
  readonly onCall?: CallObserver;
}

export type CallObserver = (tool: string, outcome: 'ok' | 'denied' | 'error', durationMs: number) => void;

export async function runEntry<V, S extends Flow<V>, D extends RunnerDeps>(
  entry: Entry<S, D>,
  initial: S,
  deps: D,
): Promise<Ran<V>> {
  const began = performance.now();
  const ran = await runSteps<V, S, D>(entry, initial, deps);
  if (deps.onCall && ran.record.audit !== 'none') {
    const outcome = ran.outcome.ok ? 'ok' : outcomeOf(ran.outcome.error);
    deps.onCall(ran.record.tool, outcome, performance.now() - began);
  }
  return ran;
}

async function runSteps<V, S extends Flow<V>, D extends RunnerDeps>(
  entry: Entry<S, D>,
  initial: S,
  deps: D,
): Promise<Ran<V>> {
  let state = initial;
  let failure: unknown;
  try {
    for (const step of entry.steps) {
      if (state.result !== undefined) break;
      state = await step(state, deps);
    }
    if (state.result === undefined || state.event === undefined) {
      throw new Error(`pipeline for ${state.tool} ended without a result and its event`);
    }
  } catch (error) {
    failure = error;
  }
  const record = (
    audit: CallRecord['audit'],
    databaseUnavailable = false,
    eventId = state.eventId,
  ): CallRecord => ({
    tool: state.tool,
    audit,
    databaseUnavailable,
    ...(eventId !== undefined && { eventId }),
  });

  if (failure === undefined) {
    const event = state.event!;
    if (typeof event === 'object') {
      const appended = await append(deps, entry, state.tool, event);
      if (appended instanceof AppError)
        return { outcome: { ok: false, error: appended }, record: record('failed') };
      return { outcome: { ok: true, value: state.result as V }, record: record('written', false, appended) };
    }
    return {
      outcome: { ok: true, value: state.result as V },
      record: record(event === 'none' ? 'none' : 'written'),
    };
  }

  const error = toAppError(failure);
  if (state.event === 'written') {
    // The call's event went out with an earlier step's transaction (a superseded action);
    // what failed after it is the caller's answer, not a second event.
    return { outcome: { ok: false, error }, record: record('written') };
  }
  if (error.code === 'internal' && entry.failureLog)
    deps.logger.error({ err: failure, tool: state.tool }, entry.failureLog);
  const draft = entry.refusal(state, error, deps);
  if (!draft) return { outcome: { ok: false, error }, record: record('none') };
  const appended = await append(deps, entry, state.tool, draft);
  if (appended instanceof AppError)
    return { outcome: { ok: false, error: appended }, record: record('failed') };
  return { outcome: { ok: false, error }, record: record('written', error.code === 'unavailable', appended) };
}

/** SECURITY: fail closed — a call whose record cannot be written returns nothing. */
async function append<S, D extends RunnerDeps>(
  deps: D,
  entry: Entry<S, D>,
  tool: string,
  draft: AuditDraft,
): Promise<AppError | string> {
  try {
    return (await deps.audit.append(draft)).id;
  } catch (error) {
    deps.logger.error({ err: error, tool }, 'audit write failed');
    return new AppError('unavailable', entry.auditUnavailable, { cause: error });
  }
}
