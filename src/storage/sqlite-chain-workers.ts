/**
 * Worker threads for the bulk chain check on SQLite (sqlite-chain-worker.ts): each opens the
 * database read-only and checks the seq ranges it is handed, one at a time, so the chain is
 * checked on every CPU.
 */
import { Worker } from 'node:worker_threads';
import { type ChunkCheck, goOn } from '../chain/index.js';
import type { ChainWorkerData, ChainWorkerReply, ChainWorkerRequest } from './sqlite-chain-worker.js';
import { workerModule } from './worker-module.js';

/** Which rows: the chain, its workspace id (null for `*`), after which seq; and the pins. */
export interface ChainQuery {
  readonly chain: string;
  readonly workspaceId: string | null;
  readonly afterSeq: number;
  readonly pinned: readonly number[];
}

export interface ChainWorkers {
  /**
   * Checks the ranges, each worker taking the next range when it is done. Resolves with a
   * check per range, `null` from where going on stopped making sense (`goOn`), or
   * `undefined` when the workers cannot run (the caller checks in its own thread).
   */
  check(ranges: readonly (readonly [number, number])[]): Promise<(ChunkCheck | null)[] | undefined>;
  close(): void;
}

export function startChainWorkers(
  options: {
    readonly file: string;
    readonly sql: string;
    readonly groupRows: number;
    readonly busyTimeoutMs: number;
  },
  query: ChainQuery,
  count: number,
): ChainWorkers {
  const workerData: ChainWorkerData = { ...query, ...options };
  const entry = workerModule('sqlite-chain-worker', import.meta.url);
  const workers = Array.from({ length: count }, () => new Worker(entry, { workerData }));
  let failed = false;
  let job: {
    reply(worker: Worker, message: ChainWorkerReply): void;
    fail(): void;
  } | null = null;
  for (const worker of workers) {
    worker.on('message', (message) => job?.reply(worker, message));
    // A worker that cannot open the database: check in this thread instead.
    const fail = () => {
      failed = true;
      job?.fail();
    };
    worker.on('error', fail);
    worker.on('exit', fail);
  }

  return {
    check(ranges) {
      if (failed) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const results: (ChunkCheck | null)[] = ranges.map(() => null);
        let next = 0;
        let running = 0;
        let stopped = false;
        const hand = (worker: Worker) => {
          if (stopped || next >= ranges.length) {
            if (running === 0) {
              job = null;
              resolve(results);
            }
            return;
          }
          const index = next++;
          running++;
          worker.postMessage({
            index,
            lo: ranges[index]![0],
            hi: ranges[index]![1],
          } satisfies ChainWorkerRequest);
        };
        job = {
          reply(worker, message) {
            running--;
            results[message.index] = message.result ?? null;
            if (!message.result || !goOn(message.result)) stopped = true;
            hand(worker);
          },
          fail() {
            job = null;
            resolve(undefined);
          },
        };
        for (const worker of workers) hand(worker);
      });
    },
    close() {
      failed = true;
      // Not waited for: the answer is in, and a thread winding down holds up nobody.
      for (const worker of workers) void worker.terminate();
    },
  };
}
