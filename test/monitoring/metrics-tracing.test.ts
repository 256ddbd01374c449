/**
 * OpenTelemetry traces reach a real OTLP/HTTP receiver (JSON, on 127.0.0.1, started here)
 * when `otelExporterUrl` is set: one span per MCP tool call named after the MCP semantic
 * conventions, with its database queries as child spans whose SQL carries no values.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectV2, startTestServer } from '../support/mcp-server.js';
import { postgresUrl } from '../support/postgres.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
}
interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: { key: string; value: OtlpValue }[];
}

const received: OtlpSpan[] = [];
let receiver: Server;
let exporterUrl: string;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') {
        expect(request.headers['content-type']).toContain('application/json');
        const parsed = JSON.parse(body) as {
          resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
        };
        for (const resource of parsed.resourceSpans)
          for (const scope of resource.scopeSpans) received.push(...scope.spans);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  exporterUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/traces`;
});
afterAll(async () => new Promise<void>((resolve) => receiver.close(() => resolve())));

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.intValue;
};

for (const kind of postgresUrl() ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const)) {
  describe(`traces on ${kind}`, () => {
    it('exports a span per tool call with the MCP attribute names, and its queries under it', async () => {
      received.length = 0;
      const server = await startTestServer({ kind, env: { TASKGATE_OTEL_EXPORTER_URL: exporterUrl } });
      const key = await server.issueKey();
      const client = await connectV2(server, key);
      try {
        await client.callTool({ name: 'get_task', arguments: { task: 'APO-1' } });
      } finally {
        await client.close();
      }
      // Closing the app flushes the batch to the receiver.
      await server.close();

      const call = received.find((span) => span.name === 'tools/call get_task');
      expect(call, JSON.stringify(received.map((s) => s.name))).toBeDefined();
      expect(attribute(call!, 'mcp.method.name')).toBe('tools/call');
      expect(attribute(call!, 'gen_ai.tool.name')).toBe('get_task');
      expect(attribute(call!, 'gen_ai.operation.name')).toBe('execute_tool');
      expect(attribute(call!, 'jsonrpc.request.id')).toBeDefined();

      const queries = received.filter((span) => span.parentSpanId === call!.spanId);
      expect(queries.length).toBeGreaterThan(0);
      for (const query of queries) {
        expect(query.traceId).toBe(call!.traceId);
        expect(attribute(query, 'db.system.name')).toBe(kind === 'postgres' ? 'postgresql' : 'sqlite');
        expect(attribute(query, 'db.operation.name')).toBe(query.name);
        // Values are bound parameters: the task's key never appears in a query's text.
        expect(String(attribute(query, 'db.query.text'))).not.toContain('APO-1');
      }
      expect(queries.some((query) => attribute(query, 'db.operation.name') === 'select')).toBe(true);
    });
  });
}

describe('without an exporter', () => {
  it('exports nothing', async () => {
    received.length = 0;
    const server = await startTestServer();
    const key = await server.issueKey();
    const client = await connectV2(server, key);
    try {
      await client.callTool({ name: 'whoami', arguments: {} });
    } finally {
      await client.close();
    }
    await server.close();
    expect(received).toEqual([]);
  });
});
