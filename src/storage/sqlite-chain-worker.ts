/**
 * A worker thread of the bulk chain check on SQLite (sqlite-chain-workers.ts starts it): it
 * opens the database read-only and checks the seq ranges it is handed, one at a time, by
 * the chain's own check (`checkGroups` over `chainGroups`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type ChunkCheck, chainDigest, chainGroups, checkGroups, type RowGroup } from '../chain/index.js';

/** What the starting thread hands over: the rows to read, the SQL of a group, the pins. */
export interface ChainWorkerData {
  readonly file: string;
  readonly sql: string;
  readonly groupRows: number;
  readonly busyTimeoutMs: number;
  readonly chain: string;
  readonly workspaceId: string | null;
  readonly afterSeq: number;
  readonly pinned: readonly number[];
}

/** A range lo < seq ≤ hi to check, and the answer. */
export interface ChainWorkerRequest {
  readonly index: number;
  readonly lo: number;
  readonly hi: number;
}
export interface ChainWorkerReply {
  readonly index: number;
  readonly result?: ChunkCheck;
  readonly error?: string;
}

const port = parentPort;
if (!port) throw new Error('the chain check runs as a worker thread');
const data = workerData as ChainWorkerData;
const db = new Database(data.file, { readonly: true, fileMustExist: true, timeout: data.busyTimeoutMs });
const statement = db.prepare(data.sql).raw();
const { chain, workspaceId, afterSeq, groupRows } = data;
const pinned = new Set(data.pinned);
const group = (from: number, to: number) => statement.get(chain, workspaceId, afterSeq, from, to) as RowGroup;

port.on('message', ({ index, lo, hi }: ChainWorkerRequest) => {
  let reply: ChainWorkerReply;
  try {
    reply = { index, result: checkGroups(chainGroups(group, lo, hi, groupRows), pinned, chainDigest) };
  } catch (error) {
    reply = { index, error: String((error instanceof Error && error.message) || error) };
  }
  port.postMessage(reply);
});
