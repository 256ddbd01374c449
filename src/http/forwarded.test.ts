import { describe, expect, it } from 'vitest';
import { createAddressSet } from '../core/index.js';
import { resolveClientAddress } from './forwarded.js';

const PROXIES = createAddressSet(['10.0.0.0/8', '2001:db8:ffff::/48']);
const xff = (header: string | undefined, peer: string | null = '10.0.0.1') =>
  resolveClientAddress({ peer, header }, PROXIES, 'x-forwarded-for');
const fwd = (header: string | undefined, peer: string | null = '10.0.0.1') =>
  resolveClientAddress({ peer, header }, PROXIES, 'forwarded');

describe('X-Forwarded-For', () => {
  it('takes the rightmost hop that is not a trusted proxy', () => {
    expect(xff('203.0.113.7')).toBe('203.0.113.7');
    expect(xff('203.0.113.7, 10.1.1.1, 10.2.2.2')).toBe('203.0.113.7');
    expect(xff('198.51.100.9,203.0.113.7,10.1.1.1')).toBe('203.0.113.7');
  });

  it('never reads what a client prepended: the proxy-appended hop wins over a spoofed left part', () => {
    expect(xff('1.1.1.1, 127.0.0.1, 10.9.9.9, 203.0.113.7')).toBe('203.0.113.7');
    expect(xff('garbage, "quoted", 203.0.113.7')).toBe('203.0.113.7');
  });

  it('ignores the header from a peer that is not a trusted proxy', () => {
    expect(xff('10.1.1.1', '203.0.113.7')).toBe('203.0.113.7');
    expect(xff('198.51.100.1', '::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(xff('198.51.100.1', null)).toBeNull();
  });

  it('treats an IPv4-mapped peer and hops as the IPv4 address they carry', () => {
    expect(xff('::ffff:203.0.113.7', '::ffff:10.0.0.1')).toBe('203.0.113.7');
    expect(xff('203.0.113.7, ::FFFF:10.3.3.3')).toBe('203.0.113.7');
  });

  it('reads IPv6 hops, bare or bracketed, and ports', () => {
    expect(xff('2001:DB8::7')).toBe('2001:db8::7');
    expect(xff('[2001:db8::7]:4711, 2001:db8:ffff::1', '2001:db8:ffff::2')).toBe('2001:db8::7');
    expect(xff('203.0.113.7:51000')).toBe('203.0.113.7');
  });

  it('gives the furthest proxy when every hop is trusted', () => {
    expect(xff('10.5.5.5, 10.6.6.6')).toBe('10.5.5.5');
  });

  it('falls back to the TCP peer when a hop it must read is garbage', () => {
    for (const garbage of [
      '',
      ' ',
      'unknown',
      'not-an-ip',
      '203.0.113.7 extra',
      '203.0.113.007',
      '0x7f.0.0.1',
      '203.0.113.7:99999',
      'fe80::1%eth0',
      '[203.0.113.7]',
      '２０３.０.１１３.７',
      '203.0.113.7\u00a0',
      '203.0.113.7,',
      '203.0.113.7,,10.1.1.1',
      '[2001:db8::7',
      '203.0.113.7;for=1.2.3.4',
    ]) {
      expect(xff(garbage), JSON.stringify(garbage)).toBe('10.0.0.1');
    }
  });

  it('takes tabs and missing spaces around commas (RFC 9110 lists)', () => {
    expect(xff('198.51.100.9,\t203.0.113.7\t,10.1.1.1')).toBe('203.0.113.7');
  });
});

describe('Forwarded (RFC 7239)', () => {
  it('reads for= from the rightmost untrusted element, across several header lines joined', () => {
    expect(fwd('for=192.0.2.43')).toBe('192.0.2.43');
    expect(fwd('for=192.0.2.43;proto=https;by=10.0.0.1, for=10.1.1.1')).toBe('192.0.2.43');
    expect(fwd('for=198.51.100.1, for=192.0.2.43, for=10.1.1.1')).toBe('192.0.2.43');
  });

  it('reads quoted IPv6 with and without a port, and quoted IPv4 with a port', () => {
    expect(fwd('for="[2001:db8:cafe::17]:4711"')).toBe('2001:db8:cafe::17');
    expect(fwd('For="[2001:DB8:cafe::17]"')).toBe('2001:db8:cafe::17');
    expect(fwd('for="192.0.2.43:47011"')).toBe('192.0.2.43');
    expect(fwd('for="192.0.2.43:_hidden"')).toBe('192.0.2.43');
    expect(fwd('for="[::ffff:192.0.2.43]"')).toBe('192.0.2.43');
  });

  it('unescapes quoted-pairs as RFC 9110 says, and reads nothing more into them', () => {
    expect(fwd('for="\\1\\92.0.2.43"')).toBe('192.0.2.43');
    expect(fwd('for="192.0.2.43\\"')).toBe('10.0.0.1');
  });

  it('never reads a spoofed element a client prepended, even one hiding commas in quotes', () => {
    expect(fwd('for=1.1.1.1, for="x, for=127.0.0.1", for=192.0.2.43')).toBe('192.0.2.43');
    expect(fwd('for=", for=192.0.2.43')).toBe('192.0.2.43');
  });

  it('falls back to the TCP peer on an element it cannot read', () => {
    for (const garbage of [
      'for=unknown',
      'for=_hidden',
      'for=[2001:db8::1]',
      'for=2001:db8::1',
      'for="2001:db8::1"',
      'for = 192.0.2.43',
      'for=192.0.2.43;for=198.51.100.1',
      'proto=https',
      'for=192.0.2.43;by',
      'for="192.0.2.43',
      'for="192.0.2.43"x',
      'for=192.0.2.43 ; proto=https x',
      'for="ſ192.0.2.43"',
      'for=192.0.2.43, for="a,b"',
      '192.0.2.43',
      'for="[2001:db8::1]:70000"',
    ]) {
      expect(fwd(garbage), JSON.stringify(garbage)).toBe('10.0.0.1');
    }
  });

  it('accepts empty pairs and spaces around semicolons', () => {
    expect(fwd('for=192.0.2.43;')).toBe('192.0.2.43');
    expect(fwd('proto=https ; for=192.0.2.43')).toBe('192.0.2.43');
  });
});

it('leaves the peer as the client when no proxy is trusted', () => {
  const none = createAddressSet([]);
  expect(resolveClientAddress({ peer: '10.0.0.1', header: '203.0.113.7' }, none, 'x-forwarded-for')).toBe(
    '10.0.0.1',
  );
  expect(resolveClientAddress({ peer: '::ffff:10.0.0.1', header: 'for=1.2.3.4' }, none, 'forwarded')).toBe(
    '10.0.0.1',
  );
});
