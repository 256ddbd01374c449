/**
 * The public URL `serve` runs with, remembered in the data dir (`public-url.json`) so that
 * commands run beside it (`keys create --client`, `members login-link`) print links and
 * client configs for the origin the server answers on, not the built-in default. An explicit
 * TASKGATE_PUBLIC_URL or --public-url always wins. The record names the database it belongs
 * to (without credentials): a CLI pointed at another database does not borrow it.
 * SECURITY: the file holds no secret; whoever can write it can also read `secret.key` beside it.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../config/index.js';

const FILE = 'public-url.json';

interface Remembered {
  readonly publicUrl: string;
  readonly database: string;
}

/** Written by `serve` once it listens; a failure is reported, never fatal. */
export function rememberPublicUrl(config: Config): { ok: true } | { ok: false; reason: string } {
  const record: Remembered = { publicUrl: config.publicUrl, database: databaseKey(config.databaseUrl) };
  const file = join(config.dataDir, FILE);
  try {
    mkdirSync(config.dataDir, { recursive: true });
    // Written whole, then renamed: a CLI never reads half a file.
    writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
    renameSync(`${file}.tmp`, file);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** The URL `serve` last ran with on this database, or undefined. */
export function recallPublicUrl(config: Pick<Config, 'dataDir' | 'databaseUrl'>): string | undefined {
  let parsed: Partial<Remembered>;
  try {
    parsed = JSON.parse(readFileSync(join(config.dataDir, FILE), 'utf8')) as Partial<Remembered>;
  } catch {
    return undefined;
  }
  if (typeof parsed?.publicUrl !== 'string' || parsed.database !== databaseKey(config.databaseUrl)) {
    return undefined;
  }
  return parsed.publicUrl;
}

/** The database a URL names, without a password and with a SQLite path made absolute. */
function databaseKey(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) {
    const path = databaseUrl.slice('sqlite:'.length);
    return `sqlite:${isAbsolute(path) ? path : resolve(path)}`;
  }
  return databaseUrl.replace(/\/\/[^@/]*@/, '//');
}
