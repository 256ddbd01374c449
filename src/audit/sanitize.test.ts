import { describe, expect, it } from 'vitest';
import { createAuditMasks } from './audit-hmac.js';
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

  it('keeps a `__proto__` key as data and builds every sanitized object without a prototype', () => {
    const raw = JSON.parse('{"__proto__":{"polluted":true},"a":1,"nested":{"constructor":"x"}}');
    const sanitized = sanitizeForAudit(raw) as Record<string, unknown>;
    expect(Object.getPrototypeOf(sanitized)).toBe(null);
    expect(Object.getPrototypeOf(sanitized.nested)).toBe(null);
    expect(Object.getPrototypeOf(Object.getOwnPropertyDescriptor(sanitized, '__proto__')?.value)).toBe(null);
    expect(JSON.stringify(sanitized)).toBe(
      '{"__proto__":{"polluted":true},"a":1,"nested":{"constructor":"x"}}',
    );
    const masked = maskSecretShapes(raw) as Record<string, unknown>;
    expect(Object.getPrototypeOf(masked)).toBe(null);
    expect(Object.hasOwn(masked, '__proto__')).toBe(true);
  });
});

describe('secrets hidden by escaping or glued to other text', () => {
  // Assembled at run time from shapes; no credential literal is committed.
  const random = 'Ab3'.repeat(10);
  const key = `tg_dev_${random}_Zz9xY1`;
  const percentAll = (text: string) =>
    Array.from(text, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
  const mask = (secret: string) => `<${secret.length}>`;

  it('masks a key written URL-encoded, twice encoded, or with \\u, \\x or HTML escapes', () => {
    const escaped = [
      key.replaceAll('_', '%5F'),
      key.replaceAll('_', '%255F'),
      percentAll(key),
      `Bearer%20${key}`,
      key.replaceAll('_', '\\u005f'),
      key.replaceAll('_', '\\x5F'),
      key.replaceAll('_', '&#95;'),
      `x${key.replaceAll('_', '&#x5f;')}_old`,
    ];
    for (const text of escaped) {
      const stored = redactText(text, mask);
      expect(stored, text).not.toMatch(/Ab3Ab3|%41%62%33/i);
      // The mask is of the secret itself, so an escaped copy and a plain one correlate.
      expect(stored, text).toContain(`<${key.length}>`);
    }
  });

  it('masks key=value secrets in free text, in any case, with =, : or JSON quoting', () => {
    const cases: [string, string][] = [
      ['login with password=hunter2horse then', 'hunter2horse'],
      ['SECRET: s3cr3tvalue', 's3cr3tvalue'],
      ['{"token":"tok-1234567"}', 'tok-1234567'],
      [JSON.stringify(JSON.stringify({ api_key: 'nested-key-99' })), 'nested-key-99'],
      ["db_password = 'canary horse staple'", 'canary horse staple'],
      ['TASKGATE_SECRET_KEY=abcdef0123', 'abcdef0123'],
      ['X-Api-Key: k-0987654321', 'k-0987654321'],
      ['Authorization: Bearer opaque-token-42', 'opaque-token-42'],
      ['?client_secret%3Dcs-777777&x=1', 'cs-777777'],
      ['pwd:pw-5555&auth=au-6666', 'pw-5555'],
      ['pwd:pw-5555&auth=au-6666', 'au-6666'],
    ];
    for (const [text, secret] of cases) expect(redactText(text), text).not.toContain(secret);
    expect(redactText('compass: north, max_tokens=100, tokens: 5')).toBe(
      'compass: north, max_tokens=100, tokens: 5',
    );
  });

  it('masks a JWT or a confirmation token lowercased on the way, as a typed email is', () => {
    const jwt = `eyJhbGciOiJIUzI1NiJ9.${'eyJzdWIiOiJRdzdRdzcifQ'}.${'Sg9'.repeat(14)}`;
    const confirmation = `tgc_act_${'01M8E75480GHDHN9EH1YFZQ501'}.${'Rd9'.repeat(14)}x`;
    for (const secret of [jwt, confirmation, key]) {
      const typed = `api_key_${secret}@example.com`.toLowerCase();
      expect(redactText(typed), secret).toBe('api_key_[redacted]@example.com');
    }
  });

  it('masks a key=value secret once: its mask sanitized again stays as it is', () => {
    const hmac = () => `hmac-sha256:${'0f'.repeat(16)}`;
    const once = redactText('password=hunter2horse', hmac);
    expect(redactText(once, hmac)).toBe(once);
  });

  it('keeps a mask the cut left glued to its marker: sanitized again, the text stays as it is', () => {
    // Found by the redaction property once in 286,572 runs: the HMAC ended exactly at the cut,
    // so the second pass read `hmac-sha256:…5c…` as a new value of `PWD` and masked it again.
    const hmac = createAuditMasks('m'.repeat(40))('wsp_cut');
    const glued = `${' '.repeat(416)}PWD:    *${' '.repeat(147)}tgc_act_${'0'.repeat(26)}.${'0'.repeat(43)}`;
    const once = redactText(glued, hmac);
    expect(once).toMatch(/PWD: {4}hmac-sha256:[0-9a-f]{64}…\[\d+ more\]$/);
    expect(redactText(once, hmac)).toBe(once);
    // A key the cut left with no value at all does not take the marker for one.
    const bare = `${'x '.repeat(246)}token: …[12 more]`;
    expect(redactText(bare)).toBe(bare);
  });

  it('scans a crafted flood of names and open quotes in linear time', () => {
    const started = performance.now();
    redactText('password="'.repeat(25_000));
    redactText('%25'.repeat(80_000));
    redactText('token:'.repeat(40_000));
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
