/**
 * 2025-era requests are answered by pooled servers that stay connected (`legacy-exchange.ts`)
 * instead of the SDK's one-request transport. The SDK's transport is the oracle: every request
 * below is answered by both — the SDK's on a fresh server, ours on one connected server reused
 * throughout — and the answers must match in status, content type and body.
 */
import {
  type AuthInfo,
  McpServer,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ConnectedServer, connectServer, serveLegacyPost } from '../../src/mcp/legacy-exchange.js';
import { initializeBody, post, startTestServer, type TestServer } from '../support/mcp-server.js';

const AUTH: AuthInfo = { token: '', clientId: 'k1', scopes: ['tasks:read'] };

function toyServer(): McpServer {
  const server = new McpServer({ name: 'toy', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, async ({ text }) => {
    // Answers out of order when several are in flight.
    await new Promise((resolve) => setTimeout(resolve, text.length % 3));
    return { content: [{ type: 'text', text }] };
  });
  server.registerTool('fails', { inputSchema: z.object({}) }, () => {
    throw new Error('tool broke');
  });
  return server;
}

interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: unknown;
}

async function read(response: Response): Promise<Answer> {
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: text === '' ? null : JSON.parse(text),
  };
}

const request = (headers: Record<string, string>) =>
  new Request('http://127.0.0.1/mcp', {
    method: 'POST',
    headers: { accept: 'application/json, text/event-stream', ...headers },
  });

/** The SDK's own answer: a fresh server on a fresh stateless transport, as before. */
async function sdkAnswer(headers: Record<string, string>, body: unknown): Promise<Answer> {
  const server = toyServer();
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  try {
    return await read(await transport.handleRequest(request(headers), { authInfo: AUTH, parsedBody: body }));
  } finally {
    await server.close();
  }
}

const rpc = (id: number | string, method: string, params?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method,
  ...(params && { params }),
});
const echo = (id: number | string, text: string) =>
  rpc(id, 'tools/call', { name: 'echo', arguments: { text } });
const JSON_TYPE = { 'content-type': 'application/json' };
const V2025 = { ...JSON_TYPE, 'mcp-protocol-version': '2025-11-25' };

const CASES: [string, Record<string, unknown>, unknown][] = [
  ['a tool call', V2025, echo(1, 'hello')],
  ['a tool call with a string id', V2025, echo('abc', 'hello')],
  ['tools/list', V2025, rpc(2, 'tools/list')],
  ['ping', V2025, rpc(3, 'ping')],
  ['a batch of calls answered out of order', V2025, [echo(1, 'aa'), echo(2, 'a'), echo(3, 'aaa')]],
  [
    'a batch with a notification',
    V2025,
    [echo(1, 'x'), { jsonrpc: '2.0', method: 'notifications/initialized' }],
  ],
  ['a batch naming one id twice', V2025, [echo(7, 'a'), echo(7, 'bb')]],
  ['a notification alone', V2025, { jsonrpc: '2.0', method: 'notifications/initialized' }],
  ['a posted response', V2025, { jsonrpc: '2.0', id: 9, result: {} }],
  ['an unknown method', V2025, rpc(4, 'tasks/explode')],
  ['an unknown tool', V2025, rpc(5, 'tools/call', { name: 'nope', arguments: {} })],
  ['arguments failing the schema', V2025, rpc(6, 'tools/call', { name: 'echo', arguments: { text: 5 } })],
  ['a tool that throws', V2025, rpc(8, 'tools/call', { name: 'fails', arguments: {} })],
  ['no protocol version header', JSON_TYPE, echo(1, 'v')],
  ['an unsupported protocol version', { ...JSON_TYPE, 'mcp-protocol-version': '1999-01-01' }, echo(1, 'v')],
  [
    'a version glued to a supported one',
    { ...JSON_TYPE, 'mcp-protocol-version': '2025-11-25x' },
    echo(1, 'v'),
  ],
  ['a charset on the media type', { 'content-type': 'application/json; charset=utf-8' }, echo(1, 'c')],
  ['a text/plain body', { 'content-type': 'text/plain' }, echo(1, 't')],
  ['no content type', {}, echo(1, 't')],
  ['not a JSON-RPC message', V2025, { hello: 'world' }],
  ['a batch with one bad message', V2025, [echo(1, 'a'), { jsonrpc: '1.0', id: 2, method: 'ping' }]],
  ['a batch over 100 messages', V2025, Array.from({ length: 101 }, (_, i) => rpc(i, 'ping'))],
  ['an empty batch', V2025, []],
  ['initialize in a batch', V2025, [JSON.parse(initializeBody), rpc(2, 'ping')]],
];

