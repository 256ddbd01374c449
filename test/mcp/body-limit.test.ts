/**
 * The body limit of POST /mcp two ways (issue 17 moved the common case onto the declared
 * length): a body that declares its length is judged by the header, a chunked one as it
 * streams in. A chunked body cannot slip past the limit, a declared length cannot smuggle
 * more than it declared into the request, and both refusals are recorded.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/mcp-server.js';

const LIMIT = 256 * 1024;
let server: TestServer;
let key: string;
beforeAll(async () => {
  server = await startTestServer();
  key = await server.issueKey();
});
afterAll(async () => server.close());

/** A raw POST: `chunks` are written one by one, so without a length Node sends them chunked. */
function rawPost(chunks: readonly string[], headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      server.mcpUrl,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
          authorization: `Bearer ${key}`,
          ...headers,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const ping = (pad: number) =>
  JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping', params: { pad: 'x'.repeat(pad) } });
const split = (text: string, size: number) =>
  Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));

describe('the body limit of POST /mcp', () => {
  it('an oversized body sent in chunks, with no length to judge by, is refused with 413 and recorded', async () => {
    const refusedBefore = await rejections();
    const answer = await rawPost(split(ping(LIMIT + 1024), 16 * 1024));
    expect(answer.status).toBe(413);
    expect(await rejections()).toBe(refusedBefore + 1);
  });

  it('a chunked body under the limit is served like any other', async () => {
    const answer = await rawPost(split(ping(LIMIT / 2), 16 * 1024));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ jsonrpc: '2.0', id: 7, result: {} });
  });

  it('a declared length over the limit is refused before the body is read', async () => {
    const body = ping(LIMIT + 1024);
    const answer = await rawPost([body], { 'content-length': String(Buffer.byteLength(body)) });
    expect(answer.status).toBe(413);
  });

  it('a declared length shorter than what follows smuggles nothing: 400, nothing run, the server serves on', async () => {
    const body = ping(10);
    // The bytes past the declared length are a second request to Node's parser, which refuses
    // the connection; the first request's body is cut at its length, which no JSON survives.
    const answer = await rawPost([body], { 'content-length': String(Buffer.byteLength(body) - 5) });
    expect(answer.status).toBe(400);
    expect(answer.body).not.toContain('"result"');
    expect((await rawPost([ping(1)])).status).toBe(200);
  });
});

async function rejections(): Promise<number> {
  // Refusals before authentication belong to no workspace.
  const events = await server.app.store.audit.list(null, { limit: 1000 });
  return events.filter(
    (e) =>
      e.action === 'mcp.rejected' && (e.detail as { reason?: string } | null)?.reason === 'body_too_large',
  ).length;
}
