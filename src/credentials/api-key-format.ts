/**
 * SECURITY CONTRACT — the API key format `tg_<env>_<random>_<checksum>`.
 *
 * - `env` is `dev`, `stg` or `prod`, so a key says where it belongs before any lookup.
 * - `random` is 30 base62 characters drawn uniformly from the CSPRNG: 178 bits.
 * - `checksum` is the CRC32 of everything before it (`tg_<env>_<random>`), in base62,
 *   6 characters, zero-padded. Secret scanners can recognise and validate a key offline,
 *   and a mistyped key is refused without a database lookup.
 *
 * Pure: randomness comes in. The format is pinned by golden vectors in the tests; changing
 * it invalidates every key ever issued.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Environment } from '../config/index.js';
import { err, ok, type Random, type Result } from '../core/index.js';

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const KEY_RANDOM_LENGTH = 30;
export const KEY_CHECKSUM_LENGTH = 6;

export const KEY_ENV_CODES = {
  development: 'dev',
  staging: 'stg',
  production: 'prod',
} as const satisfies Record<Environment, string>;
export type KeyEnvCode = (typeof KEY_ENV_CODES)[Environment];

const ENV_BY_CODE: Record<string, Environment> = { dev: 'development', stg: 'staging', prod: 'production' };

/**
 * Finds candidate keys in text (for `taskgate scan`); each match still needs `parseApiKey`.
 * SECURITY: no word boundaries. A key glued to other characters (`%3Dtg_…` in a URL,
 * `xtg_…`, a key followed by more letters) is still a leaked key; the checksum, not the
 * surroundings, decides whether a candidate is one.
 */
export const API_KEY_PATTERN = /tg_(?:dev|stg|prod)_[0-9A-Za-z]{30}_[0-9A-Za-z]{6}/g;

const SHAPE = /^tg_(dev|stg|prod)_([0-9A-Za-z]{30})_([0-9A-Za-z]{6})$/;

export interface ParsedApiKey {
  readonly environment: Environment;
  readonly key: string;
}

export type ApiKeyParseFailure = 'malformed' | 'bad_checksum';

export function checksumOf(body: string): string {
  let value = crc32(body) >>> 0;
  let out = '';
  for (let i = 0; i < KEY_CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62]! + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** Uniform base62 characters by rejection sampling (bytes ≥ 248 are redrawn: no modulo bias). */
function randomBase62(random: Random, length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of random.bytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export function generateApiKey(environment: Environment, random: Random): string {
  const body = `tg_${KEY_ENV_CODES[environment]}_${randomBase62(random, KEY_RANDOM_LENGTH)}`;
  return `${body}_${checksumOf(body)}`;
}

export function parseApiKey(value: string): Result<ParsedApiKey, ApiKeyParseFailure> {
  const match = SHAPE.exec(value);
  if (!match) return err('malformed');
  const body = value.slice(0, value.length - KEY_CHECKSUM_LENGTH - 1);
  if (checksumOf(body) !== match[3]) return err('bad_checksum');
  return ok({ environment: ENV_BY_CODE[match[1]!]!, key: value });
}

/** What may be shown of a key after creation: `tg_prod_AbCd…wxyz`. */
export function displayPrefix(key: string): string {
  const env = key.split('_')[1] ?? '';
  return `tg_${env}_${key.slice(4 + env.length, 8 + env.length)}`;
}

export function lastFour(key: string): string {
  return key.slice(-4);
}

/** Keys are stored only as this digest; a key is found by hashing what the client sent. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
