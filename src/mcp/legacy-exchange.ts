/**
 * A 2025-era POST answered by a pooled server that stays connected (issue 17). The SDK's
 * stateless Streamable HTTP transport serves one request and refuses reuse, so each request
 * used to build one, connect the server to it and close both after: per call a transport, a
 * stream mapping, AbortSignals, and the `ConnectionClosed` error `close()` builds for requests
 * no longer in flight. Here each pooled server is connected once, to an `ExchangeTransport`,
 * and a request hands its messages to it and waits for their responses.
 *
 * Only the wire is ours; the protocol stays the SDK's: its `McpServer` answers every message,
 * and the checks below are the ones its transport makes for a stateless POST in JSON-response
 * mode, in the same order, with the same answers (`test/mcp/legacy-exchange.test.ts` compares
 * them with the SDK's transport message for message). The route has already checked Host,
 * Origin, method, Accept and size. Not carried over: the SDK's tool-level scope challenge
 * (`scopeChallenge` on a registration; scopes are the guard's) and Accept's insistence on
 * `text/event-stream` (an answer here is only ever JSON).
 */
import {
  type AuthInfo,
  isInitializeRequest,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  isJsonContentType,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type JSONRPCResponse,
  type McpServer,
  type MessageExtraInfo,
  parseJSONRPCMessage,
  SUPPORTED_PROTOCOL_VERSIONS,
  type Transport,
} from '@modelcontextprotocol/server';

/** The SDK transport's own limit, kept so a batch is refused here exactly as there. */
const MAX_BATCH_SIZE = 100;

type RequestId = JSONRPCResponse['id'];

/**
 * One connection a server keeps between requests. A request's responses are routed back to
 * it by id; anything else the server sends — a notification, a request of its own — has no
 * way to the client without a stream, as with the SDK's transport in JSON-response mode.
 */
export class ExchangeTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  supportedVersions: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;
  #waiting: Map<RequestId, (response: JSONRPCResponse) => void> | undefined;
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  async start(): Promise<void> {}

  setSupportedProtocolVersions(versions: string[]): void {
    this.supportedVersions = versions;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!isResponse(message)) return;
    const settle = this.#waiting?.get(message.id);
    // As the SDK's transport: a response to nothing asked in this exchange is an error.
    if (!settle) throw new Error(`No connection established for request ID: ${String(message.id)}`);
    this.#waiting?.delete(message.id);
    settle(message);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.onclose?.();
  }

  /** Delivers the messages and resolves with the responses to `requests`, in their order. */
  exchange(
    messages: readonly JSONRPCMessage[],
    requests: readonly JSONRPCRequest[],
    extra: MessageExtraInfo,
  ): Promise<JSONRPCResponse[]> {
    const ids = [...new Set(requests.map((m) => m.id))];
    return new Promise((resolve) => {
      const answered = new Map<RequestId, JSONRPCResponse>();
      this.#waiting = new Map(
        ids.map((id) => [
          id,
          (response) => {
            answered.set(id, response);
            if (answered.size === ids.length) resolve(ids.map((i) => answered.get(i) as JSONRPCResponse));
          },
        ]),
      );
      this.deliver(messages, extra);
    });
  }

  /** Hands the messages to the server; what it answers comes back through `send`. */
  deliver(messages: readonly JSONRPCMessage[], extra: MessageExtraInfo): void {
    for (const message of messages) this.onmessage?.(message, extra);
  }
}

/** A pooled server and the one connection it keeps; `ready` once the SDK has attached to it. */
export interface ConnectedServer {
  readonly server: McpServer;
  readonly transport: ExchangeTransport;
  readonly ready: Promise<void>;
}

export function connectServer(server: McpServer): ConnectedServer {
  const transport = new ExchangeTransport();
  return { server, transport, ready: server.connect(transport) };
}

/**
 * Answers one 2025-era POST (body already parsed) over a connected server, as the SDK's
 * stateless transport does in JSON-response mode.
 */
export async function serveLegacyPost(
  connected: ConnectedServer,
  request: Request,
  body: unknown,
  authInfo: AuthInfo,
): Promise<Response> {
  const { transport } = connected;
  await connected.ready;
  try {
    if (!isJsonContentType(request.headers.get('content-type'))) {
      return jsonRpcError(415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    }
    if (Array.isArray(body) && body.length > MAX_BATCH_SIZE) {
      return jsonRpcError(400, -32600, `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`);
    }
    let messages: JSONRPCMessage[];
    try {
      messages = (Array.isArray(body) ? body : [body]).map((m) => parseJSONRPCMessage(m));
    } catch {
      return jsonRpcError(400, -32700, 'Parse error: Invalid JSON-RPC message');
    }
    if (messages.some(isInitialize)) {
      if (messages.length > 1) {
        return jsonRpcError(400, -32600, 'Invalid Request: Only one initialization request is allowed');
      }
    } else {
      const version = request.headers.get('mcp-protocol-version');
      if (version !== null && !transport.supportedVersions.includes(version)) {
        const supported = transport.supportedVersions.join(', ');
        const message = `Bad Request: Unsupported protocol version: ${version} (supported versions: ${supported})`;
        return jsonRpcError(400, -32000, message);
      }
    }
    const extra: MessageExtraInfo = { authInfo, request };
    const requests = messages.filter((m) => isJSONRPCRequest(m));
    if (requests.length === 0) {
      transport.deliver(messages, extra);
      return new Response(null, { status: 202 });
    }
    const responses = await transport.exchange(messages, requests, extra);
    return Response.json(responses.length === 1 ? responses[0] : responses, {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
    });
  } catch (error) {
    return jsonRpcError(400, -32700, 'Parse error', String(error));
  }
}

/*
 * The SDK's predicates are zod parses, and a parse that fails builds its issues: most messages
 * fail these two. Each is asked only of a message holding the member its schema requires.
 */
const isInitialize = (m: JSONRPCMessage) =>
  'method' in m && m.method === 'initialize' && isInitializeRequest(m);
const isResponse = (m: JSONRPCMessage): m is JSONRPCResponse =>
  ('result' in m && isJSONRPCResultResponse(m)) || ('error' in m && isJSONRPCErrorResponse(m));

function jsonRpcError(status: number, code: number, message: string, data?: string): Response {
  const error = data === undefined ? { code, message } : { code, message, data };
  return Response.json(
    { jsonrpc: '2.0', error, id: null },
    { status, headers: { 'Content-Type': 'application/json' } },
  );
}
