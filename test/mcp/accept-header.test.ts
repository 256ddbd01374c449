/**
 * Issue 13 point 11: every answer of POST /mcp is JSON, so a client whose Accept allows JSON
 * is served in both protocol eras, whatever else it lists or leaves out (`application/json`
 * alone, `*\/*`, no header at all); only an Accept that excludes JSON gets 406, recorded.
 */
import { request as httpRequest } from 'node:http';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/mcp-server.js';

let server: TestServer;
let key: string;
beforeAll(async () => {
  server = await startTestServer();
  key = await server.issueKey();
});
afterAll(async () => server.close());

const legacyCall = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'whoami', arguments: {} },
});
const modernCall = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'whoami',
    arguments: {},
    _meta: {
      [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
      [CLIENT_CAPABILITIES_META_KEY]: {},
      [CLIENT_INFO_META_KEY]: { name: 'raw-2026', version: '1.0.0' },
    },
  },
});
const ERAS = {
  '2025-11-25': { body: legacyCall, headers: { 'mcp-protocol-version': '2025-11-25' } },
  '2026-07-28': {
    body: modernCall,
    headers: { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'whoami' },
  },
} as const;

/** A raw POST through node:http, which (unlike fetch) can leave Accept out entirely. */
function rawPost(body: string, headers: Record<string, string>) {
  return new Promise<{ status: number; contentType: string | undefined; json: unknown }>(
    (resolve, reject) => {
      const req = httpRequest(
        server.mcpUrl,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: res.headers['content-type'],
              json: JSON.parse(text),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    },
  );
}

describe.each(Object.keys(ERAS) as (keyof typeof ERAS)[])('Accept on POST /mcp [%s]', (era) => {
  const { body, headers } = ERAS[era];

  it.each([
    ['application/json', 'JSON alone'],
    ['*/*', 'anything'],
    ['application/*', 'any application type'],
    [undefined, 'no Accept header at all'],
    ['application/json, text/event-stream', 'both types, as the SDKs send'],
  ])('serves a client whose Accept is %j (%s) with a JSON answer', async (accept, _why) => {
    const response = await rawPost(body, { ...headers, ...(accept !== undefined && { accept }) });
    expect(response.status).toBe(200);
    expect(response.contentType).toMatch(/^application\/json/);
    expect(response.json).toMatchObject({
      id: 1,
      result: { structuredContent: { member: { role: 'owner' } } },
    });
  });

  it.each([
    ['text/html', 'HTML only'],
    ['text/event-stream', 'SSE only (every answer is JSON)'],
    ['application/json;q=0, */*', 'JSON explicitly refused'],
  ])('refuses an Accept that excludes JSON, %j (%s), with 406 and records it', async (accept, _why) => {
    const response = await rawPost(body, { ...headers, accept });
    expect(response.status).toBe(406);
    expect(response.json).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { message: /application\/json/ },
    });
    const [event] = await server.app.store.audit.list(null, { limit: 1 });
    expect(event).toMatchObject({
      action: 'mcp.rejected',
      outcome: 'denied',
      detail: { reason: 'not_acceptable', status: 406 },
    });
  });
});

describe('real clients whose requests carry a plain Accept', () => {
  /** A fetch that rewrites the Accept header, as some gateways and HTTP stacks do. */
  const withAccept =
    (accept: string): typeof fetch =>
    (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('accept', accept);
      return fetch(input, { ...init, headers });
    };

  it('serves the SDK v1 client (2025-11-25) when every POST says Accept: application/json', async () => {
    const client = new ClientV1({ name: 'accept-json-only', version: '1.0.0' });
    const transport = new TransportV1(new URL(server.mcpUrl), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
      fetch: withAccept('application/json'),
    });
    await client.connect(transport);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
  });

  it('serves the SDK v2 client in 2025 mode when every POST says Accept: */*', async () => {
    const client = new ClientV2(
      { name: 'accept-any', version: '2.0.0' },
      { versionNegotiation: { mode: 'legacy' } },
    );
    const transport = new TransportV2(new URL(server.mcpUrl), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
      fetch: withAccept('*/*'),
    });
    await client.connect(transport);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(result.isError).toBeFalsy();
    await client.close();
  });
});
