/** The kysely implementation of the Store port, the same code for SQLite and PostgreSQL. */
import { type Kysely, sql } from 'kysely';
import { chainOf } from '../../chain/index.js';
import { AppError } from '../../core/index.js';
import type { AuditEvent } from '../../model/index.js';
import { type DatabaseHandle, type DatabaseKind, SQLITE_BUSY_TIMEOUT_MS } from '../connect.js';
import { pendingMigrations } from '../migrations/index.js';
import type { Repositories, Store, TransactionOptions } from '../ports.js';
import type { Database } from '../schema.js';
import { startSqliteAuditWriter } from '../sqlite-audit-writer.js';
import type { RawSqlite } from '../sqlite-chain-check.js';
import {
  createAlertRepository,
  createKeyBaselineRepository,
  createKeySuspensionRepository,
} from './anomaly.js';
import { createAuditRepository, toAuditRow } from './audit.js';
import { appendAuditBatch } from './audit-batch.js';
import { appendAfterKnownHead, createHeadHints, type HeadHints } from './audit-known-head.js';
import { createAuthEpochReader } from './auth-epoch.js';
import { createCommentRepository, createTimeEntryRepository } from './comments-time.js';
import { createApiKeyRepository } from './keys-audit.js';
import { createMonitoringSettingsRepository } from './monitoring-settings.js';
import {
  createDeliveryRepository,
  createJobRepository,
  createNotifyCursorRepository,
  createWebhookRepository,
} from './notify.js';
import { createOAuthModelRepository, createOAuthRegistrationRepository } from './oauth-models.js';
import { createPendingActionRepository } from './pending-actions.js';
import { createPolicyRepository } from './policies.js';
import { createKeyedGroups, type GroupScope, newScope } from './postgres-groups.js';
import { createProjectRepository } from './projects.js';
import { createSessionRepository, createSignInRepository } from './sessions.js';
import { createGroupTransactions, createWriteTurns } from './sqlite-turns.js';
import { createTaskRepository } from './tasks.js';
import { createUsageRepository } from './usage.js';
import { createMemberRepository, createWorkspaceRepository } from './workspace-members.js';
import { createWriteUsageRepository, insertWithEventAfterHead } from './write-usage.js';

/**
 * `repos` of one transaction whose audit inserts note the head each one moved to, in
 * `scope.moved` (learnt by `hints` once the transaction commits). With a head this process
 * knows, an event goes in by one statement that moves the head only if it is still there — a
 * write's event with its ledger row (write-usage.ts) — else it locks and reads the head as
 * always (audit.ts), in the same transaction either way. In a group of one key's writes
 * (postgres-groups.ts), `scope.locked` holds, by credential, what `lockForWrite` read when the
 * group's transaction took that credential's write locks, which it still holds.
 */
