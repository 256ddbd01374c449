/** The kysely implementation of the Store port, the same code for SQLite and PostgreSQL. */
import { type Kysely, sql } from 'kysely';
import type { AuditEvent } from '../../model/index.js';
import { type DatabaseHandle, type DatabaseKind, SQLITE_BUSY_TIMEOUT_MS } from '../connect.js';
import { pendingMigrations } from '../migrations/index.js';
import type { Repositories, Store } from '../ports.js';
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
import { createProjectRepository } from './projects.js';
import { createSessionRepository, createSignInRepository } from './sessions.js';
import { createGroupTransactions, createWriteTurns } from './sqlite-turns.js';
import { createTaskRepository } from './tasks.js';
import { createUsageRepository } from './usage.js';
import { createMemberRepository, createWorkspaceRepository } from './workspace-members.js';
import { createWriteUsageRepository } from './write-usage.js';

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
  const transaction: Store['transaction'] = grouped
    ? (work) => grouped((trx) => work(createRepositories(trx, handle.kind, inTransaction)))
    : (work) => db.transaction().execute((trx) => work(createRepositories(trx, handle.kind, inTransaction)));
  const started = handle.sqliteFile
    ? startSqliteAuditWriter(handle.sqliteFile, toAuditRow, SQLITE_BUSY_TIMEOUT_MS)
    : undefined;
  const writer = started &&
    turns && {
      ...started,
      append: (events: readonly AuditEvent[]) => turns.run(() => started.append(events)),
    };

  // One batch, one transaction: on PostgreSQL each chain's head is locked once and the rows
  // go in by one statement (audit-batch.ts); SQLite without a file (`:memory:`) goes row by row.
  const appendBatch = (events: readonly AuditEvent[]) =>
    handle.kind === 'postgres'
      ? db.transaction().execute((trx) => appendAuditBatch(trx, events))
      : transaction(async (repos) => {
          for (const event of events) await repos.audit.insert(event);
        });

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
