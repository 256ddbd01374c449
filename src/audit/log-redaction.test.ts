import { describe, expect, it } from 'vitest';
import { redactForLog, redactLogArguments } from './log-redaction.js';

// Assembled at run time from shapes; no credential literal is committed.
const key = `tg_prod_${'Qw7'.repeat(10)}_Zz9xY1`;
const needle = 'Qw7'.repeat(10);

describe('redactForLog', () => {
  it('masks a key a client sent that reaches an error message, its stack and its cause', () => {
    const cause = new Error(`constraint failed for value x${key}`);
    const error = Object.assign(new Error(`no tool API_KEY_${key}`, { cause }), { detail: `${key}_old` });
    const logged = JSON.stringify(redactLogArguments([{ err: error, path: `/mcp?k=${key}` }, 'failed']));
    expect(logged).not.toContain(needle);
    expect(logged).toContain('no tool API_KEY_[redacted]');
    expect(logged).toContain('constraint failed for value x[redacted]');
  });

  it('masks key=value secrets and escaped keys in the message and interpolated values', () => {
    const args = redactLogArguments(['login %s as %s', `password=hunter2horse`, key.replaceAll('_', '%5F')]);
    expect(JSON.stringify(args)).not.toMatch(/hunter2horse|Qw7Qw7/);
  });

  it('copies objects without a prototype and survives a cycle', () => {
    const cyclic: Record<string, unknown> = JSON.parse('{"__proto__":{"a":1}}');
    cyclic.self = cyclic;
    const out = redactForLog(cyclic) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(null);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(out.self).toBe('[circular]');
  });
});
