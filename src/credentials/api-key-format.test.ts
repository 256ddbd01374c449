import { describe, expect, it } from 'vitest';
import { createSeededRandom, cryptoRandom } from '../core/index.js';
import {
  API_KEY_PATTERN,
  checksumOf,
  displayPrefix,
  generateApiKey,
  hashApiKey,
  lastFour,
  parseApiKey,
} from './api-key-format.js';

describe('API key format (security contract)', () => {
  // Vectors are assembled at run time so that no key-shaped literal sits in the repository
  // (our own `taskgate scan` would rightly flag it). Cross-checked with Python's zlib.crc32.
  const zeros = `tg_dev_${'0'.repeat(30)}`;
  const letters = `tg_prod_${'abcdefghijklmnopqrstuvwxyzABCD'}`;

  it('pins the checksum and hash with golden vectors', () => {
    // Changing either invalidates every key ever issued and every scanner rule.
    expect(checksumOf(zeros)).toBe('1oKDox');
    expect(checksumOf(letters)).toBe('2b5gBO');
    expect(hashApiKey(`${zeros}_1oKDox`)).toBe(
      '2a29ec2c6d06b808ee329b0ccc433c6c7aa0522fccd1cc461f9d8a99bb1156a6',
    );
    expect(parseApiKey(`${zeros}_1oKDox`).ok).toBe(true);
  });

  it('mints keys of the documented shape that parse back with their environment', () => {
    for (const environment of ['development', 'staging', 'production'] as const) {
      const key = generateApiKey(environment, cryptoRandom);
      expect(key).toMatch(/^tg_(dev|stg|prod)_[0-9A-Za-z]{30}_[0-9A-Za-z]{6}$/);
      expect(parseApiKey(key)).toEqual({ ok: true, value: { environment, key } });
      expect(key.match(API_KEY_PATTERN)).toEqual([key]);
    }
  });

  it('carries at least 160 bits of randomness in its random part', () => {
    expect(30 * Math.log2(62)).toBeGreaterThanOrEqual(160);
    const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey('production', cryptoRandom)));
    expect(keys.size).toBe(1000);
  });

  it('draws every base62 character, without bias toward the low ones', () => {
    const counts = new Map<string, number>();
    const random = createSeededRandom(3);
    for (let i = 0; i < 2000; i++) {
      for (const ch of generateApiKey('development', random).slice(7, 37))
        counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
    const values = [...counts.values()];
    // 60,000 draws over 62 symbols: about 968 each; modulo bias would push the first 8 ~25% higher.
    expect(Math.max(...values) / Math.min(...values)).toBeLessThan(1.25);
  });

  it('rejects a key with one mistyped character by its checksum', () => {
    const key = generateApiKey('production', cryptoRandom);
    for (const position of [9, 20, key.length - 2]) {
      const typo = key.slice(0, position) + (key[position] === 'x' ? 'y' : 'x') + key.slice(position + 1);
      expect(parseApiKey(typo)).toEqual({ ok: false, error: 'bad_checksum' });
    }
  });

  it('rejects anything not shaped like a key as malformed', () => {
    const key = generateApiKey('staging', cryptoRandom);
    for (const bad of [
      '',
      'tg_',
      `${key}x`,
      key.replace('tg_stg', 'tg_qa'),
      ` ${key}`,
      key.replace(/_/g, '-'),
    ]) {
      expect(parseApiKey(bad)).toEqual({ ok: false, error: 'malformed' });
    }
  });

  it('shows only a prefix and the last four characters', () => {
    const key = `${letters}_2b5gBO`;
    expect(displayPrefix(key)).toBe('tg_prod_abcd');
    expect(lastFour(key)).toBe('5gBO');
  });
});
