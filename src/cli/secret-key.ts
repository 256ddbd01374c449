/**
 * The instance secret (root of HMAC and signing keys). Taken from configuration when set;
 * otherwise read from, or generated once into, `<data dir>/secret.key` with mode 0600.
 * SECURITY: generated from the OS CSPRNG, never logged, never printed.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/index.js';

export function ensureSecretKey(config: Config): Config {
  if (config.secretKey) return config;
  const file = join(config.dataDir, 'secret.key');
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(config.dataDir, { recursive: true });
    secret = randomBytes(32).toString('base64url');
    // 'wx': never overwrite a key another process wrote a moment ago.
    try {
      writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    } catch {
      secret = readFileSync(file, 'utf8').trim();
    }
  }
  return Object.freeze({ ...config, secretKey: secret });
}
