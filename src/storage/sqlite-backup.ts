/**
 * `taskgate backup`: a consistent copy of a SQLite database while a server uses it, through
 * SQLite's online backup API (better-sqlite3 `backup()`), never a file copy (which can catch
 * a page half written, or miss what still sits in the WAL). The source is opened read-only.
 * PostgreSQL is refused with the way to back it up instead (docs/deployment.md).
 */
import { existsSync, linkSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { AppError } from '../core/index.js';
import { databaseKind } from './connect.js';
import { SQLITE_BUSY_TIMEOUT_MS, toSqliteOpenError } from './sqlite-open.js';

export interface BackupOutcome {
  readonly database: 'sqlite';
  /** Absolute paths. */
  readonly source: string;
  readonly file: string;
  readonly bytes: number;
}

/**
 * The rest of the copy in one step once it started: a step reads one snapshot of the
 * database, so a server writing meanwhile cannot make the backup restart over and over (the
 * default of 100 pages per step restarts whenever another connection writes between steps).
 */
const PAGES_PER_STEP = 2 ** 30;

export async function backupDatabase(
  url: string,
  destination: string,
  options: { readonly force?: boolean } = {},
): Promise<BackupOutcome> {
  if (databaseKind(url) === 'postgres') {
    throw new AppError(
      'invalid_input',
      'backup: the database is PostgreSQL, which this command does not copy. Use pg_dump (or a base backup with WAL archiving for point-in-time recovery): see docs/deployment.md "Backups and restore".',
    );
  }
  const source = url.slice('sqlite:'.length);
  if (source === ':memory:') throw new AppError('invalid_input', 'backup: an in-memory database has no file');
  const from = resolve(source);
  const to = resolve(destination);
  if (to === from || to.startsWith(`${from}-`)) {
    throw new AppError('invalid_input', `backup: ${to} is the database itself (or its WAL)`);
  }
  if (!options.force && existsSync(to)) {
    throw new AppError('conflict', `backup: ${to} already exists; pass --force to replace it`);
  }
  if (!existsSync(dirname(to)))
    throw new AppError('invalid_input', `backup: no such directory: ${dirname(to)}`);
  if (!existsSync(from)) throw new AppError('invalid_input', `no such database: ${from}`);
  const connection = openReadOnly(from);
  // Written beside the destination and moved into place: a failed copy never replaces a good one.
  const scratch = scratchDirectory(to);
  const partial = join(scratch, basename(to));
  try {
    await connection.backup(partial, { progress: () => PAGES_PER_STEP });
    assertIntact(partial);
    if (options.force) renameSync(partial, to);
    else {
      // A link fails if the destination appeared meanwhile: never overwrite without --force.
      try {
        linkSync(partial, to);
      } catch (cause) {
        throw new AppError('conflict', `backup: ${to} already exists; pass --force to replace it`, { cause });
      }
    }
  } finally {
    connection.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  return { database: 'sqlite', source: from, file: to, bytes: statSync(to).size };
}

function scratchDirectory(destination: string): string {
  try {
    return mkdtempSync(join(dirname(destination), `.${basename(destination)}.partial-`));
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    throw new AppError('invalid_input', `backup: cannot write in ${dirname(destination)} (${String(code)})`, {
      cause,
    });
  }
}

/** A missing, foreign or damaged file is refused with its name, as on start-up. */
function openReadOnly(file: string): SQLite.Database {
  let connection: SQLite.Database | undefined;
  try {
    connection = new SQLite(file, { readonly: true, fileMustExist: true, timeout: SQLITE_BUSY_TIMEOUT_MS });
    connection.prepare('select count(*) from sqlite_master').get();
    return connection;
  } catch (error) {
    connection?.close();
    throw toSqliteOpenError(file, error, 'open');
  }
}

/** The copy is checked before it takes the destination's name. */
function assertIntact(file: string): void {
  const copy = new SQLite(file, { fileMustExist: true });
  try {
    const result = copy.pragma('quick_check', { simple: true });
    if (result !== 'ok')
      throw new AppError('unavailable', `backup: the copy failed its check: ${String(result)}`);
  } finally {
    copy.close();
  }
}
