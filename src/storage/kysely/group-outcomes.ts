/**
 * How a group of transactions run as one (sqlite-turns.ts, postgres-groups.ts) answers its
 * callers: once the group committed, each from its own outcome; if the group failed, each with
 * its own error if it had one, else the group's — none of them was stored.
 */
export type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

export interface Caller {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** After the commit: every caller that ran, from its own outcome. */
export function answerCommitted(outcomes: ReadonlyMap<Caller, Outcome>): void {
  for (const [caller, own] of outcomes) {
    if (own.ok) caller.resolve(own.value);
    else caller.reject(own.error);
  }
}

/** After the group failed: every caller, with its own error if it had one, else the group's. */
export function answerFailed(
  callers: readonly Caller[],
  outcomes: ReadonlyMap<Caller, Outcome>,
  error: unknown,
): void {
  for (const caller of callers) {
    const own = outcomes.get(caller);
    caller.reject(own && !own.ok ? own.error : error);
  }
}
