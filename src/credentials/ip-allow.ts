/**
 * IP allow-lists: CIDR blocks (IPv4 and IPv6) parsed once and matched with node's BlockList.
 * An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, what a dual-stack socket reports) is
 * matched as the IPv4 address it carries.
 */
import { BlockList, isIP } from 'node:net';

export type CidrParse = { ok: true; cidr: string } | { ok: false; message: string };

export function parseCidr(raw: string): CidrParse {
  const value = raw.trim();
  const [address = '', prefixText, extra] = value.split('/');
  const family = isIP(address);
  if (extra !== undefined || family === 0)
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

export function ipAllowed(ip: string | null, cidrs: readonly string[] | null): boolean {
  if (cidrs === null) return true;
  if (ip === null) return false;
  const address = normalizeIp(ip);
  const family = isIP(address);
  if (family === 0) return false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [network, prefix] = cidr.split('/');
    const networkFamily = isIP(network!);
    if (networkFamily !== 0) list.addSubnet(network!, Number(prefix), networkFamily === 4 ? 'ipv4' : 'ipv6');
  }
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
