#!/usr/bin/env node
/**
 * A second event loop for an experiment, not a product mode: `node cluster-launch.mjs <n>
 * <main.js> <args…>` runs <n> `node:cluster` workers of `main.js <args…>`, all listening on
 * one port (the primary hands each new connection to the next worker). The first worker runs
 * alone until it listens, so a `demo` seeds once and announces itself on this process's stdout;
 * the others' output is drained unread. SIGTERM is passed on to every worker (each stops
 * gracefully); SIGINT is not, since Ctrl+C in a terminal already reaches the whole process
 * group and a second signal makes a worker exit at once. The primary exits once the workers
 * have, non-zero if any did.
 *
 * Why it is only a bench helper: on SQLite the request limits count in process memory
 * (src/monitoring/rate-limit-stores.ts), so two processes would each allow the full limit.
 */
import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [count, exec] = process.argv.slice(2);

if (cluster.isWorker) await runWorker();
else runPrimary();

async function runWorker() {
  // The entry reads its arguments from argv, as if started as `node <main.js> <args…>`.
  process.argv.splice(2, 2);
  await import(pathToFileURL(resolve(exec)).href);
  // Its top-level work is done (its server has stopped): only the IPC channel would keep a
  // cluster worker alive now.
  process.disconnect();
}

function runPrimary() {
  const workers = Number(count);
  if (!Number.isInteger(workers) || workers < 1 || !exec) {
    process.stderr.write('usage: node cluster-launch.mjs <workers> <main.js> <args…>\n');
    process.exit(2);
  }
  let exitCode = 0;
  const fork = (silent) => {
    cluster.setupPrimary({ exec: fileURLToPath(import.meta.url), args: process.argv.slice(2), silent });
    const worker = cluster.fork();
    worker.process.stdout?.resume();
    worker.process.stderr?.resume();
    worker.on('exit', (code, signal) => {
      if (code !== 0 || signal) exitCode = 1;
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
    });
    return worker;
  };
  fork(false).once('listening', () => {
    for (let i = 1; i < workers; i++) fork(true);
  });
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  });
  process.on('SIGINT', () => undefined);
}
