/** The audit log as the repository stores it: appending to a chain, reading and checking it. */

import type { ChainedRow, ChainSummary, ChainValues } from '../chain/index.js';
import type { AuditEvent } from '../model/index.js';
import type { AuditCheckpoint, ChainHead, SigningKeyRecord, StoredChainHead } from './checkpoint-ports.js';

export interface AuditQuery {
  /** One event by id (the Activity detail view); still within the workspace asked for. */
  readonly id?: string;
  readonly credentialId?: string;
  readonly credentialName?: string;
  readonly memberId?: string;
  readonly tool?: string;
  readonly action?: string;
  readonly outcome?: string;
  readonly ip?: string;
  /** Inclusive lower and exclusive upper bound on `occurredAt` (ISO-8601). */
  readonly since?: string;
  readonly until?: string;
  /** Keyset paging: events whose id sorts before (newest first) or after (oldest first) this one. */
  readonly cursor?: string;
  /** `desc` (default): newest first. */
  readonly order?: 'desc' | 'asc';
  readonly limit: number;
}

export interface AuditRepository {
  /**
   * Appends the event to its workspace's hash chain (locking the chain's head for the rest
   * of the transaction) and returns where it landed. Call it inside a transaction.
   */
  insert(event: AuditEvent): Promise<ChainHead>;
  /** Events of one workspace (or the workspace-less ones, `null`) matching every filter given. */
  list(workspaceId: string | null, query: AuditQuery): Promise<AuditEvent[]>;
  /** The head of every chain (or of one). */
  heads(chain?: string): Promise<StoredChainHead[]>;
  /** The chain's head, locked for the rest of the transaction (as `insert` locks it). */
  lockedHead(chain: string): Promise<StoredChainHead>;
  /** Stored rows of a chain in `seq` order, after `afterSeq`: what a verifier recomputes. */
  chainRows(chain: string, afterSeq: number, limit: number): Promise<ChainedRow[]>;
  insertCheckpoint(checkpoint: AuditCheckpoint): Promise<void>;
  checkpoints(chain?: string): Promise<AuditCheckpoint[]>;
  lastCheckpoint(chain: string): Promise<AuditCheckpoint | undefined>;
  signingKeys(): Promise<SigningKeyRecord[]>;
  /** Records a key the first time it signs; one already recorded is left as it is. */
  addSigningKey(key: SigningKeyRecord): Promise<void>;
  /** `occurred_at` of the chain's events at the given seqs (those that exist). */
  eventTimes(chain: string, seqs: readonly number[]): Promise<Map<number, string>>;
  /** Removes a chain's events up to and including `throughSeq` (retention); returns how many. */
  prune(chain: string, throughSeq: number): Promise<number>;
  /**
   * The stored rows of a chain after `afterSeq` in `seq` order, handed to `onPage` `pageSize`
   * at a time (the pages `chainRows` would return), each row as its values in
   * CHAIN_SCAN_COLUMNS order: what a verifier recomputes over millions of rows, without an
   * object per row. `onPage` returning (or resolving to) false stops the scan.
   */
  scanChain(
    chain: string,
    afterSeq: number,
    pageSize: number,
    onPage: (rows: readonly ChainValues[]) => unknown,
  ): Promise<void>;
  /**
   * Checks a chain's rows after `afterSeq` in bulk, as a verifier would one by one: each row's
   * seq is one more than its predecessor's, its prev_hash is its predecessor's hash, and its
   * hash is its content's (`eventHash`). Returns the count, the first and last link and the
   * stored hashes at the `pinned` seqs — or null as soon as any row breaks that pattern, and
   * the caller reads the chain row by row (`scanChain`) to say where and how. On SQLite files
   * the work is spread over worker threads.
   */
  summarizeChain(chain: string, afterSeq: number, pinned: readonly number[]): Promise<ChainSummary | null>;
  /**
   * Why the audit table itself cannot be trusted to show what its verified rows hold, or null.
   * On SQLite the columns are read out of each row's hashed `body` by the table's definition,
   * so a changed definition is damage no hash shows.
   */
  tableDamage(): Promise<string | null>;
}