function tracked(
  trx: Kysely<Database>,
  repos: Repositories,
  hints: HeadHints | undefined,
  { moved, stale, locked }: GroupScope,
): Repositories {
  const { audit, writeUsage } = repos;
  // A head this transaction moved is where the next event goes: it holds that row to its
  // commit. Else the one this process knows, unless the transaction found it moved (`stale`):
  // then the event goes the locked way.
  const knownHead = (chain: string) =>
    hints &&
    (moved.findLast((m) => m.chain === chain) ?? (stale.has(chain) ? undefined : hints.known(chain)));
  const insert: Repositories['audit']['insert'] = async (event) => {
    const chain = chainOf(event.workspaceId);
    // A second event of the chain in this transaction goes after the first.
    const head = knownHead(chain);
    const fast = head && (await appendAfterKnownHead(trx, chain, head, [event]));
    if (head && !fast) hints?.missed(chain);
    const placed = fast?.[0] ?? (await audit.insert(event));
    moved.push(placed);
    return placed;
  };
  // The write's event with its ledger row, if its head is known: one round trip fewer. A miss
  // costs no statement here (the ledger row goes in either way), so it does not send the chain's
  // next writes the locked way as a miss of a statement of its own does: under a key's lock the
  // usual miss is the previous write's commit, not yet learnt (docs/benchmarks.md, session 24).
  const insertUsage: Repositories['writeUsage']['insert'] = async (usage, since, comments = [], event) => {
    const chain = event && chainOf(event.workspaceId);
    const head = chain && knownHead(chain);
    if (!event || !chain || !head) return writeUsage.insert(usage, since, comments);
    const result = await insertWithEventAfterHead(trx, usage, since, comments, event, head);
    if (result.placed) moved.push(result.placed);
    else stale.add(chain);
    return result;
  };
  const lockForWrite: Repositories['writeUsage']['lockForWrite'] = async (workspaceId, credentialId) => {
    const held = locked.get(credentialId);
    if (held) return held;
    const state = await writeUsage.lockForWrite(workspaceId, credentialId);
    locked.set(credentialId, state);
    return state;
  };
  return {
    ...repos,
    audit: { ...audit, insert },
    writeUsage: { ...writeUsage, insert: insertUsage, lockForWrite },
  };
}

function createRepositories(db: Kysely<Database>, kind: DatabaseKind, sqlite?: RawSqlite): Repositories {
  return {
    workspaces: createWorkspaceRepository(db),
    members: createMemberRepository(db, kind),
    projects: createProjectRepository(db),
    tasks: createTaskRepository(db, kind),
    comments: createCommentRepository(db),
    timeEntries: createTimeEntryRepository(db),
    apiKeys: createApiKeyRepository(db, kind),
    audit: createAuditRepository(db, kind, sqlite),
    pendingActions: createPendingActionRepository(db),
    writeUsage: createWriteUsageRepository(db, kind),
    policies: createPolicyRepository(db, kind),
    sessions: createSessionRepository(db),
    signIn: createSignInRepository(db),
    oauthModels: createOAuthModelRepository(db),
    oauthRegistrations: createOAuthRegistrationRepository(db, kind),
    usage: createUsageRepository(db),
    monitoringSettings: createMonitoringSettingsRepository(db, kind),
    keyBaselines: createKeyBaselineRepository(db, kind),
    alerts: createAlertRepository(db),
    keySuspensions: createKeySuspensionRepository(db),
    webhooks: createWebhookRepository(db, kind),
    deliveries: createDeliveryRepository(db),
    notifyCursor: createNotifyCursorRepository(db),
    jobs: createJobRepository(db),
  };
}

/** What a transaction committed without a disk sync may write (ports.ts, `deferSync`). */
const DERIVED: ReadonlySet<string> = new Set<keyof Repositories>(['keyBaselines']);

const unsynced = (name: string, method: string | symbol) =>
  new AppError('internal', `${name}.${String(method)} in a transaction committed without a disk sync`);

/** `repos` as they are, or, for `deferSync`, with every repository but the derived ones refusing. */
function derivedOnly(repos: Repositories, options: TransactionOptions | undefined): Repositories {
  if (!options?.deferSync) return repos;
  const refusing = (name: string) =>
    new Proxy(
      {},
      {
        // Not thenable: awaiting the repository itself must not hang.
        get: (_, method) => (method === 'then' ? undefined : () => Promise.reject(unsynced(name, method))),
      },
    );
  const entries = Object.entries(repos).map(([name, repo]) => [
    name,
    DERIVED.has(name) ? repo : refusing(name),
  ]);
  return Object.fromEntries(entries) as Repositories;
}

