/**
 * OpenTelemetry traces of MCP requests and database queries, exported over OTLP/HTTP (JSON)
 * when `otelExporterUrl` is set; without it nothing here is built and nothing costs anything.
 * Nothing global: the tracer provider and its context manager belong to one app, so two
 * apps in a process (tests, a command beside the server) never mix spans, and no other
 * library's instrumentation is switched on by us.
 *
 * Attribute names follow the OpenTelemetry semantic conventions for MCP (`mcp.method.name`,
 * `gen_ai.tool.name`, `gen_ai.operation.name`, `jsonrpc.request.id`, `mcp.session.id`) and
 * for databases (`db.system.name`, `db.operation.name`, `db.query.text`). A query's text is
 * kysely's compiled SQL, whose values are bound parameters: no value is exported.
 */

import { createRequire } from 'node:module';
import { type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/** One query as kysely logs it, after it ran. */
export interface QueryEvent {
  readonly system: 'sqlite' | 'postgres';
  readonly sql: string;
  readonly durationMs: number;
  readonly error?: unknown;
}

export interface McpTraceRequest {
  /** The parsed JSON-RPC body: one message or a batch. */
  readonly body: unknown;
  readonly sessionId: string | null;
}

export interface Tracing {
  /** Runs `work` inside one span per JSON-RPC message of the request. */
  traceMcp<T>(request: McpTraceRequest, work: () => Promise<T>): Promise<T>;
  /** A finished query, as a span under the current MCP span (if any). */
  queryRan(event: QueryEvent): void;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

interface Message {
  readonly method: string;
  readonly id?: string | number;
  readonly tool?: string;
}

function messagesOf(body: unknown): Message[] {
  const list = Array.isArray(body) ? body : [body];
  const messages: Message[] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue;
    const { method, id, params } = item as { method?: unknown; id?: unknown; params?: unknown };
    if (typeof method !== 'string') continue;
    const name = (params as { name?: unknown } | undefined)?.name;
    messages.push({
      method,
      ...((typeof id === 'string' || typeof id === 'number') && { id }),
      ...(method === 'tools/call' && typeof name === 'string' && { tool: name }),
    });
  }
  return messages;
}

const DB_SYSTEM = { sqlite: 'sqlite', postgres: 'postgresql' } as const;

/** `select`, `insert`, `begin`… : the statement's first keyword. */
const operationOf = (text: string) => /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase() ?? 'query';

const require = createRequire(import.meta.url);

export function createTracing(options: { readonly url: string; readonly version: string }): Tracing {
  // Loaded only when tracing is configured: the SDK and its exporter cost start-up time.
  const { AsyncLocalStorageContextManager } =
    require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } =
    require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { BasicTracerProvider, BatchSpanProcessor } =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'taskgate', 'service.version': options.version }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: options.url }))],
  });
  const tracer = provider.getTracer('taskgate', options.version);
  const contexts = new AsyncLocalStorageContextManager().enable();

  function startMessageSpan(message: Message, sessionId: string | null, parent: Context): Span {
    const name = message.tool ? `${message.method} ${message.tool}` : message.method;
    return tracer.startSpan(
      name,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'mcp.method.name': message.method,
          ...(message.tool && { 'gen_ai.tool.name': message.tool, 'gen_ai.operation.name': 'execute_tool' }),
          ...(message.id !== undefined && { 'jsonrpc.request.id': String(message.id) }),
          ...(sessionId && { 'mcp.session.id': sessionId }),
          'network.transport': 'tcp',
          'network.protocol.name': 'http',
        },
      },
      parent,
    );
  }

  return {
    async traceMcp(request, work) {
      const messages = messagesOf(request.body);
      if (messages.length === 0) return work();
      const parent = contexts.active();
      const spans = messages.map((message) => startMessageSpan(message, request.sessionId, parent));
      try {
        // Queries of a batch are parented to its first message: they run interleaved.
        return await contexts.with(trace.setSpan(parent, spans[0]!), work);
      } catch (error) {
        for (const span of spans) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.setAttribute('error.type', (error as Error)?.name ?? 'Error');
        }
        throw error;
      } finally {
        for (const span of spans) span.end();
      }
    },

    queryRan(event) {
      const parent = contexts.active();
      // A query outside any MCP request (startup, a background job) makes no trace of its own.
      if (trace.getSpan(parent) === undefined || parent === ROOT_CONTEXT) return;
      const operation = operationOf(event.sql);
      const end = Date.now();
      const span = tracer.startSpan(
        operation,
        {
          kind: SpanKind.CLIENT,
          startTime: end - event.durationMs,
          attributes: {
            'db.system.name': DB_SYSTEM[event.system],
            'db.operation.name': operation,
            'db.query.text': event.sql,
          },
        },
        parent,
      );
      if (event.error !== undefined) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute('error.type', (event.error as Error)?.name ?? 'Error');
      }
      span.end(end);
    },

    async shutdown() {
      contexts.disable();
      await provider.shutdown();
    },
  };
}
