/**
 * SECURITY: the client address of a request that came through reverse proxies. A forwarding
 * header is written by whoever sent the request, so it is read only when the TCP peer is a
 * trusted proxy, and only as far as trusted proxies wrote it: walking from the right (each
 * proxy appends the address it saw), the client is the first hop that is not a trusted proxy.
 * Anything to its left came from the client and is never read. A hop that is not exactly one
 * address (garbage, `unknown`, an obfuscated node) ends the walk at the TCP peer: never trust
 * what cannot be read. Pure; never throws.
 */
import type { ProxyHeader } from '../config/index.js';
import { type AddressSet, parseIp } from '../core/index.js';

export interface ForwardedRequest {
  /** The TCP peer as the socket reports it; null when unknown (an in-process request). */
  readonly peer: string | null;
  /** The forwarding header's field value, several header lines joined by commas. */
  readonly header: string | undefined;
}

/**
 * The client address: the TCP peer, or behind trusted proxies the rightmost untrusted hop of
 * `header`. When every hop is a trusted proxy, the leftmost (the one furthest from us).
 */
export function resolveClientAddress(
  request: ForwardedRequest,
  trusted: AddressSet,
  header: ProxyHeader,
): string | null {
  const peer = request.peer === null ? null : (parseIp(request.peer) ?? request.peer);
  if (peer === null || request.header === undefined || !trusted.has(peer)) return peer;
  // Splitting at every comma is safe for the hops trusted proxies wrote (an address has no
  // comma); a quoted comma further left only ever reaches a hop we refuse (RFC 7239 §4).
  const hops = request.header.split(',');
  let furthest = peer;
  for (let index = hops.length - 1; index >= 0; index -= 1) {
    const address = header === 'forwarded' ? forwardedFor(hops[index]!) : forwardedForList(hops[index]!);
    if (address === undefined) return peer;
    if (!trusted.has(address)) return address;
    furthest = address;
  }
  return furthest;
}

/** RFC 9110 §5.6.1: list elements are separated by a comma and optional spaces or tabs. */
function trimOws(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** One hop of X-Forwarded-For: an address, IPv6 bare or bracketed, either maybe with a port. */
function forwardedForList(hop: string): string | undefined {
  const text = trimOws(hop);
  if (/^[0-9A-Fa-f:.]+$/.test(text) && text.includes(':') && !/^[\d.]+:\d+$/.test(text)) return parseIp(text);
  return nodeAddress(text);
}

/**
 * RFC 7239 §6 node: IPv4, or `[IPv6]`, with an optional port (digits, or `_obfport`).
 * `unknown` and obfuscated names (`_hidden`) are valid nodes but name no address.
 */
function nodeAddress(node: string): string | undefined {
  const parts = NODE.exec(node);
  if (!parts || (parts[3] !== undefined && Number(parts[3]) > 65_535)) return undefined;
  const [, bracketed, ipv4] = parts;
  if (bracketed !== undefined) return bracketed.includes(':') ? parseIp(bracketed) : undefined;
  const address = parseIp(ipv4!);
  return address?.includes(':') ? undefined : address;
}

/** `[IPv6]` or IPv4, then `:port` (group 3) or `:_obfport`. */
const NODE = /^(?:\[([0-9A-Fa-f:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3}))(?::(?:(\d{1,5})|_[A-Za-z0-9._-]+))?$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 9110 §5.6.4 quoted-string, visible ASCII only (no obs-text: no bytes a proxy would not write). */
const QUOTED = /^"((?:[\t \x21\x23-\x5b\x5d-\x7e]|\\[\t \x21-\x7e])*)"$/;

/**
 * The `for=` address of one Forwarded element (RFC 7239 §4): `token=value` pairs split by
 * `;`, each name at most once, names case-insensitive, a value a token or a quoted string
 * (quoted-pairs unescaped). An element that breaks the grammar, or has no `for`, names nobody.
 */
function forwardedFor(element: string): string | undefined {
  const names = new Set<string>();
  let found: string | undefined;
  for (const pair of trimOws(element).split(';')) {
    const text = trimOws(pair);
    if (text === '') continue;
    const equals = text.indexOf('=');
    const name = text.slice(0, equals).toLowerCase();
    const raw = text.slice(equals + 1);
    if (equals <= 0 || !TOKEN.test(name) || names.has(name)) return undefined;
    names.add(name);
    const quoted = QUOTED.exec(raw);
    if (!quoted && !TOKEN.test(raw)) return undefined;
    if (name === 'for') found = quoted ? quoted[1]!.replace(/\\(.)/g, '$1') : raw;
  }
  return found === undefined ? undefined : nodeAddress(found);
}
