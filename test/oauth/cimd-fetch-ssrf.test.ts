/**
 * The CIMD fetcher against SSRF: a client_id URL is attacker-chosen, so each attack below
 * must be refused before a byte reaches its target. Targets are real listeners on
 * 127.0.0.1 that count connections; the TLS peers are real HTTPS servers with a
 * certificate generated for this run.
 */
import type { LookupAddress } from 'node:dns';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSafeFetch, FetchRefusedError, type SafeFetch } from '../../src/oauth/index.js';
import {
  type ConnectionCounter,
  createTestCertificate,
  type HttpsTestServer,
  startConnectionCounter,
  startHttpsServer,
  type TestCertificate,
} from '../support/https-server.js';

let certificate: TestCertificate;
let target: ConnectionCounter;
let server: HttpsTestServer;

beforeAll(() => {
  certificate = createTestCertificate(['cimd.test']);
});
afterAll(() => certificate.remove());

beforeEach(async () => {
  target = await startConnectionCounter();
  server = await startHttpsServer(certificate);
});
afterEach(async () => {
  await target.close();
  await server.close();
});

async function refusal(fetch: SafeFetch, url: string): Promise<FetchRefusedError> {
  const error = await fetch(url, { headers: { accept: 'application/json' } }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FetchRefusedError);
  return error as FetchRefusedError;
}

