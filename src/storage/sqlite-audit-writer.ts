/**
 * Group-committed audit rows on SQLite, written by a worker thread with its own connection
 * (sqlite-audit-writer-worker.ts). better-sqlite3 is synchronous, so a commit's disk sync
 * (synchronous = FULL) would stall the event loop for every request; here it stalls only
 * the worker. Each batch commits in one BEGIN IMMEDIATE transaction; if it fails, each row
 * is retried alone, so one bad row fails only its own request. A row is reported written only after its commit returned.
 */
import { Worker } from 'node:worker_threads';
import type { UnchainedRow } from '../chain/index.js';
import type { AuditEvent } from '../model/index.js';
import type { AuditWriterData, AuditWriterReply, AuditWriterRequest } from './sqlite-audit-writer-worker.js';
import { workerModule } from './worker-module.js';

/**
 * The writer's rows live for one batch, so a small young generation serves it as well as V8's
 * default, which grew its heap from 10 to 46 MB under load and kept it (docs/benchmarks.md,
 * issue 17). A young generation cap never fails an allocation: what outgrows it is promoted.
 */
const WRITER_YOUNG_GENERATION_MB = 8;

export interface AuditAppender {
  /** One entry per event: `null` when it is durable, else the error that kept it out. */
  append(events: readonly AuditEvent[]): Promise<(Error | null)[]>;
  close(): Promise<void>;
}

export function startSqliteAuditWriter(
  file: string,
  toRow: (event: AuditEvent) => UnchainedRow,
  busyTimeoutMs: number,
): AuditAppender {
  const worker = new Worker(workerModule('sqlite-audit-writer-worker', import.meta.url), {
    workerData: { file, busyTimeoutMs } satisfies AuditWriterData,
    resourceLimits: { maxYoungGenerationSizeMb: WRITER_YOUNG_GENERATION_MB },
  });
  worker.unref();
  const pending = new Map<
    number,
    { resolve(errors: (Error | null)[]): void; reject(error: unknown): void }
  >();
  let nextId = 0;
  let broken: Error | undefined;
  const failAll = (error: Error) => {
    broken = error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  worker.on('message', ({ id, errors }: AuditWriterReply) => {
    pending.get(id)?.resolve(errors.map((e) => (e === null ? null : new Error(e))));
    pending.delete(id);
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`audit writer stopped (exit ${code})`)));
  return {
    append(events) {
      if (broken) return Promise.reject(broken);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, rows: events.map(toRow) } satisfies AuditWriterRequest);
      });
    },
    close: async () => {
      await worker.terminate();
    },
  };
}
