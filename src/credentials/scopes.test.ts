import { describe, expect, it } from 'vitest';
import { ipAllowed, parseCidr } from './ip-allow.js';
import { checkKeyName, suggestKeyName } from './key-input.js';
import { beyondRole, effectiveScopes, expandScopes, PRESETS } from './scopes.js';

describe('scopes', () => {
  it('implies read from write and delete', () => {
    expect(expandScopes(['tasks:write', 'comments:write'])).toEqual([
      'tasks:read',
      'tasks:write',
      'comments:read',
      'comments:write',
    ]);
    expect(expandScopes(['tasks:delete'])).toEqual(['tasks:read', 'tasks:delete']);
  });

  it('keeps presets in order: read-only ⊂ standard ⊂ full, with no delete in standard', () => {
    expect(PRESETS['read-only'].every((s) => s.endsWith(':read'))).toBe(true);
    expect(PRESETS['read-only'].every((s) => PRESETS.standard.includes(s))).toBe(true);
    expect(PRESETS.standard).not.toContain('tasks:delete');
    expect(PRESETS.full).toContain('audit:read');
  });

  it('caps a viewer at reads and drops writes from a read-only credential', () => {
    expect(effectiveScopes(['tasks:write', 'audit:read'], 'viewer', false)).toEqual(['tasks:read']);
    expect(effectiveScopes([...PRESETS.full], 'owner', true).some((s) => !s.endsWith(':read'))).toBe(false);
    expect(beyondRole(['tasks:delete', 'projects:write'], 'member')).toEqual(['projects:write']);
  });
});

describe('IP allow-lists', () => {
  it('parses IPv4 and IPv6 blocks and bare addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ ok: true, cidr: '10.0.0.0/8' });
    expect(parseCidr('2001:DB8::/32')).toEqual({ ok: true, cidr: '2001:db8::/32' });
    expect(parseCidr('192.168.1.7')).toEqual({ ok: true, cidr: '192.168.1.7/32' });
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'example.com', '::1/129', '1.2.3.4/8/9', '1.2.3.4/-1']) {
      expect(parseCidr(bad).ok).toBe(false);
    }
  });

  it('matches IPv4-mapped IPv6 addresses as the IPv4 address they carry', () => {
    expect(ipAllowed('::ffff:10.1.2.3', ['10.0.0.0/8'])).toBe(true);
    expect(ipAllowed('11.1.2.3', ['10.0.0.0/8'])).toBe(false);
    expect(ipAllowed('2001:db8::5', ['2001:db8::/32'])).toBe(true);
    expect(ipAllowed(null, ['10.0.0.0/8'])).toBe(false);
    expect(ipAllowed(null, null)).toBe(true);
  });
});

describe('key names', () => {
  it('accepts <client>-<machine> names and refuses others with a suggestion', () => {
    expect(checkKeyName('claude-desktop-macbook-pro')).toBeUndefined();
    expect(checkKeyName('Cursor Work Laptop')?.message).toContain('try "cursor-work-laptop"');
    expect(checkKeyName('cursor')?.message).toContain('try "cursor-my-laptop"');
    expect(checkKeyName(`a-${'b'.repeat(63)}`)).toBeDefined();
    expect(suggestKeyName('!!!')).toBe('cursor-work-laptop');
  });
});
