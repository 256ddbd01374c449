/**
 * IP addresses and CIDR blocks (IPv4 and IPv6), shared by the key allow-lists
 * (src/credentials) and the trusted proxies (src/config, src/http). An IPv4-mapped IPv6
 * address (`::ffff:10.0.0.1`, what a dual-stack socket reports) is the IPv4 address it carries.
 */
import { BlockList, isIP } from 'node:net';

export type CidrParse = { ok: true; cidr: string } | { ok: false; message: string };

export function parseCidr(raw: string): CidrParse {
  const value = raw.trim();
  const [address = '', prefixText, extra] = value.split('/');
  const family = isIP(address);
  // A zone (`fe80::1%eth0`) names an interface of one host, not a network.
  if (extra !== undefined || family === 0 || address.includes('%'))
    return { ok: false, message: `${value} is not an IP address or CIDR block` };
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max) {
    return { ok: false, message: `${value}: prefix must be 0-${max}` };
  }
  return { ok: true, cidr: `${address.toLowerCase()}/${prefix}` };
}

export function normalizeIp(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  return mapped ? mapped[1]! : ip;
}

/**
 * The address in `text` in one spelling (lower case, IPv4-mapped as IPv4), or undefined
 * when it is not exactly one IPv4 or IPv6 address (no zone, no port, no brackets).
 */
export function parseIp(text: string): string | undefined {
  if (text.includes('%') || isIP(text) === 0) return undefined;
  return normalizeIp(text.toLowerCase());
}

/** A set of CIDR blocks that answers whether an address is inside one of them. */
export interface AddressSet {
  readonly size: number;
  has(ip: string | null): boolean;
}

/** Blocks as `parseCidr` returns them; anything else is left out (callers parsed them first). */
export function createAddressSet(cidrs: readonly string[]): AddressSet {
  const list = new BlockList();
  let size = 0;
  for (const cidr of cidrs) {
    const [network = '', prefix] = cidr.split('/');
    const family = isIP(network);
    if (family === 0) continue;
    list.addSubnet(network, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
    size += 1;
  }
  return {
    size,
    has(ip) {
      if (ip === null || size === 0) return false;
      const address = parseIp(ip);
      if (address === undefined) return false;
      // BlockList matches an IPv4 rule against the IPv4-mapped form and back.
      return list.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
