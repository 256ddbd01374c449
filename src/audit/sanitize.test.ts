import { describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH, maskSecretShapes, REDACTED, redactText, sanitizeForAudit } from './sanitize.js';

describe('sanitizeForAudit', () => {
  it('redacts fields classed secret and credential-shaped values wherever they appear', () => {
    // Key-shaped, assembled at run time: redaction goes by shape, and no key literal is committed.
    const key = `tg_prod_${'Ab3'.repeat(10)}_${'Zz9xY1'}`;
    const jwt = `eyJhbGciOiJIUzI1NiJ9.${'eyJzdWIiOiIxMjM0In0'}.c2lnbmF0dXJlLXZhbHVl`;
    const confirmation = `tgc_act_${'0123456789ABCDEFGHJKMNPQRS'}.${'x'.repeat(43)}`;
    const sanitized = sanitizeForAudit({
      title: `call me, key is ${key}`,
      note: `confirm with ${confirmation} please`,
      password: 'hunter2-canary',
      nested: { apiKey: 'x', list: [jwt, 'plain'] },
      [key]: 'a key used as an object key',
    });
    const text = JSON.stringify(sanitized);
    expect(text).not.toContain(key);
    expect(text).not.toContain('hunter2-canary');
    expect(text).not.toContain(jwt);
    expect(text).not.toContain(confirmation);
    expect(sanitized).toMatchObject({
      password: REDACTED,
      nested: { apiKey: REDACTED, list: [REDACTED, 'plain'] },
    });
  });

  it('truncates long text and bounds depth', () => {
    const long = sanitizeForAudit('x'.repeat(MAX_TEXT_LENGTH + 100)) as string;
    expect(long.length).toBeLessThan(MAX_TEXT_LENGTH + 20);
    expect(long.endsWith('…[100 more]')).toBe(true);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 20; i++) deep = { deep };
    expect(JSON.stringify(sanitizeForAudit(deep))).toContain('[too deep]');
  });

  it('refuses to keep a secret glued to letters, digits, underscores or URL encoding', () => {
    // Assembled at run time from shapes; no credential literal is committed.
    const glued = [
      `%3Dtgc_act_${'0123456789ABCDEFGHJKMNPQRS'}.${'q'.repeat(43)}`,
      `xsk_live_${'Q7'.repeat(10)}`,
      `0eyJhbGciOiJIUzI1NiJ9.${'eyJzdWIiOiIxMjM0In0'}.c2lnbmF0dXJl`,
      `key_tg_dev_${'Ab3'.repeat(10)}_Zz9xY1suffix`,
      `Bearer%20ghp_${'k'.repeat(36)}`,
      `idAKIA${'W'.repeat(16)}9`,
    ];
    const stored = JSON.stringify(sanitizeForAudit({ list: glued, [glued[0]!]: 1 }));
    for (const needle of [
      'q'.repeat(43),
      'Q7'.repeat(10),
      'eyJzdWIiOiIxMjM0In0',
      'Ab3'.repeat(10),
      'k'.repeat(36),
      'W'.repeat(16),
    ])
      expect(stored).not.toContain(needle);
    expect(JSON.stringify(maskSecretShapes({ [glued[1]!]: glued[2] }))).not.toMatch(/Q7Q7|eyJzdWIi/);
  });

  it('refuses a crafted JWT-like argument that would block the event loop (13 s for 200 KiB before)', () => {
    const started = performance.now();
    sanitizeForAudit({ a: 'eyJaaaaaaaa-'.repeat(17_000), b: 'eyJ'.repeat(68_000) });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('stores no lone surrogate or NUL, and never cuts a surrogate pair in two', () => {
    expect(redactText('a\ud800b\udc00c\u0000d')).toBe('a\ufffdb\ufffdc\ufffdd');
    const cut = redactText(`${'x'.repeat(MAX_TEXT_LENGTH - 1)}\u{1f600}tail`);
    expect(cut.startsWith(`${'x'.repeat(MAX_TEXT_LENGTH - 1)}…`)).toBe(true);
    expect(cut).not.toMatch(/[\ud800-\udfff]/);
  });

  it('cuts text once: truncated text sanitized again stays as it is', () => {
    const once = sanitizeForAudit({ long: 'y'.repeat(MAX_TEXT_LENGTH + 100) });
    expect(sanitizeForAudit(once)).toEqual(once);
  });

  it('keeps a `__proto__` key as data instead of setting the prototype', () => {
    const sanitized = sanitizeForAudit(JSON.parse('{"__proto__":{"polluted":true},"a":1}')) as object;
    expect(Object.getPrototypeOf(sanitized)).toBe(Object.prototype);
    expect(JSON.stringify(sanitized)).toBe('{"__proto__":{"polluted":true},"a":1}');
  });
});
