/**
 * The instance secret (root of HMAC and signing keys). Taken from configuration when set;
 * otherwise read from, or generated once into, `<data dir>/secret.key` with mode 0600.
 * Read-only commands only ever read it (`readSecretKey`): one run by mistake on a restored
 * data dir without its key must not create a new secret the database never knew.
 * SECURITY: generated from the OS CSPRNG, never logged, never printed.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { AppError } from '../core/index.js';

export function ensureSecretKey(config: Config): Config {
  if (config.secretKey) return config;
  const file = secretFile(config);
  const secret = readSecret(config.dataDir, file) ?? createSecretFile(config.dataDir, file);
  return withSecret(config, secret, file);
}

/**
 * The secret if there is one; never creates it. `missing` names the absent file, for a
 * refusal to say what to restore.
 */
export function readSecretKey(config: Config): { config: Config; missing?: string } {
  if (config.secretKey) return { config };
  const file = secretFile(config);
  const secret = readSecret(config.dataDir, file);
  return secret === null ? { config, missing: file } : { config: withSecret(config, secret, file) };
}

const secretFile = (config: Config) => join(config.dataDir, 'secret.key');

/** The file's secret, or null when there is no file. */
function readSecret(dataDir: string, file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw notWritable(dataDir, error);
    if (code !== 'ENOENT') throw unreadable(file, error);
    return null;
  }
}

function withSecret(config: Config, secret: string, file: string): Config {
  // Fail closed: a truncated or emptied key file must not become a weak secret.
  if (secret.length < MIN_SECRET_LENGTH) throw unreadable(file);
  return Object.freeze({ ...config, secretKey: secret });
}

const MIN_SECRET_LENGTH = 32;

function createSecretFile(dataDir: string, file: string): string {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw notWritable(dataDir, error);
  }
  const secret = randomBytes(32).toString('base64url');
  try {
    // 'wx': never overwrite a key another process wrote a moment ago; read theirs instead.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw notWritable(dataDir, error);
  }
}

/** The data dir, not the key file, is what a person has to fix (or TASKGATE_SECRET_KEY). */
function notWritable(dataDir: string, cause: unknown): AppError {
  const code = (cause as NodeJS.ErrnoException).code ?? 'error';
  const what =
    code === 'ENOTDIR' || code === 'EEXIST' ? 'cannot be created: a file is in its way' : 'is not writable';
  return new AppError(
    'invalid_input',
    `data directory ${resolve(dataDir)} ${what} (${code}); set TASKGATE_DATA_DIR or TASKGATE_SECRET_KEY`,
    { cause },
  );
}

function unreadable(file: string, cause?: unknown): AppError {
  return new AppError(
    'unavailable',
    `secret key file ${file} is unreadable or shorter than ${MIN_SECRET_LENGTH} characters`,
    { cause },
  );
}
