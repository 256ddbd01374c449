import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { ensureSecretKey } from './secret-key.js';

const configIn = (dataDir: string, env: Record<string, string> = {}) =>
  loadConfig({ env: { TASKGATE_DATA_DIR: dataDir, ...env } });

describe('ensureSecretKey', () => {
  it('generates a 0600 key file once and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskgate-secret-'));
    const first = ensureSecretKey(configIn(dir));
    const second = ensureSecretKey(configIn(dir));
    expect(first.secretKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second.secretKey).toBe(first.secretKey);
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'secret.key'), 'utf8').trim()).toBe(first.secretKey);
  });

  it('uses the configured secret and writes no file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskgate-secret-'));
    const secret = 'x'.repeat(40);
    expect(ensureSecretKey(configIn(dir, { TASKGATE_SECRET_KEY: secret })).secretKey).toBe(secret);
    expect(() => statSync(join(dir, 'secret.key'))).toThrow();
  });

  it('refuses to start on a truncated key file instead of using a weak secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskgate-secret-'));
    writeFileSync(join(dir, 'secret.key'), '\n', { mode: 0o600 });
    expect(() => ensureSecretKey(configIn(dir))).toThrow(/shorter than 32/);
  });
});
