/**
 * The relay behind `taskgate connect`: each newline-delimited JSON-RPC message on stdin is
 * POSTed to the MCP URL with the headers its protocol era needs (bridge-headers.ts); each
 * message of the answer, a JSON body or the `data:` events of an SSE body, becomes one line
 * on stdout. Messages are relayed concurrently, so a server request that arrives mid-call
 * (elicitation) can be answered. The server's JSON-RPC errors reach the client as sent (code,
 * message, data); a refusal without one (401, 403, 413…) becomes a JSON-RPC error whose data
 * carries the HTTP status and the server's body, so nothing the server said is lost.
 * SECURITY: the key goes only to the given URL, redirects are never followed, and nothing
 * the bridge writes contains the key.
 */
import { type BridgeSession, eraHeaders, learnClient, withClientName } from './bridge-headers.js';
import type { Writable } from './io.js';

/** JSON-RPC "server error" range (-32000..-32099): the bridge could not get an answer. */
const BRIDGE_ERROR = -32000;
const PARSE_ERROR = -32700;

export interface BridgeOptions {
  readonly url: string;
  readonly key: string;
  readonly stdin: AsyncIterable<string | Uint8Array>;
  readonly stdout: Writable;
  /** Diagnostics for the client's log; never JSON-RPC. */
  readonly stderr?: Writable;
  readonly fetch?: typeof fetch;
}

type JsonRpcId = string | number;
type Message = {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  error?: unknown;
  result?: { protocolVersion?: unknown };
};

/** Relays until stdin ends and every request in flight has its answer. */
export async function runBridge(options: BridgeOptions): Promise<void> {
  const session: BridgeSession = {};
  const inFlight = new Set<Promise<void>>();
  for await (const line of linesOf(options.stdin)) {
    if (!line.trim()) continue;
    let body: unknown;
    try {
      body = JSON.parse(line);
    } catch {
      emit(options, { jsonrpc: '2.0', id: null, error: { code: PARSE_ERROR, message: 'Parse error' } });
      continue;
    }
    learnClient(body, session);
    const task = relay(options, session, body).catch((error: unknown) =>
      fail(options, requestIds(body), `bridge error: ${(error as Error)?.message ?? String(error)}`),
    );
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  }
  await Promise.all(inFlight);
}

async function relay(options: BridgeOptions, session: BridgeSession, body: unknown): Promise<void> {
  const ids = requestIds(body);
  const initializeIds = messagesOf(body)
    .filter((m) => m.method === 'initialize')
    .map((m) => m.id);
  // Built before the request: a header value fetch refuses is the bridge's error, not the network's.
  const headers = {
    Authorization: `Bearer ${options.key}`,
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
    ...eraHeaders(body, session),
  };
  const payload = JSON.stringify(withClientName(body, session));
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(options.url, {
      method: 'POST',
      headers,
      body: payload,
      redirect: 'manual',
    });
  } catch (error) {
    return fail(options, ids, `cannot reach ${new URL(options.url).origin}: ${causeOf(error)}`);
  }
  session.sessionId = response.headers.get('mcp-session-id') ?? session.sessionId;
  if (!response.ok) return refused(options, response, ids);
  const onMessage = (message: Message): void => {
    // Learned before the answer is written: the client sends nothing more until it reads it.
    if (initializeIds.includes(message.id) && typeof message.result?.protocolVersion === 'string') {
      session.protocolVersion = message.result.protocolVersion;
    }
    emit(options, message);
  };
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('text/event-stream')) return relayEvents(options, response, ids, onMessage);
  const text = await response.text();
  if (!ids.length || response.status === 202 || !text.trim()) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail(options, ids, `the server answered HTTP ${response.status} with a body that is not JSON`);
  }
  for (const message of messagesOf(parsed)) onMessage(message);
}

/**
 * A refused POST. A JSON-RPC error body (400 -32020 for a header mismatch, 503 when the
 * audit log is down) goes to the client as the server sent it; one answering the whole
 * request (`id: null`) is addressed to each request it answers, or the client could not
 * match it. Anything else keeps the status and body in `data`.
 */
