/**
 * A query built and compiled once, then run with each call's values: for statements on every
 * request, where kysely's builder and compiler cost more main-thread time than the database
 * does (issue 17: the task lookup's build was ~35 µs of a ~1.2 ms `get_task`).
 *
 * The query is built with placeholder values, one per argument; every placeholder must come
 * out as a bound parameter (never inlined into the text), which is checked when it is built.
 * The compiled text depends only on the dialect, so one copy serves every connection and
 * transaction of a database (keyed by kysely's adapter object, which transactions share);
 * an instance with plugins builds each time, so they see every query.
 */
import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from '../schema.js';

const MARK = '\u0000precompiled-argument:';

interface Template {
  readonly compiled: CompiledQuery;
  /** For each bound parameter, the argument it takes, or -1 for a constant of the query. */
  readonly sources: readonly number[];
}

export function precompiled<A extends readonly unknown[], R>(
  arity: A['length'],
  build: (db: Kysely<Database>, ...args: A) => Compilable<R>,
): (db: Kysely<Database>, ...args: A) => CompiledQuery<R> {
  const templates = new WeakMap<object, Template>();

  const template = (db: Kysely<Database>): Template => {
    const { adapter } = db.getExecutor();
    const cached = templates.get(adapter);
    if (cached) return cached;
    const marks = Array.from({ length: arity }, (_, i) => `${MARK}${i}`) as unknown as A;
    const compiled = build(db, ...marks).compile();
    if (compiled.sql.includes(MARK)) throw new Error('a precompiled argument was inlined into the SQL text');
    const sources = compiled.parameters.map((p) =>
      typeof p === 'string' && p.startsWith(MARK) ? Number(p.slice(MARK.length)) : -1,
    );
    for (let i = 0; i < arity; i++) {
      if (!sources.includes(i)) throw new Error(`precompiled argument ${i} is not a parameter of the query`);
    }
    const made = { compiled, sources };
    templates.set(adapter, made);
    return made;
  };

  return (db, ...args) => {
    // A plugin may rewrite each query of its instance (a test capturing them does): build anew.
    if (db.getExecutor().plugins.length) return build(db, ...args).compile();
    const { compiled, sources } = template(db);
    return {
      ...compiled,
      parameters: sources.map((source, i) => (source < 0 ? compiled.parameters[i] : args[source])),
    } as CompiledQuery<R>;
  };
}
