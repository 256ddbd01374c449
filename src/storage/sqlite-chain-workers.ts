/**
 * Worker threads for the bulk chain check on SQLite: each opens the database read-only and
 * checks the seq ranges it is handed (`checkGroups` over `chainGroups`), one at a time, so
 * the chain is checked on every CPU.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { type ChunkCheck, checkGroups, type RowGroup } from './chain-check.js';

/** Which rows: the chain, its workspace id (null for `*`), after which seq; and the pins. */
export interface ChainQuery {
  readonly chain: string;
  readonly workspaceId: string | null;
  readonly afterSeq: number;
  readonly pinned: readonly number[];
}

/**
 * The groups of rows lo < x ≤ hi, `groupRows` at a time (the last group may be larger than
 * a step when `groupRows` is the whole range). Self-contained: workers run it from source.
 */
export function* chainGroups(
  group: (lo: number, hi: number) => RowGroup,
  lo: number,
  hi: number,
  groupRows: number,
): Generator<RowGroup> {
  for (let at = lo; at < hi; at += groupRows) yield group(at, Math.min(hi, at + groupRows));
}

/**
 * Whether the ranges after this one are worth checking: not after an irregular one, nor
 * after an empty one (its rows are missing).
 */
export const goOn = (check: ChunkCheck): boolean => check.regular && check.count > 0;

// Plain CommonJS run by `new Worker(…, { eval: true })`: no separate file to build or resolve.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { hash } = require('node:crypto');
const Database = require(workerData.driverPath);
const checkGroups = (${checkGroups.toString()});
const chainGroups = (${chainGroups.toString()});
const db = new Database(workerData.file, { readonly: true, fileMustExist: true, timeout: workerData.busyTimeoutMs });
const statement = db.prepare(workerData.sql).raw();
const { chain, workspaceId, afterSeq, groupRows } = workerData;
const pinned = new Set(workerData.pinned);
const digest = (bytes) => hash('sha256', bytes, 'hex');
const group = (from, to) => statement.get(chain, workspaceId, afterSeq, from, to);
parentPort.on('message', ({ index, lo, hi }) => {
  try {
    parentPort.postMessage({ index, result: checkGroups(chainGroups(group, lo, hi, groupRows), pinned, digest) });
  } catch (error) {
    parentPort.postMessage({ index, error: String((error && error.message) || error) });
  }
});
`;

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
  const workerData = {
    ...query,
    ...options,
    driverPath: createRequire(import.meta.url).resolve('better-sqlite3'),
  };
  const workers = Array.from({ length: count }, () => new Worker(WORKER_SOURCE, { eval: true, workerData }));
  let failed = false;
  let job: {
    reply(worker: Worker, message: { index: number; result?: ChunkCheck }): void;
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
          worker.postMessage({ index, lo: ranges[index]![0], hi: ranges[index]![1] });
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
