/**
 * Canary secrets for leak tests, generated at run time (no secret is ever committed): each
 * in a shape the redaction knows (Taskgate keys, a JWT, `sk_live_`, `ghp_`, `AKIA`) or
 * cannot know (passwords, session cookies), with a random run — the needle — to search for
 * in whatever the server stored or logged; and readers for what an SQLite server left behind.
 */
import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { cryptoRandom } from '../../src/core/index.js';
import { BASE62, generateApiKey } from '../../src/credentials/index.js';

const pick = (alphabet: string, n: number) =>
  Array.from(cryptoRandom.bytes(n), (byte) => alphabet[byte % alphabet.length]).join('');
const b62 = (n: number) => pick(BASE62, n);
const b64url = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');

export interface Canary {
  readonly label: string;
  readonly value: string;
  /** A random run inside the value: found even in a truncated or re-encoded copy. */
  readonly needle: string;
  /** Typed by a user into content (title, description, reason): may live in content tables. */
  readonly content: boolean;
}

export type Shape = () => { value: string; needle: string };

export const shapes = {
  /** Valid checksum, minted for production (test servers serve development). */
  foreignKey: () => {
    const value = generateApiKey('production', cryptoRandom);
    return { value, needle: value.slice(8, 38) };
  },
  badChecksumKey: () => {
    const good = generateApiKey('development', cryptoRandom);
    const value = `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`;
    return { value, needle: value.slice(7, 37) };
  },
  jwt: () => {
    // The random run sits early in the payload, so a copy cut at 64 characters still holds it.
    const payload = b64url(JSON.stringify({ sub: b62(24), iat: 1_790_000_000 }));
    return { value: `${b64url('{"alg":"HS256"}')}.${payload}.${b62(43)}`, needle: payload.slice(12, 36) };
  },
  stripeKey: () => {
    const random = b62(24);
    return { value: `sk_live_${random}`, needle: random };
  },
  githubToken: () => {
    const random = b62(36);
    return { value: `ghp_${random}`, needle: random };
  },
  awsKeyId: () => {
    const random = pick('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', 16);
    return { value: `AKIA${random}`, needle: random };
  },
  password: () => {
    const random = b62(18);
    return { value: `canary horse ${random} staple`, needle: random };
  },
  sessionCookie: () => {
    const value = b64url(cryptoRandom.bytes(32));
    return { value, needle: value };
  },
} satisfies Record<string, Shape>;

/** Every canary planted in one test run, by label. */
export function createCanaries() {
  const planted: Canary[] = [];
  return {
    planted,
    /** A fresh canary of `shape`, remembered under `label`. */
    canary(label: string, shape: Shape, content = false): string {
      const { value, needle } = shape();
      planted.push({ label, value, needle, content });
      return value;
    },
    /** A secret the server handed out (a session, a confirmation token): never stored either. */
    real(label: string, value: string): string {
      planted.push({ label, value, needle: value, content: false });
      return value;
    },
    value: (label: string) => planted.find((c) => c.label === label)!.value,
  };
}

/** Case-insensitive: a lowercased copy (emails are lowercased) is still the secret. */
export const holds = (text: string, c: Canary) => text.toLowerCase().includes(c.needle.toLowerCase());

/** The database file, its write-ahead log and shared memory, as text (latin1, byte for byte). */
export const readSqliteFiles = (path: string) =>
  ['', '-wal', '-shm'].map((suffix) =>
    existsSync(`${path}${suffix}`) ? readFileSync(`${path}${suffix}`).toString('latin1') : '',
  );

/** Every row of every table, read over SQL. */
export function dumpSqliteTables(path: string): Record<string, Record<string, unknown>[]> {
  const db = new Database(path, { readonly: true });
  try {
    const names = db
      .prepare("select name from sqlite_master where type = 'table' order by name")
      .pluck()
      .all() as string[];
    return Object.fromEntries(
      names.map((name) => [name, db.prepare(`select * from "${name}"`).all() as Record<string, unknown>[]]),
    );
  } finally {
    db.close();
  }
}
