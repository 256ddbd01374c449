/** The write budget's ledger, and what a write reads under its locks (write-usage.ts). */
import type {
  ApiKeyRecord,
  AuditEvent,
  Comment,
  Member,
  Workspace,
  WorkspacePolicyRecord,
  WriteUsage,
} from '../model/index.js';
import type { ChainHead } from './checkpoint-ports.js';

/** What a write's checks read again under its locks (src/guard/write-recheck.ts). */
export interface WriterState {
  /** The key with its workspace and member; undefined once the key is gone or its member removed. */
  readonly owned:
    | { readonly key: ApiKeyRecord; readonly workspace: Workspace; readonly member: Member }
    | undefined;
  readonly policy: WorkspacePolicyRecord | undefined;
}

export interface WriteUsageRepository {
  /**
   * Inside a transaction, before a write's first read: waits for, then holds until commit,
   * the credential's ledger, so that a budget check and the insert after it are never
   * interleaved with another's; and holds off any freeze of the workspace and any change to
   * its keys' rights, which wait for the write to commit (a write after them sees them).
   * Then reads what those locks keep still: the key as the write's checks see it, and the
   * policy. In a group of the key's writes (postgres-groups.ts) a member whose transaction
   * holds the locks already gets what the first read, since none of it could change since.
   */
  lockForWrite(workspaceId: string, credentialId: string): Promise<WriterState>;
  /**
   * Appends `usage`; returns what the credential used since `since`, `usage` included. The
   * write's audit `comments` go in with it (one statement on PostgreSQL: a round trip fewer
   * while the credential's lock is held). So may its audit `event`, where the store can place
   * it in the same statement (PostgreSQL, after the chain head this process last committed,
   * if it still is the head): then `placed` says where it landed. Without `placed` nothing of
   * the event was written, and the caller records it the usual way.
   */
  insert(
    usage: WriteUsage,
    since: string,
    comments?: readonly Comment[],
    event?: AuditEvent,
  ): Promise<{ writes: number; deletes: number; placed?: ChainHead }>;
  /** Objects written and deleted by the credential since `since`. */
  sumSince(credentialId: string, since: string): Promise<{ writes: number; deletes: number }>;
}
