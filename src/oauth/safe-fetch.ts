/**
 * SECURITY: the SSRF-safe fetcher for Client ID Metadata Documents, plugged into
 * oidc-provider as its `fetch` option. A client_id URL is attacker-chosen, so the server
 * fetches it only over https, only from a globally routable address that was checked
 * before connecting (and connects to exactly that address, so DNS rebinding between check
 * and connect cannot happen), never follows redirects, reads at most 5 KB and gives up
 * after 5 s in total. draft-ietf-oauth-client-id-metadata-document §6 (SSRF).
 */

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { blockedRange } from './blocked-addresses.js';
import { FetchRefusedError } from './fetch-refused.js';

export const CIMD_FETCH_TIMEOUT_MS = 5_000;
export const CIMD_MAX_BODY_BYTES = 5 * 1024;

export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface SafeFetchOptions {
  /** Budget for DNS, connect, TLS, headers and body together (default 5 s). */
  readonly timeoutMs?: number;
  /** Largest body accepted, in bytes (default 5,120). */
  readonly maxBodyBytes?: number;
  /** Test only: `host:port` pairs fetched even though their address is blocked. */
  readonly testHosts?: readonly string[];
  /** Test only: PEM file of the CA trusted (instead of the system CAs) for `testHosts`. */
  readonly testCaFile?: string;
  /** Name resolution (default: the system resolver, every address). */
  readonly resolve?: Resolver;
}

/** The shape of oidc-provider's `fetch` option: WHATWG fetch, GET only. */
export type SafeFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

interface Target {
  readonly url: URL;
  /** Hostname without IPv6 brackets, as dns and net want it. */
  readonly hostname: string;
  readonly port: number;
  /** `host:port` as the test allow-list spells it. */
  readonly hostPort: string;
  readonly headers: Record<string, string>;
}

// Headers the caller may not set: we own framing, encoding (the cap counts wire bytes,
// so no compression bomb) and the Host header (built from the URL).
const OWNED_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'accept-encoding',
]);

export function createSafeFetch(options: SafeFetchOptions = {}): SafeFetch {
  const timeoutMs = positive(options.timeoutMs ?? CIMD_FETCH_TIMEOUT_MS, 'timeoutMs');
  const maxBodyBytes = positive(options.maxBodyBytes ?? CIMD_MAX_BODY_BYTES, 'maxBodyBytes');
  const testHosts = new Set((options.testHosts ?? []).map(toHostPortKey));
  const testCa = options.testCaFile === undefined ? undefined : readFileSync(options.testCaFile, 'utf8');
  const resolve = options.resolve ?? systemResolver;

  return async function safeFetch(input, init) {
    const target = toTarget(input, init);
    const trusted = testHosts.has(target.hostPort);
    const deadline = new AbortController();
    const timer = setTimeout(
      () =>
        deadline.abort(
          new FetchRefusedError(
            'timeout',
            `${target.url.origin}: no complete response within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    try {
      const addresses = await untilAborted(vetAddresses(target, trusted, resolve), deadline.signal);
      return await send(target, addresses, {
        trusted,
        ca: trusted ? testCa : undefined,
        maxBodyBytes,
        signal: deadline.signal,
      });
    } finally {
      clearTimeout(timer);
    }
  };
}

function toTarget(input: string | URL | Request, init: RequestInit | undefined): Target {
  const href = input instanceof Request ? input.url : String(input);
  const url = URL.parse(href);
  if (url === null) throw new FetchRefusedError('invalid_url', 'refused: not a valid URL');
  // SECURITY: checked before anything touches the network.
  if (url.protocol !== 'https:') {
    throw new FetchRefusedError('not_https', `refused ${url.protocol}// URL: only https:// is fetched`);
  }
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  if (method !== 'GET')
    throw new FetchRefusedError('method_not_allowed', `refused ${method}: only GET is sent`);
  if (url.username !== '' || url.password !== '') {
    throw new FetchRefusedError('invalid_url', `${url.origin}: refused a URL carrying credentials`);
  }
  const headers: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, name) => {
    if (value !== '' && !OWNED_HEADERS.has(name)) headers[name] = value;
  });
  headers['accept-encoding'] = 'identity';
  headers['user-agent'] ??= 'taskgate';
  return {
    url,
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port || 443),
    hostPort: toHostPortKey(url.host),
    headers,
  };
}

/** `host:port` in WHATWG canonical form, so `127.1:443`, `127.0.0.1` and `[::1]` compare exactly. */
function toHostPortKey(entry: string): string {
  const url = URL.parse(`https://${entry.trim()}/`);
  if (url === null || url.host === '' || url.pathname !== '/' || url.username !== '') {
    throw new Error(`not a host:port pair: ${entry}`);
  }
  return `${url.hostname}:${url.port || '443'}`;
}

/**
 * SECURITY: every address the name resolves to must be routable, not just the first: the
 * connection may use any of them (happy eyeballs), and a mixed answer is an attack.
 */
