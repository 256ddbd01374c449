/**
 * SECURITY: which IP addresses an outbound fetch of a client-supplied URL may never reach
 * (SSRF). `blockedRange(address)` names the range an address falls in, or returns
 * undefined for a globally routable unicast address. Pure: no DNS, no sockets.
 * IPv6 forms that carry an IPv4 address (IPv4-mapped, NAT64, 6to4) are judged by the
 * address they carry, so `[::ffff:127.0.0.1]` is loopback, not "some IPv6 address".
 */
import { isIPv4, isIPv6 } from 'node:net';

type Ipv4Range = readonly [base: string, bits: number, name: string];

// RFC 6890 special-purpose blocks that must never be fetched from the server's network.
const IPV4_BLOCKED: readonly Ipv4Range[] = [
  ['0.0.0.0', 8, '"this network" (0.0.0.0/8)'],
  ['10.0.0.0', 8, 'private (10.0.0.0/8)'],
  ['100.64.0.0', 10, 'carrier-grade NAT (100.64.0.0/10)'],
  ['127.0.0.0', 8, 'loopback (127.0.0.0/8)'],
  ['169.254.0.0', 16, 'link-local / cloud metadata (169.254.0.0/16)'],
  ['172.16.0.0', 12, 'private (172.16.0.0/12)'],
  ['192.0.0.0', 24, 'IETF protocol assignments (192.0.0.0/24)'],
  ['192.168.0.0', 16, 'private (192.168.0.0/16)'],
  ['198.18.0.0', 15, 'benchmarking (198.18.0.0/15)'],
  ['224.0.0.0', 4, 'multicast (224.0.0.0/4)'],
  ['255.255.255.255', 32, 'broadcast (255.255.255.255)'],
  ['240.0.0.0', 4, 'reserved (240.0.0.0/4)'],
];

const IPV4_MASKS = IPV4_BLOCKED.map(([base, bits, name]) => ({
  network: ipv4ToNumber(base),
  mask: bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0,
  name,
}));

/** The name of the blocked range `address` is in, or undefined when it may be fetched. */
export function blockedRange(address: string): string | undefined {
  if (isIPv4(address)) return blockedIpv4(ipv4ToNumber(address));
  // A zone id (`fe80::1%eth0`) only exists on link-local addresses: judge the address.
  const bare = address.split('%')[0] ?? '';
  if (isIPv6(bare)) return blockedIpv6(ipv6ToHextets(bare));
  return 'not an IP address';
}

function blockedIpv4(value: number): string | undefined {
  return IPV4_MASKS.find(({ network, mask }) => (value & mask) >>> 0 === network)?.name;
}

function blockedIpv6(h: readonly number[]): string | undefined {
  const embedded = (high: number, low: number) => blockedIpv4(((h[high]! << 16) | h[low]!) >>> 0);
  const startsWith = (prefix: readonly number[]) => prefix.every((value, index) => h[index] === value);

  if (startsWith([0, 0, 0, 0, 0, 0xffff])) return prefixed('IPv4-mapped', embedded(6, 7));
  // RFC 6052 NAT64: a gateway would forward to the embedded IPv4 address.
  if (startsWith([0x64, 0xff9b, 0, 0, 0, 0])) return prefixed('NAT64', embedded(6, 7));
  // RFC 3056 6to4: 2002:AABB:CCDD::/48 routes to AA.BB.CC.DD.
  if (h[0] === 0x2002) return prefixed('6to4', embedded(1, 2));
  if (startsWith([0, 0, 0, 0, 0, 0, 0])) {
    if (h[7] === 0) return 'unspecified (::)';
    if (h[7] === 1) return 'loopback (::1)';
  }
  if (startsWith([0, 0, 0, 0, 0, 0])) return 'IPv4-compatible (::/96, deprecated)';
  if ((h[0]! & 0xfe00) === 0xfc00) return 'unique local (fc00::/7)';
  if ((h[0]! & 0xffc0) === 0xfe80) return 'link-local (fe80::/10)';
  if ((h[0]! & 0xff00) === 0xff00) return 'multicast (ff00::/8)';
  // RFC 4380 Teredo hides an obfuscated IPv4 address; no public server needs it.
  if (startsWith([0x2001, 0])) return 'Teredo (2001::/32)';
  // Everything left outside global unicast is unassigned or special-purpose.
  if ((h[0]! & 0xe000) !== 0x2000) return 'not global unicast (outside 2000::/3)';
  return undefined;
}

function prefixed(form: string, range: string | undefined): string | undefined {
  return range === undefined ? undefined : `${form} ${range}`;
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0) >>> 0;
}

/** Eight 16-bit groups of a valid IPv6 address (a trailing dotted IPv4 part included). */
function ipv6ToHextets(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted !== undefined) {
    const value = ipv4ToNumber(dotted);
    text = `${text.slice(0, -dotted.length)}${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  }
  const groups = (part: string) =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const [head = '', tail] = text.split('::');
  if (tail === undefined) return groups(head);
  const left = groups(head);
  const right = groups(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
