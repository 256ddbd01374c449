import { describe, expect, it } from 'vitest';
import { cryptoRandom } from '../core/index.js';
import { displayPrefix, generateApiKey } from './api-key-format.js';
import { findKeysInText } from './scan-text.js';

/** The same key with the character at `index` swapped for another base62 character. */
function withTypo(key: string, index: number): string {
  const replacement = key[index] === 'A' ? 'B' : 'A';
  return `${key.slice(0, index)}${replacement}${key.slice(index + 1)}`;
}

describe('findKeysInText', () => {
  it('reports a valid key with its prefix and environment when it is alone on a line', () => {
    const key = generateApiKey('production', cryptoRandom);
    expect(findKeysInText(key)).toEqual([{ line: 1, prefix: displayPrefix(key), environment: 'production' }]);
  });

  it('counts lines from 1 when the key sits further down', () => {
    const key = generateApiKey('staging', cryptoRandom);
    const text = ['first', '', 'third', `  token: ${key}`, 'last'].join('\n');
    expect(findKeysInText(text)).toEqual([{ line: 4, prefix: displayPrefix(key), environment: 'staging' }]);
  });

  it('counts lines the same way when the file has CRLF line endings', () => {
    const key = generateApiKey('development', cryptoRandom);
    expect(findKeysInText(`a\r\nb\r\n${key}\r\n`).map((f) => f.line)).toEqual([3]);
  });

  it('finds a key when it is embedded in JSON', () => {
    const key = generateApiKey('production', cryptoRandom);
    const json = JSON.stringify({
      mcpServers: { taskgate: { headers: { Authorization: `Bearer ${key}` } } },
    });
    expect(findKeysInText(json)).toHaveLength(1);
  });

  it('finds a key when it is assigned in an env file, quoted or not', () => {
    const a = generateApiKey('development', cryptoRandom);
    const b = generateApiKey('staging', cryptoRandom);
    const env = `TASKGATE_API_KEY=${a}\nexport OTHER_KEY="${b}"\n`;
    expect(findKeysInText(env).map((f) => [f.line, f.environment])).toEqual([
      [1, 'development'],
      [2, 'staging'],
    ]);
  });

  it('finds a leaked key glued to letters, digits or URL encoding on either side', () => {
    const keys = ['production', 'staging', 'development', 'production'].map((env) =>
      generateApiKey(env as 'production', cryptoRandom),
    );
    const text = [`x${keys[0]}`, `?k=%3D${keys[1]}%26`, `key_${keys[2]}abc`, `9${keys[3]}9`].join('\n');
    expect(findKeysInText(text).map((f) => [f.line, f.prefix])).toEqual(
      keys.map((key, index) => [index + 1, displayPrefix(key)]),
    );
  });

  it('finds both keys when two sit on one line', () => {
    const a = generateApiKey('development', cryptoRandom);
    const b = generateApiKey('production', cryptoRandom);
    const findings = findKeysInText(`old=${a},new=${b}`);
    expect(findings.map((f) => f.prefix)).toEqual([displayPrefix(a), displayPrefix(b)]);
    expect(findings.every((f) => f.line === 1)).toBe(true);
  });

  it('ignores a key with one character changed in its random part (a typo or a made-up example)', () => {
    const key = generateApiKey('production', cryptoRandom);
    expect(findKeysInText(withTypo(key, 'tg_prod_'.length + 7))).toEqual([]);
  });

  it('ignores a key whose checksum was changed', () => {
    const key = generateApiKey('production', cryptoRandom);
    expect(findKeysInText(withTypo(key, key.length - 1))).toEqual([]);
  });

  it('ignores text that only looks like the key format', () => {
    const fake = `tg_prod_${'x'.repeat(30)}_abcdef`;
    expect(findKeysInText(`example: ${fake}\n`)).toEqual([]);
  });

  it('never returns the key itself in a finding', () => {
    const key = generateApiKey('production', cryptoRandom);
    expect(JSON.stringify(findKeysInText(`key=${key}`))).not.toContain(key.slice(12));
  });

  it('returns the same findings when called twice on the same text', () => {
    const key = generateApiKey('production', cryptoRandom);
    const text = `${key} ${key}`;
    expect(findKeysInText(text)).toEqual(findKeysInText(text));
    expect(findKeysInText(text)).toHaveLength(2);
  });
});