async function refused(options: BridgeOptions, response: Response, ids: JsonRpcId[]): Promise<void> {
  const status = response.status;
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location') ?? 'another URL';
    return fail(options, ids, `the server redirected to ${location}; use that URL with --url`, { status });
  }
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the text itself is the server's answer.
  }
  const errors = messagesOf(body).filter((m) => m.jsonrpc === '2.0' && typeof m.error === 'object');
  if (errors.length) {
    options.stderr?.write(`taskgate connect: HTTP ${status}: ${describe(errors[0]!.error)}\n`);
    const waiting = new Set(ids);
    for (const message of errors.filter((m) => waiting.has(m.id as JsonRpcId))) {
      waiting.delete(message.id as JsonRpcId);
      emit(options, message);
    }
    const whole = errors.find((m) => m.id === null || m.id === undefined);
    for (const id of waiting) emit(options, { jsonrpc: '2.0', id, error: (whole ?? errors[0]!).error });
    return;
  }
  const headers = Object.fromEntries(
    ['www-authenticate', 'retry-after']
      .map((name) => [name, response.headers.get(name)] as const)
      .filter(([, value]) => value !== null),
  );
  fail(options, ids, messageOf(body) ?? `the server answered HTTP ${status}`, {
    status,
    ...(text && { body }),
    ...(Object.keys(headers).length > 0 && { headers }),
  });
}

/** Relays each `data:` event until every request of this POST has its response. */
async function relayEvents(
  options: BridgeOptions,
  response: Response,
  ids: JsonRpcId[],
  onMessage: (message: Message) => void,
): Promise<void> {
  const waiting = new Set(ids);
  let data: string[] = [];
  const dispatch = (): void => {
    if (!data.length) return;
    const payload = data.join('\n');
    data = [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      options.stderr?.write('taskgate connect: skipped an event whose data is not JSON\n');
      return;
    }
    for (const message of messagesOf(parsed)) {
      if (message.method === undefined) waiting.delete(message.id as JsonRpcId);
      onMessage(message);
    }
  };
  let ended = 'the server closed the event stream before answering';
  try {
    for await (const raw of linesOf(response.body ?? emptyBody())) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line === '') dispatch();
      else if (line === 'data' || line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      // event:, id:, retry: and comments need no action here.
      if (ids.length && waiting.size === 0) break; // leaving the loop cancels the stream
    }
    dispatch();
  } catch (error) {
    ended = `the event stream broke before the answer: ${causeOf(error)}`;
  }
  if (waiting.size) fail(options, [...waiting], ended);
}

/** A JSON-RPC error for each request that will get no answer; a log line either way. */
function fail(
  options: BridgeOptions,
  ids: JsonRpcId[],
  message: string,
  data?: { status: number } & Record<string, unknown>,
): void {
  options.stderr?.write(`taskgate connect: ${data ? `HTTP ${data.status}: ` : ''}${oneLine(message)}\n`);
  for (const id of ids) {
    emit(options, { jsonrpc: '2.0', id, error: { code: BRIDGE_ERROR, message, ...(data && { data }) } });
  }
}

/** The server's own words for a refusal: Taskgate's `{error:{message}}`, OAuth's, or plain text. */
function messageOf(body: unknown): string | undefined {
  if (typeof body === 'string') return oneLine(body) || undefined;
  const { error, error_description, message } = (body ?? {}) as Record<string, unknown>;
  const candidates = [
    typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined,
    error_description,
    typeof error === 'string' ? error : undefined,
    message,
  ];
  return candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '');
}

function describe(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return oneLine(`${String(message ?? 'error')} (${String(code)})`);
}

function emit(options: BridgeOptions, message: unknown): void {
  options.stdout.write(`${JSON.stringify(message)}\n`);
}

function messagesOf(body: unknown): Message[] {
  return (Array.isArray(body) ? body : [body]).filter(
    (m): m is Message => typeof m === 'object' && m !== null && !Array.isArray(m),
  );
}

/** Ids of the requests in a message or batch: what needs an answer on stdout. */
function requestIds(body: unknown): JsonRpcId[] {
  return messagesOf(body)
    .filter((m) => typeof m.method === 'string')
    .map((m) => m.id)
    .filter((id): id is JsonRpcId => typeof id === 'string' || typeof id === 'number');
}

async function* linesOf(input: AsyncIterable<string | Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of input) {
    buffered += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  }
  buffered += decoder.decode();
  if (buffered) yield buffered;
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  return String(cause?.code ?? cause?.message ?? (error as Error)?.message ?? error);
}
