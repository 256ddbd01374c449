/**
 * Opening a SQLite file so that every way it can go wrong names the file: a missing file
 * that may not be created, a file that is not a database or is damaged, a directory that
 * cannot be written. Each becomes one `invalid_input` AppError (a setting or file for a
 * person to fix: exit 2 from the CLI); anything else stays `unavailable`, still named.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { AppError } from '../core/index.js';

export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export interface OpenedSqlite {
  readonly connection: SQLite.Database;
  /** True when this call created the file. */
  readonly created: boolean;
}

/** Opens `file`; creates it (and its directory) only when missing and `create` allows. */
export function openSqliteFile(file: string, create: boolean): OpenedSqlite {
  const path = resolve(file);
  const missing = !existsSync(path);
  if (missing && !create) throw new AppError('invalid_input', `no such database: ${path}`);
  if (missing) makeDirectory(path);
  let connection: SQLite.Database | undefined;
  try {
    // fileMustExist for a file that was there: should it vanish meanwhile, fail rather than
    // silently start a new, empty database in its place.
    connection = new SQLite(path, { timeout: SQLITE_BUSY_TIMEOUT_MS, fileMustExist: !missing });
    configureSqlite(connection);
    // Reads the schema: a file whose header survived but whose pages did not fails here,
    // once, with its name, rather than in the middle of some later query.
    connection.prepare('select count(*) from sqlite_master').get();
  } catch (error) {
    connection?.close();
    throw toSqliteOpenError(path, error, missing ? 'create' : 'open');
  }
  return { connection, created: missing };
}

export function configureSqlite(connection: SQLite.Database): void {
  connection.pragma('journal_mode = WAL');
  // FULL: a committed write (and later its audit row) survives power loss, not just a crash.
  connection.pragma('synchronous = FULL');
  connection.pragma('foreign_keys = ON');
}

function makeDirectory(file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (error) {
    const reason = notWritable(dirname(file), error);
    throw new AppError('invalid_input', `cannot create database ${file}: ${reason}`, { cause: error });
  }
}

const DAMAGED = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

/**
 * The error a person can act on for a SQLite file that failed to open or read. Exported
 * for the migration step, which is the first to read most of the file.
 */
export function toSqliteOpenError(file: string, error: unknown, verb: 'open' | 'create' = 'open'): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown }).code;
  const reason = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && DAMAGED.has(code)) {
    return new AppError(
      'invalid_input',
      `database ${file} is not a usable SQLite database (${reason}); restore it from a backup or pass another --db`,
      { cause: error },
    );
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    const directory = dirname(file);
    const message = isDirectory(file)
      ? `cannot open database ${file}: it is a directory; name a file in it, e.g. ${file}/taskgate.db`
      : isWritable(directory)
        ? `cannot ${verb} database ${file} (${reason})`
        : `cannot ${verb} database ${file}: ${notWritable(directory)}`;
    return new AppError('invalid_input', message, { cause: error });
  }
  return new AppError('unavailable', `cannot ${verb} database ${file} (${reason})`, { cause: error });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isWritable(directory: string): boolean {
  try {
    accessSync(directory, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function notWritable(directory: string, error?: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return `directory ${directory} cannot be created: a file is in its way (${code})`;
  }
  return `directory ${directory} is not writable${typeof code === 'string' ? ` (${code})` : ''}`;
}
