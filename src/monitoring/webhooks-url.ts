/**
 * SECURITY: a webhook URL is chosen by a workspace admin and fetched by the server, so it is
 * an SSRF vector (the same concern as OAuth's client metadata fetch, src/oauth/safe-fetch.ts).
 * A URL is accepted only over https, without credentials, at most 2,000 characters of
 * printable ASCII (no space or control character glued on), and only if every address its
 * host resolves to is globally routable — unless its `host:port` is one of the configured
 * test hosts (never in production), which may also use http. The sender checks the addresses
 * again and connects to the one it checked (DNS rebinding).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AppError, invalidInput } from '../core/index.js';

export const WEBHOOK_URL_MAX = 2000;

/** The range a blocked address falls in, or undefined (src/oauth's `blockedRange`, passed in). */
export type BlockedRange = (address: string) => string | undefined;
export type Resolve = (hostname: string) => Promise<readonly string[]>;

export interface UrlPolicy {
  readonly blockedRange: BlockedRange;
  /** Test only: `host:port` pairs exempt from the address check. */
  readonly testHosts: readonly string[];
  readonly resolve?: Resolve;
}

export interface VettedUrl {
  readonly url: URL;
  readonly hostname: string;
  readonly port: number;
  /** The address to connect to (checked). */
  readonly address: string;
}

const systemResolve: Resolve = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

const refuse = (message: string) => invalidInput([{ field: 'url', message }]);

const hostKey = (url: URL) =>
  `${url.hostname.toLowerCase()}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;

/** Parses and checks a webhook URL without touching the network. */
export function parseWebhookUrl(input: string, policy: Pick<UrlPolicy, 'testHosts'>): URL {
  if (typeof input !== 'string' || input.length === 0) throw refuse('is required');
  if (input.length > WEBHOOK_URL_MAX) throw refuse(`must be at most ${WEBHOOK_URL_MAX} characters`);
  if (!/^[\x21-\x7e]+$/.test(input))
    throw refuse('must be printable ASCII without spaces or control characters (percent-encode the rest)');
  const url = URL.parse(input);
  if (url === null) throw refuse('is not a valid URL');
  const test = policy.testHosts.includes(hostKey(url));
  if (url.protocol !== 'https:' && !(test && url.protocol === 'http:'))
    throw refuse(`must use https:// (got ${url.protocol}//)`);
  if (url.username !== '' || url.password !== '') throw refuse('must not carry a user name or password');
  if (url.hash !== '') throw refuse('must not have a #fragment');
  return url;
}

/** Resolves the URL's host and checks every address; returns the one to connect to. */
export async function vetWebhookUrl(input: string, policy: UrlPolicy): Promise<VettedUrl> {
  const url = parseWebhookUrl(input, policy);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  let addresses: readonly string[];
  if (isIP(hostname)) addresses = [hostname];
  else {
    try {
      addresses = await (policy.resolve ?? systemResolve)(hostname);
    } catch {
      throw refuse(`host ${hostname} does not resolve`);
    }
    if (addresses.length === 0) throw refuse(`host ${hostname} does not resolve`);
  }
  if (!policy.testHosts.includes(hostKey(url))) {
    for (const address of addresses) {
      const range = policy.blockedRange(address);
      if (range)
        throw refuse(`${hostname} resolves to ${address}, a ${range} address webhooks may not reach`);
    }
  }
  const address = addresses[0];
  if (address === undefined) throw new AppError('internal', 'no address to connect to');
  return { url, hostname, port, address };
}
