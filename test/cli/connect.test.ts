/**
 * `taskgate connect`, the stdio ↔ Streamable HTTP bridge, against a real HTTP server on
 * 127.0.0.1 that records each request and answers the way an MCP server does: JSON, SSE,
 * 202 for notifications, 401 for an unknown key, and a server request in mid-call.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerConnect } from '../../src/cli/commands/connect.js';
import type { CliIo } from '../../src/cli/io.js';
import { runBridge } from '../../src/cli/stdio-bridge.js';
import { EXIT_OK, EXIT_USAGE, toCliMessage, toExitCode } from '../../src/cli/to-exit-code.js';
import { cryptoRandom, toAppError } from '../../src/core/index.js';
import { generateApiKey } from '../../src/credentials/index.js';

const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';

const KEY = generateApiKey('development', cryptoRandom);
const PROTOCOL_VERSION = '2025-06-18';

interface Recorded {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: {
    id?: unknown;
    method?: string;
    result?: unknown;
    params?: { _meta?: Record<string, unknown> } & Record<string, unknown>;
  };
}

interface FakeServer {
  readonly url: string;
  readonly requests: Recorded[];
}

const servers: Array<{ close(): void }> = [];

afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A fake MCP endpoint at /mcp that accepts only KEY; /moved redirects elsewhere. */
async function startMcpServer(redirectTo?: string): Promise<FakeServer> {
  const requests: Recorded[] = [];
  let answerElicitation: ((result: unknown) => void) | undefined;
  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = text ? JSON.parse(text) : {};
    requests.push({ path: req.url ?? '', headers: req.headers, body });
    if (req.url === '/moved') return void res.writeHead(307, { location: redirectTo ?? '/' }).end();
    if (req.headers.authorization !== `Bearer ${KEY}`) {
      return json(res, 401, {
        error: { code: 'unauthenticated', reason: 'unknown', message: 'unknown API key' },
      });
    }
    if (body.method === undefined) {
      // A response to our elicitation request.
      if (body.id === 'elicit-1') answerElicitation?.(body.result);
      return void res.writeHead(202).end();
    }
    if (body.id === undefined) return void res.writeHead(202).end();
    if (body.params?._meta?.[PROTOCOL_VERSION_META_KEY]) {
      return json(res, 200, { jsonrpc: '2.0', id: body.id, result: { modern: true } });
    }
    switch (body.method) {
      case 'refuse/whole-request':
        // As the SDK answers a header/body mismatch: HTTP 400, a JSON-RPC error with id null.
        return json(res, 400, {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32020, message: 'header mismatch', data: { header: 'Mcp-Method' } },
        });
      case 'initialize':
        return json(
          res,
          200,
          { jsonrpc: '2.0', id: body.id, result: { protocolVersion: PROTOCOL_VERSION, capabilities: {} } },
          { 'mcp-session-id': 'session-1' },
        );
      case 'tools/list':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': keep-alive\n\n');
        res.write(event({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } }));
        // Pretty-printed JSON arrives as several data: lines of one event.
        res.end(event({ jsonrpc: '2.0', id: body.id, result: { tools: [{ name: 'list_tasks' }] } }, 2));
        return;
      case 'tools/call': {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const answered = new Promise((resolve) => (answerElicitation = resolve));
        res.write(
          event({
            jsonrpc: '2.0',
            id: 'elicit-1',
            method: 'elicitation/create',
            params: { message: 'Delete?' },
          }),
        );
        const answer = await answered;
        res.end(event({ jsonrpc: '2.0', id: body.id, result: { content: [], answer } }));
        return;
      }
      default:
        return json(res, 200, {
          jsonrpc: '2.0',
          id: body.id,
          error: { code: -32601, message: 'Method not found' },
        });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/mcp`, requests };
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function event(message: unknown, indent?: number): string {
  const lines = JSON.stringify(message, null, indent).split('\n');
  return `event: message\n${lines.map((line) => `data: ${line}`).join('\n')}\n\n`;
}

/** Stdin a test writes to line by line, as a client does. */
function pushableStdin() {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  return {
    send(message: unknown) {
      queue.push(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
      wake?.();
    },
    end() {
      ended = true;
      wake?.();
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<string> {
      for (;;) {
        if (queue.length) yield queue.shift()!;
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

function captureOutput() {
  let text = '';
  return {
    write: (chunk: string) => (text += chunk),
    get text() {
      return text;
    },
    messages: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

async function runConnect(env: Record<string, string>, ...argv: string[]) {
  const stdout = captureOutput();
  const stderr = captureOutput();
  const io: CliIo = { env, stdout, stderr };
  const program = new Command('taskgate').exitOverride().configureOutput({
    writeOut: (s) => stdout.write(s),
    writeErr: (s) => stderr.write(s),
  });
  const stdin = pushableStdin();
  stdin.send({ jsonrpc: '2.0', id: 1, method: 'ping' });
  stdin.end();
  registerConnect(program, io, stdin);
  let code = EXIT_OK;
  try {
    await program.parseAsync(['connect', ...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) code = EXIT_USAGE;
    else {
      const appError = toAppError(error);
      stderr.write(`${toCliMessage(appError)}\n`);
      code = toExitCode(appError);
    }
  }
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('taskgate connect bridge', () => {
  it('relays JSON and SSE answers with the bearer key and learned MCP headers when a client talks through it', async () => {
    const server = await startMcpServer();
    const stdin = pushableStdin();
    const stdout = captureOutput();
    const bridge = runBridge({ url: server.url, key: KEY, stdin, stdout });

    stdin.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: PROTOCOL_VERSION },
    });
    await vi.waitFor(() => expect(stdout.messages()).toHaveLength(1));
    stdin.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    stdin.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    stdin.end();
    await bridge;

    expect(stdout.messages()).toEqual([
      { jsonrpc: '2.0', id: 1, result: { protocolVersion: PROTOCOL_VERSION, capabilities: {} } },
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } },
      { jsonrpc: '2.0', id: 2, result: { tools: [{ name: 'list_tasks' }] } },
    ]);
    expect(server.requests.map((r) => r.body.method)).toEqual([
      'initialize',
      'notifications/initialized',
      'tools/list',
    ]);
    for (const { headers } of server.requests) {
      expect(headers.authorization).toBe(`Bearer ${KEY}`);
      expect(headers['content-type']).toBe('application/json');
      expect(headers.accept).toBe('application/json, text/event-stream');
    }
    expect(server.requests[0]!.headers['mcp-protocol-version']).toBeUndefined();
    for (const { headers } of server.requests.slice(1)) {
      expect(headers['mcp-protocol-version']).toBe(PROTOCOL_VERSION);
      expect(headers['mcp-session-id']).toBe('session-1');
    }
  });

  it('sends the 2026-07-28 headers each message needs when a client pinned to 2026-07-28 talks through it', async () => {
    const server = await startMcpServer();
    const stdin = pushableStdin();
    const stdout = captureOutput();
    const envelope = { [PROTOCOL_VERSION_META_KEY]: '2026-07-28' };
    const bridge = runBridge({ url: server.url, key: KEY, stdin, stdout });
    // A 2025-era session first: its version and session id must not leak into 2026 requests.
    stdin.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: PROTOCOL_VERSION },
    });
    await vi.waitFor(() => expect(stdout.messages()).toHaveLength(1));
    stdin.send({ jsonrpc: '2.0', id: 2, method: 'server/discover', params: { _meta: envelope } });
    stdin.send({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'whoami', arguments: {}, _meta: envelope },
    });
    stdin.send({
      jsonrpc: '2.0',
      id: 4,
      method: 'tools/call',
      params: { name: 'schön\r\nX-Evil: 1', arguments: {}, _meta: envelope },
    });
    stdin.end();
    await bridge;

    const headersOf = (id: number) => server.requests.find((r) => r.body.id === id)!.headers;
    expect(headersOf(2)).toMatchObject({
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'server/discover',
    });
    expect(headersOf(2)['mcp-name']).toBeUndefined();
    expect(headersOf(3)).toMatchObject({
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'whoami',
    });
    expect(headersOf(4)['mcp-name']).toBe(
      `=?base64?${Buffer.from('schön\r\nX-Evil: 1').toString('base64')}?=`,
    );
    expect(headersOf(4)['x-evil']).toBeUndefined();
    for (const id of [2, 3, 4]) expect(headersOf(id)['mcp-session-id']).toBeUndefined();
    expect(stdout.messages().filter((m) => m.id !== 1)).toHaveLength(3);
  });

  it('passes a JSON-RPC error answered with HTTP 400 through unchanged, addressed to the request', async () => {
    const server = await startMcpServer();
    const stdin = pushableStdin();
    const stdout = captureOutput();
    stdin.send({ jsonrpc: '2.0', id: 'r1', method: 'refuse/whole-request' });
    stdin.end();

    await runBridge({ url: server.url, key: KEY, stdin, stdout });

    expect(stdout.messages()).toEqual([
      {
        jsonrpc: '2.0',
        id: 'r1',
        error: { code: -32020, message: 'header mismatch', data: { header: 'Mcp-Method' } },
      },
    ]);
  });

  it('names the client of its initialize on later 2025-era messages, and only there', async () => {
    const server = await startMcpServer();
    const stdin = pushableStdin();
    const stdout = captureOutput();
    const clientInfo = { name: 'claude-ai', version: '0.14.1' };
    const bridge = runBridge({ url: server.url, key: KEY, stdin, stdout });
    stdin.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { clientInfo } });
    await vi.waitFor(() => expect(stdout.messages()).toHaveLength(1));
    stdin.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    stdin.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    stdin.send({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/list',
      params: { _meta: { [PROTOCOL_VERSION_META_KEY]: '2026-07-28' } },
    });
    stdin.end();
    await bridge;

    const metaOf = (method: string, id?: number) =>
      server.requests.find((r) => r.body.method === method && (id === undefined || r.body.id === id))!.body
        .params?._meta;
    const CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
    expect(metaOf('notifications/initialized')).toEqual({ [CLIENT_INFO]: clientInfo });
    expect(metaOf('tools/list', 2)).toEqual({ [CLIENT_INFO]: clientInfo });
    // A 2026-07-28 message carries its own envelope, sent as it came.
    expect(metaOf('tools/list', 3)).toEqual({ [PROTOCOL_VERSION_META_KEY]: '2026-07-28' });
  });

  it('writes nothing to stdout when the client sends only notifications', async () => {
    const server = await startMcpServer();
    const stdin = pushableStdin();
    const stdout = captureOutput();
    stdin.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    stdin.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9 } });
    stdin.end();

    await runBridge({ url: server.url, key: KEY, stdin, stdout });

    expect(stdout.text).toBe('');
    expect(server.requests).toHaveLength(2);
  });

  it('answers each request with a JSON-RPC error carrying the server message and goes on when the key is refused', async () => {
    const server = await startMcpServer();
    const stdin = pushableStdin();
    const stdout = captureOutput();
    const stderr = captureOutput();
    const unknownKey = generateApiKey('development', cryptoRandom);
    stdin.send({ jsonrpc: '2.0', id: 1, method: 'initialize' });
    stdin.send({ jsonrpc: '2.0', id: 'two', method: 'tools/list' });
    stdin.end();

    await runBridge({ url: server.url, key: unknownKey, stdin, stdout, stderr });

    const errors = stdout.messages().sort((a, b) => String(a.id).localeCompare(String(b.id)));
    const refusal = {
      status: 401,
      body: { error: { code: 'unauthenticated', reason: 'unknown', message: 'unknown API key' } },
    };
    expect(errors).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'unknown API key', data: refusal } },
      { jsonrpc: '2.0', id: 'two', error: { code: -32000, message: 'unknown API key', data: refusal } },
    ]);
    expect(stderr.text).toContain('HTTP 401: unknown API key');
    expect(stdout.text + stderr.text).not.toContain(unknownKey);
  });

  it('relays a server request that arrives mid-call and its answer instead of deadlocking', async () => {
    const server = await startMcpServer();
    const stdin = pushableStdin();
    const stdout = captureOutput();
    const bridge = runBridge({ url: server.url, key: KEY, stdin, stdout });

    stdin.send({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'delete_task' } });
    await vi.waitFor(() => expect(stdout.messages()[0]).toMatchObject({ method: 'elicitation/create' }));
    stdin.send({ jsonrpc: '2.0', id: 'elicit-1', result: { action: 'accept' } });
    stdin.end();
    await bridge;

    expect(stdout.messages()[1]).toEqual({
      jsonrpc: '2.0',
      id: 7,
      result: { content: [], answer: { action: 'accept' } },
    });
    expect(stdout.messages()).toHaveLength(2);
  });

  it('answers a parse error when a stdin line is not JSON', async () => {
    const server = await startMcpServer();
    const stdin = pushableStdin();
    const stdout = captureOutput();
    stdin.send('{not json');
    stdin.end();

    await runBridge({ url: server.url, key: KEY, stdin, stdout });

    expect(stdout.messages()).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } },
    ]);
    expect(server.requests).toHaveLength(0);
  });

  it('does not follow a redirect that would carry the key to another server', async () => {
    const elsewhere = await startMcpServer();
    const server = await startMcpServer(elsewhere.url);
    const stdin = pushableStdin();
    const stdout = captureOutput();
    stdin.send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    stdin.end();

    await runBridge({ url: server.url.replace('/mcp', '/moved'), key: KEY, stdin, stdout });

    expect(elsewhere.requests).toHaveLength(0);
    expect(stdout.messages()[0]).toMatchObject({ id: 1, error: { data: { status: 307 } } });
    expect(String((stdout.messages()[0]!.error as { message: string }).message)).toContain(elsewhere.url);
  });

  it('answers each request with an error naming the origin when the server cannot be reached', async () => {
    const stdin = pushableStdin();
    const stdout = captureOutput();
    stdin.send({ jsonrpc: '2.0', id: 1, method: 'ping' });
    stdin.end();

    await runBridge({ url: 'http://127.0.0.1:1/mcp', key: KEY, stdin, stdout });

    expect(stdout.messages()[0]).toMatchObject({ id: 1, error: { code: -32000 } });
    expect(String((stdout.messages()[0]!.error as { message: string }).message)).toContain(
      'cannot reach http://127.0.0.1:1',
    );
  });
});

describe('taskgate connect command', () => {
  it('relays stdin to the server and exits 0 when the key variable holds a valid key', async () => {
    const server = await startMcpServer();
    const result = await runConnect({ TASKGATE_API_KEY: KEY }, '--url', server.url);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: 1, error: { code: -32601 } });
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('reads the key from the variable named by --key-env', async () => {
    const server = await startMcpServer();
    const result = await runConnect({ ACME_KEY: KEY }, '--url', server.url, '--key-env', 'ACME_KEY');
    expect(result.code).toBe(0);
    expect(server.requests).toHaveLength(1);
  });

  it('exits 2 naming the variable and contacts no server when the key variable is missing', async () => {
    const server = await startMcpServer();
    const result = await runConnect({}, '--url', server.url);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'taskgate: TASKGATE_API_KEY: is not set; put your Taskgate API key in it',
    );
    expect(result.stdout).toBe('');
    expect(server.requests).toHaveLength(0);
  });

  it('exits 2 without echoing the value when the variable holds a key with a broken checksum', async () => {
    const server = await startMcpServer();
    const broken = `${KEY.slice(0, -1)}${KEY.endsWith('A') ? 'B' : 'A'}`;
    const result = await runConnect({ TASKGATE_API_KEY: broken }, '--url', server.url);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TASKGATE_API_KEY: does not hold a valid Taskgate API key');
    expect(result.stdout + result.stderr).not.toContain(broken);
    expect(result.stdout + result.stderr).not.toContain(broken.slice(12, -7));
    expect(server.requests).toHaveLength(0);
  });

  it('refuses to send the key over plain http to a host that is not loopback', async () => {
    const result = await runConnect({ TASKGATE_API_KEY: KEY }, '--url', 'http://taskgate.example.com/mcp');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('url: must use https://');
  });
});