export function createKyselyStore(handle: DatabaseHandle): Store {
  const { db } = handle;
  // Raw reads take kysely's connection in turn; inside a transaction it is already ours.
  const sqlite: RawSqlite | undefined = handle.rawSqlite && {
    connection: handle.rawSqlite,
    file: handle.sqliteFile,
    exclusive: (read) => db.connection().execute(async () => read()),
  };
  const inTransaction = sqlite && { ...sqlite, exclusive: async <T>(read: () => T) => read() };
  // SQLite: this process's writers take turns, and write transactions commit in groups.
  const turns = sqlite && createWriteTurns();
  const grouped = turns && createGroupTransactions(db, turns);
  // PostgreSQL: the audit heads this process committed last, so a batch can skip the lock.
  const hints = handle.kind === 'postgres' ? createHeadHints() : undefined;
  const keyed = hints && createKeyedGroups(db, hints);
  const transaction: Store['transaction'] = grouped
    ? (work, options) =>
        grouped(
          (trx) => work(derivedOnly(createRepositories(trx, handle.kind, inTransaction), options)),
          options?.deferSync === true,
        )
    : async (work, options) => {
        const inScope = (trx: Kysely<Database>, scope: GroupScope) =>
          work(
            derivedOnly(
              tracked(trx, createRepositories(trx, handle.kind, inTransaction), hints, scope),
              options,
            ),
          );
        if (keyed && options?.group !== undefined) return keyed(options.group, inScope);
        const scope = newScope();
        // PostgreSQL syncs in its own process, off this event loop; a `deferSync` commit is synced
        // there like any other (docs/benchmarks.md: turning it off did not pay under load).
        const result = await db.transaction().execute((trx) => inScope(trx, scope));
        // Only once committed: a rolled-back event moved no head.
        for (const head of scope.moved) hints?.committed(head);
        return result;
      };
  const started = handle.sqliteFile
    ? startSqliteAuditWriter(handle.sqliteFile, toAuditRow, SQLITE_BUSY_TIMEOUT_MS)
    : undefined;
  const writer = started &&
    turns && {
      ...started,
      append: (events: readonly AuditEvent[]) => turns.run(() => started.append(events)),
    };

  // One batch, one transaction: on PostgreSQL one statement if the batch is of one chain whose
  // head this process knows (audit-known-head.ts), else each chain's head locked once and the
  // rows in by one statement (audit-batch.ts); SQLite without a file (`:memory:`) row by row.
  const appendBatch = async (events: readonly AuditEvent[]) => {
    if (!hints) {
      await transaction(async (repos) => {
        for (const event of events) await repos.audit.insert(event);
      });
      return;
    }
    const first = events[0];
    if (!first) return;
    const chain = chainOf(first.workspaceId);
    const head = events.every((e) => chainOf(e.workspaceId) === chain) ? hints.known(chain) : undefined;
    let placed = head && (await appendAfterKnownHead(db, chain, head, events));
    if (head && !placed) hints.missed(chain);
    placed ??= await db.transaction().execute((trx) => appendAuditBatch(trx, events));
    for (const at of placed) hints.committed(at);
  };

  async function appendInTransactions(events: readonly AuditEvent[]): Promise<(Error | null)[]> {
    try {
      await appendBatch(events);
      return events.map(() => null);
    } catch {
      // One bad event must not fail its neighbours: each is tried again on its own.
      const results: (Error | null)[] = [];
      for (const event of events) {
        try {
          await transaction((repos) => repos.audit.insert(event));
          results.push(null);
        } catch (error) {
          results.push(error instanceof Error ? error : new Error(String(error)));
        }
      }
      return results;
    }
  }

  return {
    kind: handle.kind,
    authEpoch: createAuthEpochReader(db),
    ...createRepositories(db, handle.kind, sqlite),
    transaction,
    appendAudit: (events) => (writer ? writer.append(events) : appendInTransactions(events)),
    async ping() {
      await sql`select 1`.execute(db);
    },
    pendingMigrations: () => pendingMigrations(db),
    connectionUse: () => {
      const pool = handle.pool;
      if (!pool) return { total: 1, idle: 1, waiting: 0 };
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
    },
    async close() {
      await writer?.close();
      await handle.close();
    },
  };
}
