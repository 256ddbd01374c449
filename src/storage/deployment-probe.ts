/**
 * What `taskgate doctor` asks of the database, read-only: does it answer, which migrations
 * are pending, the server's clock (PostgreSQL), and the webhook endpoints if that table
 * exists. Opens without migrating and, for SQLite, without creating the file.
 */
import { sql } from 'kysely';
import { type DatabaseKind, openDatabase } from './connect.js';
import { pendingMigrations } from './migrations/index.js';

export interface DeploymentProbe {
  readonly kind: DatabaseKind;
  /** The SQLite file, when the database is one. */
  readonly sqliteFile?: string;
  readonly pending: readonly string[];
  /** PostgreSQL's `now()` as this process read it; undefined on SQLite (same clock). */
  readonly serverTime?: Date;
  /** When the probe was sent, for the skew (half the round trip is the error). */
  readonly askedAt?: Date;
  /** URLs of the webhook endpoints; undefined when no webhook table exists yet. */
  readonly webhookUrls?: readonly string[];
}

const WEBHOOK_TABLE = 'webhook_endpoints';

export async function probeDeployment(url: string, connectMs: number): Promise<DeploymentProbe> {
  const handle = await openDatabase(url, {
    create: false,
    timeouts: { connectMs, statementMs: 10_000, idleInTransactionMs: 10_000 },
  });
  try {
    const pending = await pendingMigrations(handle.db);
    let serverTime: Date | undefined;
    let askedAt: Date | undefined;
    if (handle.kind === 'postgres') {
      askedAt = new Date();
      const rows = await sql<{ now: Date }>`select now() as now`.execute(handle.db);
      serverTime = new Date(rows.rows[0]!.now);
    }
    const tables = await handle.db.introspection.getTables();
    let webhookUrls: string[] | undefined;
    if (tables.some((table) => table.name === WEBHOOK_TABLE)) {
      try {
        const rows = await sql<{ url: string }>`select url from ${sql.table(WEBHOOK_TABLE)}`.execute(
          handle.db,
        );
        webhookUrls = rows.rows.map((row) => row.url);
      } catch {
        // A table of another shape than this code knows: nothing to check.
      }
    }
    return {
      kind: handle.kind,
      ...(handle.sqliteFile && { sqliteFile: handle.sqliteFile }),
      pending,
      ...(serverTime && { serverTime, askedAt }),
      ...(webhookUrls && { webhookUrls }),
    };
  } finally {
    await handle.close();
  }
}