describe('a 2025-era POST over a connected server answers as the SDK transport does', () => {
  let connected: ConnectedServer;
  beforeAll(() => {
    connected = connectServer(toyServer());
  });
  afterAll(async () => connected.server.close());

  it.each(CASES)('%s', async (_, headers, body) => {
    const ours = await read(await serveLegacyPost(connected, request(headers as never), body, AUTH));
    expect(ours).toEqual(await sdkAnswer(headers as never, body));
  });

  it('initialize: the same answer, from a server then closed', async () => {
    const server = connectServer(toyServer());
    const body = JSON.parse(initializeBody) as unknown;
    const ours = await read(await serveLegacyPost(server, request(V2025), body, AUTH));
    expect(ours).toEqual(await sdkAnswer(V2025, body));
    expect((ours.body as { result: { serverInfo: unknown } }).result.serverInfo).toEqual({
      name: 'toy',
      version: '1.0.0',
    });
    await server.server.close();
    expect(server.transport.closed).toBe(true);
  });

  it('routes each response to its own exchange when 50 servers answer at once', async () => {
    const servers = Array.from({ length: 50 }, () => connectServer(toyServer()));
    try {
      const answers = await Promise.all(
        servers.map((server, i) =>
          // Every client numbers its requests from 1: only the exchange tells them apart.
          serveLegacyPost(server, request(V2025), echo(1, `call-${'x'.repeat(i % 3)}-${i}`), AUTH).then(read),
        ),
      );
      answers.forEach((answer, i) => {
        expect(answer.body).toMatchObject({
          id: 1,
          result: { content: [{ text: `call-${'x'.repeat(i % 3)}-${i}` }] },
        });
      });
    } finally {
      await Promise.all(servers.map((s) => s.server.close()));
    }
  });
});

describe('the endpoint over pooled connected servers', () => {
  let server: TestServer;
  let key: string;
  const PROBE = 'probe_echo';

  beforeAll(async () => {
    server = await startTestServer({
      extendMcpServer: (mcp) =>
        mcp.registerTool(PROBE, { inputSchema: z.object({ text: z.string() }) }, async ({ text }) => {
          await new Promise((resolve) => setTimeout(resolve, text.length % 4));
          return { content: [{ type: 'text', text }] };
        }),
    });
    key = await server.issueKey();
  });
  afterAll(async () => server.close());

  it('answers 50 concurrent requests, all numbered 1, each with its own result', async () => {
    const texts = Array.from({ length: 50 }, (_, i) => `r${i}${'-'.repeat(i % 4)}`);
    const answers = await Promise.all(
      texts.map(async (text) => {
        const response = await post(
          server,
          JSON.stringify(rpc(1, 'tools/call', { name: PROBE, arguments: { text } })),
          { authorization: `Bearer ${key}`, 'mcp-protocol-version': '2025-11-25' },
        );
        expect(response.status).toBe(200);
        return (await response.json()) as { id: number; result: { content: { text: string }[] } };
      }),
    );
    answers.forEach((answer, i) => {
      expect(answer.id).toBe(1);
      expect(answer.result.content[0]?.text).toBe(texts[i]);
    });
  });

  it('still answers after an initialize retired the server that served it', async () => {
    const headers = { authorization: `Bearer ${key}`, 'mcp-protocol-version': '2025-11-25' };
    for (let round = 0; round < 3; round++) {
      expect((await post(server, initializeBody, headers)).status).toBe(200);
      const answer = await post(server, JSON.stringify(rpc(2, 'ping')), headers);
      expect(await answer.json()).toEqual({ jsonrpc: '2.0', id: 2, result: {} });
    }
  });
});
