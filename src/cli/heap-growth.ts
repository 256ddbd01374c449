/**
 * How far V8 lets the old generation grow past what survived the last full collection. V8's
 * own factor goes up to four times, and the memory is not given back under steady load: a
 * server whose live heap is ~50 MB sat at 300+ MB after a load test. Twice the survivors kept
 * it near 200 MB at the same throughput (docs/benchmarks.md, issue 17).
 */
export const HEAP_GROWING_PERCENT = 100;

/**
 * The V8 flag to set at start, or `undefined` when the operator started Node with their own
 * `--heap-growing-percent` (Node refuses it in NODE_OPTIONS, so only the command line can).
 */
export function heapGrowthFlag(execArgv: readonly string[]): string | undefined {
  const chosen = execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg));
  return chosen ? undefined : `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}