async function vetAddresses(target: Target, trusted: boolean, resolve: Resolver): Promise<LookupAddress[]> {
  const family = isIP(target.hostname);
  let addresses: LookupAddress[];
  if (family !== 0) {
    addresses = [{ address: target.hostname, family }];
  } else {
    try {
      addresses = [...(await resolve(target.hostname))];
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code ?? 'error';
      throw new FetchRefusedError('dns_failed', `${target.url.origin}: could not resolve host (${code})`, {
        cause,
      });
    }
    if (addresses.length === 0) {
      throw new FetchRefusedError('dns_failed', `${target.url.origin}: host resolves to no address`);
    }
  }
  if (trusted) return addresses;
  for (const { address } of addresses) {
    const range = blockedRange(address);
    if (range !== undefined) {
      throw new FetchRefusedError(
        'blocked_address',
        `${target.url.origin}: refused address ${address}, ${range}`,
      );
    }
  }
  return addresses;
}

function systemResolver(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });
}

/** Hands the socket only the vetted addresses: no second DNS query between check and connect. */
function pinnedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) return callback(null, [...addresses]);
    const wanted = options.family === 6 || options.family === 'IPv6' ? 6 : options.family === 4 ? 4 : 0;
    const pick = addresses.find((entry) => wanted === 0 || entry.family === wanted) ?? addresses[0]!;
    return callback(null, pick.address, pick.family);
  };
}

interface SendContext {
  readonly trusted: boolean;
  readonly ca: string | undefined;
  readonly maxBodyBytes: number;
  readonly signal: AbortSignal;
}

function send(target: Target, addresses: readonly LookupAddress[], context: SendContext): Promise<Response> {
  const { url } = target;
  return new Promise((resolve, reject) => {
    let settled = false;
    const request = httpsRequest({
      host: target.hostname,
      port: target.port,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { ...target.headers, host: url.host },
      lookup: pinnedLookup(addresses),
      // SNI and certificate name are the URL host; an IP literal is checked against IP SANs.
      ...(isIP(target.hostname) === 0 && { servername: target.hostname }),
      ...(context.ca !== undefined && { ca: context.ca }),
      rejectUnauthorized: true,
      agent: false,
    });
    const settle = (error: Error | undefined, response?: Response) => {
      if (settled) return;
      settled = true;
      context.signal.removeEventListener('abort', onAbort);
      if (error === undefined) return resolve(response!);
      request.destroy();
      reject(error);
    };
    const fail = (error: Error) =>
      settle(
        error instanceof FetchRefusedError
          ? error
          : new FetchRefusedError('network', `${url.origin}: ${error.message}`, { cause: error }),
      );
    const onAbort = () => fail(context.signal.reason as Error);
    context.signal.addEventListener('abort', onAbort, { once: true });

    request.on('socket', (socket) => {
      // Defence in depth: the peer we actually reached must still be an allowed address.
      socket.once('connect', () => {
        const remote = socket.remoteAddress;
        const range = remote === undefined ? 'unknown peer' : blockedRange(remote);
        if (!context.trusted && range !== undefined) {
          fail(new FetchRefusedError('blocked_address', `${url.origin}: connected to ${remote}, ${range}`));
        }
      });
    });
    request.on('error', fail);
    request.on('response', (response) => {
      const declared = Number(response.headers['content-length']);
      if (declared > context.maxBodyBytes) {
        return fail(tooLarge(url, `Content-Length ${declared}`, context.maxBodyBytes));
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > context.maxBodyBytes)
          fail(tooLarge(url, `more than ${context.maxBodyBytes} bytes received`, context.maxBodyBytes));
        else chunks.push(chunk);
      });
      response.on('error', fail);
      response.on('end', () => {
        try {
          settle(undefined, toResponse(url, response, Buffer.concat(chunks)));
        } catch (error) {
          fail(error as Error);
        }
      });
    });
    request.end();
  });
}

function tooLarge(url: URL, what: string, limit: number): FetchRefusedError {
  return new FetchRefusedError(
    'too_large',
    `${url.origin}: response body over the ${limit}-byte limit (${what})`,
  );
}

/**
 * The buffered body as a WHATWG Response. A redirect comes back as the 3xx it is: it is
 * never followed, and oidc-provider refuses anything but 200.
 */
function toResponse(url: URL, message: IncomingMessage, body: Buffer): Response {
  const status = message.statusCode ?? 0;
  if (status < 200 || status > 599) {
    throw new FetchRefusedError('bad_response', `${url.origin}: unexpected HTTP status ${status}`);
  }
  const headers = new Headers();
  const raw = message.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    try {
      headers.append(raw[index]!, raw[index + 1]!);
    } catch {
      // A header value fetch cannot represent is dropped, not fatal.
    }
  }
  const nullBody = status === 204 || status === 205 || status === 304;
  return new Response(nullBody ? null : new Uint8Array(body), { status, headers });
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`createSafeFetch: ${name} must be a positive number`);
  return value;
}
