/**
 * SECURITY: the one place a request's client address comes from. The audit IP, the key's IP
 * allow-list, the per-address rate limits, the anomaly rules, console sessions and the OAuth
 * endpoints all use what this returns; nothing else reads the socket or a forwarding header.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { ProxyHeader } from '../config/index.js';
import { createAddressSet, parseIp } from '../core/index.js';
import { resolveClientAddress } from './forwarded.js';

export type ClientAddress = (c: Context) => string | null;

export interface TrustedProxies {
  /** CIDR blocks as `parseCidr` returns them (the `trustedProxies` setting). */
  readonly blocks: readonly string[];
  readonly header: ProxyHeader;
}

export function createClientAddress(proxies: TrustedProxies): ClientAddress {
  const trusted = createAddressSet(proxies.blocks);
  return function clientAddress(c) {
    const peer = peerAddress(c);
    if (trusted.size === 0) return peer;
    return resolveClientAddress({ peer, header: c.req.header(proxies.header) }, trusted, proxies.header);
  };
}

/** The TCP peer in one spelling (`::ffff:10.0.0.1` is 10.0.0.1); null without a Node socket. */
function peerAddress(c: Context): string | null {
  let address: string | undefined;
  try {
    address = getConnInfo(c).remote.address;
  } catch {
    return null;
  }
  return address === undefined ? null : (parseIp(address) ?? address);
}