/** A resolver answering from a fixed table, standing in for an attacker's DNS zone. */
function zone(records: Record<string, readonly string[]>) {
  const calls: string[] = [];
  const resolve = async (hostname: string): Promise<LookupAddress[]> => {
    calls.push(hostname);
    return (records[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, calls };
}

describe('CIMD fetch to internal addresses', () => {
  const fetch = createSafeFetch();

  it('refuses the cloud metadata address 169.254.169.254', async () => {
    const error = await refusal(fetch, 'https://169.254.169.254/latest/meta-data/iam/security-credentials/');
    expect(error.reason).toBe('blocked_address');
    expect(error.message).toContain('169.254.169.254, link-local / cloud metadata (169.254.0.0/16)');
  });

  it('refuses a hostname that resolves to the cloud metadata address', async () => {
    const dns = zone({ 'metadata.evil.example': ['169.254.169.254'] });
    const error = await refusal(
      createSafeFetch({ resolve: dns.resolve }),
      'https://metadata.evil.example/client',
    );
    expect(error.reason).toBe('blocked_address');
  });

  it('refuses loopback 127.0.0.1 without connecting', async () => {
    const error = await refusal(fetch, `https://127.0.0.1:${target.port}/client.json`);
    expect(error.reason).toBe('blocked_address');
    expect(error.message).toContain('loopback (127.0.0.0/8)');
    expect(target.connections).toBe(0);
  });

  it('refuses IPv4-mapped loopback [::ffff:127.0.0.1] without connecting', async () => {
    const error = await refusal(fetch, `https://[::ffff:127.0.0.1]:${target.port}/client.json`);
    expect(error.reason).toBe('blocked_address');
    expect(error.message).toContain('IPv4-mapped loopback');
    expect(target.connections).toBe(0);
  });

  it('refuses a decimal IP (2130706433 = 127.0.0.1) without connecting', async () => {
    const error = await refusal(fetch, `https://2130706433:${target.port}/client.json`);
    expect(error.reason).toBe('blocked_address');
    expect(error.message).toContain('127.0.0.1, loopback');
    expect(target.connections).toBe(0);
  });

  it('refuses localhost, which resolves to loopback, without connecting', async () => {
    const error = await refusal(fetch, `https://localhost:${target.port}/client.json`);
    expect(error.reason).toBe('blocked_address');
    expect(target.connections).toBe(0);
  });

  it('refuses a name whose DNS answer mixes a public and a loopback address', async () => {
    const dns = zone({ 'rebind.evil.example': ['93.184.215.14', '127.0.0.1'] });
    const error = await refusal(
      createSafeFetch({ resolve: dns.resolve }),
      `https://rebind.evil.example:${target.port}/client.json`,
    );
    expect(error.message).toContain('refused address 127.0.0.1');
    expect(target.connections).toBe(0);
  });

  it('refuses an http:// downgrade and other schemes before connecting', async () => {
    for (const url of [
      `http://127.0.0.1:${target.port}/client.json`,
      'file:///etc/passwd',
      'ftp://127.0.0.1/',
    ]) {
      expect((await refusal(fetch, url)).reason).toBe('not_https');
    }
    expect(target.connections).toBe(0);
  });

  it('refuses a method other than GET', async () => {
    const error = await fetch(server.url('/'), { method: 'POST', body: 'x' }).catch(
      (caught: unknown) => caught,
    );
    expect((error as FetchRefusedError).reason).toBe('method_not_allowed');
  });
});

describe('CIMD fetch responses', () => {
  const allowed = () => createSafeFetch({ testHosts: [server.hostPort], testCaFile: certificate.certFile });

  it('does not follow a redirect to loopback', async () => {
    const loopback = `https://127.0.0.1:${target.port}/client.json`;
    server.handle('/client.json', (_request, response) =>
      response.writeHead(302, { location: loopback }).end(),
    );
    const response = await allowed()(server.url('/client.json'));
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(loopback);
    expect(target.connections).toBe(0);
    expect((await refusal(allowed(), loopback)).reason).toBe('blocked_address');
  });

  it('refuses a document over 5 KB that declares its Content-Length', async () => {
    const body = `{"pad":"SECRET-BODY-${'x'.repeat(6000)}"}`;
    server.handle('/big.json', (_request, response) =>
      response.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body),
    );
    const error = await refusal(allowed(), server.url('/big.json'));
    expect(error.reason).toBe('too_large');
    expect(error.message).toContain(`Content-Length ${Buffer.byteLength(body)}`);
    expect(error.message).not.toContain('SECRET-BODY');
  });

  it('refuses a document over 5 KB streamed without Content-Length', async () => {
    server.handle('/big.json', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      for (let chunk = 0; chunk < 8; chunk += 1) response.write(`SECRET-BODY-${'x'.repeat(1000)}`);
      response.end();
    });
    const error = await refusal(allowed(), server.url('/big.json'));
    expect(error.reason).toBe('too_large');
    expect(error.message).toContain('over the 5120-byte limit');
    expect(error.message).not.toContain('SECRET-BODY');
  });

  it('accepts a body of exactly 5,120 bytes', async () => {
    const body = `"${'x'.repeat(5118)}"`;
    server.handle('/edge.json', (_request, response) => response.writeHead(200).end(body));
    const response = await allowed()(server.url('/edge.json'));
    expect((await response.text()).length).toBe(5120);
  });

  it('refuses a slow server that never finishes its body once the timeout passes', async () => {
    server.handle('/slow.json', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"client_id":');
    });
    const fetch = createSafeFetch({
      testHosts: [server.hostPort],
      testCaFile: certificate.certFile,
      timeoutMs: 300,
    });
    const error = await refusal(fetch, server.url('/slow.json'));
    expect(error.reason).toBe('timeout');
    expect(error.message).toBe(`${server.origin}: no complete response within 300 ms`);
  });

  it('refuses a server that accepts the connection but never answers', async () => {
    server.handle('/silent.json', () => {});
    const fetch = createSafeFetch({
      testHosts: [server.hostPort],
      testCaFile: certificate.certFile,
      timeoutMs: 300,
    });
    expect((await refusal(fetch, server.url('/silent.json'))).reason).toBe('timeout');
  });

  it('returns the document as a WHATWG Response whose body oidc-provider can iterate', async () => {
    const document = { client_id: server.url('/client.json'), redirect_uris: ['https://app.example/cb'] };
    server.serveJson('/client.json', document);
    const response = await allowed()(server.url('/client.json'), { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBe(JSON.stringify(document).length);
    const chunks: Uint8Array[] = [];
    for await (const chunk of response.body!) chunks.push(chunk);
    expect(JSON.parse(Buffer.concat(chunks).toString())).toEqual(document);
  });
});

describe('CIMD test allow-list', () => {
  it('admits the exact host:port it lists and nothing else', async () => {
    server.serveJson('/client.json', { client_id: server.url('/client.json') });
    const other = await startHttpsServer(certificate);
    try {
      other.serveJson('/client.json', {});
      const fetch = createSafeFetch({ testHosts: [server.hostPort], testCaFile: certificate.certFile });
      expect((await fetch(server.url('/client.json'))).status).toBe(200);
      // Same server, other spelling of the host: not listed, so the address check applies.
      expect((await refusal(fetch, `https://localhost:${server.port}/client.json`)).reason).toBe(
        'blocked_address',
      );
      // Same host, other port: not listed.
      expect((await refusal(fetch, other.url('/client.json'))).reason).toBe('blocked_address');
      expect(server.requests).toBe(1);
      expect(other.requests).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('still verifies TLS for a listed host when the test CA is not given', async () => {
    server.serveJson('/client.json', {});
    const error = await refusal(
      createSafeFetch({ testHosts: [server.hostPort] }),
      server.url('/client.json'),
    );
    expect(error.reason).toBe('network');
    expect(error.message).toMatch(/self-signed certificate/);
    expect(server.requests).toBe(0);
  });

  it('connects to the address it vetted instead of resolving the name again (DNS rebinding)', async () => {
    // `cimd.test` exists only in this zone: if the socket resolved it again, it would fail.
    const dns = zone({ 'cimd.test': ['127.0.0.1'] });
    server.serveJson('/client.json', { ok: true });
    const fetch = createSafeFetch({
      testHosts: [`cimd.test:${server.port}`],
      testCaFile: certificate.certFile,
      resolve: dns.resolve,
    });
    const response = await fetch(`https://cimd.test:${server.port}/client.json`);
    expect(await response.json()).toEqual({ ok: true });
    expect(dns.calls).toEqual(['cimd.test']);
  });
});
