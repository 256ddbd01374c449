#!/usr/bin/env node
/**
 * A second event loop for an experiment, not a product mode: `node cluster-launch.mjs <n>
 * <main.js> <args…>` runs <n> `node:cluster` workers of `main.js <args…>`, all listening on
 * one port (the primary hands each new connection to the next worker). The first worker runs
 * alone until it listens, so a `demo` seeds once and announces itself on this process's stdout;
 * the others' stdout is drained unread. SIGTERM/SIGINT stop every worker gracefully; the
 * primary exits when they have, non-zero if any did.
 *
 * Why it is only a bench helper: on SQLite the request limits count in process memory
 * (src/monitoring/rate-limit-stores.ts), so two processes would each allow the full limit.
 */
import cluster from 'node:cluster';

const [count, exec, ...args] = process.argv.slice(2);
const workers = Number(count);
if (!Number.isInteger(workers) || workers < 1 || !exec) {
  process.stderr.write('usage: node cluster-launch.mjs <workers> <main.js> <args…>\n');
  process.exit(2);
}

let exitCode = 0;
const fork = (silent) => {
  cluster.setupPrimary({ exec, args, silent });
  const worker = cluster.fork();
  worker.process.stdout?.resume();
  worker.on('exit', (code, signal) => {
    if (code !== 0 || signal) exitCode = 1;
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
  });
  return worker;
};

const first = fork(false);
first.once('listening', () => {
  for (let i = 1; i < workers; i++) fork(true);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  });
}
