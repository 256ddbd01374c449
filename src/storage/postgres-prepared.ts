/**
 * Named prepared statements on PostgreSQL (issue 17). An unnamed statement is parsed, analysed
 * and planned on every execution; a named one is parsed once per connection, and after five
 * executions PostgreSQL may keep a generic plan. For a `create_task` that halved the backends'
 * CPU (docs/benchmarks.md). The hot queries' generic plans are held to their indexes like
 * their custom ones (test/storage/hot-query-plans.test.ts).
 *
 * A text gets a name on its second execution, so a one-off query (an admin report, a list of
 * ids of some length) takes no slot; the names per process are bounded, and so are the
 * statements each backend keeps.
 *
 * A named statement outlives a schema change made by another process (a rolling upgrade's
 * migration): if its result columns changed, PostgreSQL refuses it from then on ("cached plan
 * must not change result type"). That name is then never used again on that connection; the
 * statement is run again unnamed when no transaction was open, and inside one (which the
 * error aborted) the call fails as a passing outage, to be retried.
 */

/** Names per process (PostgreSQL keeps each one's plan per connection that ran it). */
export const MAX_STATEMENT_NAMES = 200;
/** Texts seen once that are remembered, waiting for a second execution. */
const MAX_SEEN_ONCE = 2000;

export class StatementNames {
  readonly #names = new Map<string, string>();
  #seenOnce = new Set<string>();

  /** The name to run `text` under, or undefined to run it unnamed. */
  nameOf(text: string, parameterCount: number): string | undefined {
    // Without parameters pg uses the simple protocol (BEGIN, COMMIT, DDL): nothing to keep.
    if (parameterCount === 0) return undefined;
    const known = this.#names.get(text);
    if (known !== undefined || this.#names.size >= MAX_STATEMENT_NAMES) return known;
    if (!this.#seenOnce.has(text)) {
      if (this.#seenOnce.size >= MAX_SEEN_ONCE) this.#seenOnce = new Set();
      this.#seenOnce.add(text);
      return undefined;
    }
    this.#seenOnce.delete(text);
    const name = `taskgate_s${this.#names.size}`;
    this.#names.set(text, name);
    return name;
  }

  get size(): number {
    return this.#names.size;
  }
}

/** PostgreSQL refusing a named statement whose result columns a schema change altered. */
export function isStalePlan(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === '0A000' &&
    error.message.includes('cached plan must not change result type')
  );
}
