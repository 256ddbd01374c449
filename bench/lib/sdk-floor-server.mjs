/**
 * The floor of Taskgate's stack (bench/sdk-floor.mjs): what every secured call runs before any
 * of our own work — @hono/node-server, Hono routing `POST /mcp`, the JSON body parsed once, and
 * the official SDK v2 (@modelcontextprotocol/server, the version Taskgate ships) answering
 * `tools/call` through its stateless Streamable HTTP transport in JSON mode, with built servers
 * pooled as Taskgate pools them. One tool returning a constant; no key, no database, no audit.
 * `FLOOR=raw` answers the same JSON-RPC result from node:http alone (the transport's floor).
 */
import { createServer } from 'node:http';
import { serve } from '@hono/node-server';
import { McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { Hono } from 'hono';
import { z } from 'zod';

const port = Number(process.env.PORT);
const result = { content: [{ type: 'text', text: 'ok' }], structuredContent: { ok: true } };

if (process.env.FLOOR === 'raw') {
  createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const { id } = JSON.parse(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id, result }));
    });
  }).listen(port, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port })}\n`));
} else {
  const free = [];
  const build = () => {
    const server = new McpServer({ name: 'floor', version: '1.0.0' });
    server.registerTool(
      'get_task',
      {
        description: 'constant',
        inputSchema: z.object({ task: z.string() }),
        outputSchema: z.object({ ok: z.boolean() }),
      },
      async () => result,
    );
    return server;
  };
  const app = new Hono();
  app.post('/mcp', async (c) => {
    const body = await c.req.json();
    const server = free.pop() ?? build();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    try {
      await server.connect(transport);
      return await transport.handleRequest(c.req.raw, { parsedBody: body });
    } finally {
      await server.close();
      free.push(server);
    }
  });
  serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () =>
    process.stdout.write(`${JSON.stringify({ port })}\n`),
  );
}
