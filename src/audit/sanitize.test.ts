import { describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH, REDACTED, sanitizeForAudit } from './sanitize.js';

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
});
