/**
 * A fingerprint of every table: its row count and a SHA-256 over its rows in a stable
 * order. Two equal fingerprints mean nothing was written in between. Read through a
 * second connection, as any outside observer would.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { MIGRATIONS, openDatabase } from '../../src/storage/index.js';

/**
 * The tables that record calls rather than data: the audit log's own (every call, a dry run
 * included, adds to them) and the anomaly rules' (each call updates its key's baseline, and
 * may raise an alert).
 */
export const AUDIT_TABLES = [
  'audit_events',
  'audit_heads',
  'audit_checkpoints',
  'key_baselines',
  'alerts',
] as const;

export type TableFingerprints = Record<string, { rows: number; sha256: string }>;

export async function fingerprintTables(
  databaseUrl: string,
  options: { except?: readonly string[] } = {},
): Promise<TableFingerprints> {
  const handle = await openDatabase(databaseUrl);
  try {
    const tables =
      handle.kind === 'sqlite'
        ? await sql<{
            name: string;
          }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(
            handle.db,
          )
        : await sql<{
            name: string;
          }>`select table_name as name from information_schema.tables where table_schema = current_schema() order by table_name`.execute(
            handle.db,
          );
    const result: TableFingerprints = {};
    for (const { name } of tables.rows) {
      if (options.except?.includes(name) || name.startsWith('kysely_')) continue;
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(handle.db);
      const lines = rows.rows.map((row) => JSON.stringify(row)).sort();
      result[name] = {
        rows: lines.length,
        sha256: createHash('sha256').update(lines.join('\n')).digest('hex'),
      };
    }
    if (Object.keys(result).length < Object.keys(MIGRATIONS).length) throw new Error('no tables found');
    return result;
  } finally {
    await handle.close();
  }
}
