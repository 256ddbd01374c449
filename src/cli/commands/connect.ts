/**
 * `taskgate connect --url <mcp-url>`: a stdio ↔ Streamable HTTP bridge for clients that only
 * start local MCP servers (Claude Desktop). Each newline-delimited JSON-RPC message on stdin
 * is POSTed to the URL (MCP 2025-06-18 "Streamable HTTP"); each message of the answer, a JSON
 * body or the `data:` events of an SSE body, becomes one line on stdout. Messages are relayed
 * concurrently, so a server request that arrives mid-call (elicitation) can be answered.
 * SECURITY: the key comes from an environment variable, is sent only to the given URL (https,
 * or http to loopback), never follows redirects and is never printed.
 */
import type { Command } from 'commander';
import { invalidInput } from '../../core/index.js';
import { DEFAULT_KEY_ENV, parseApiKey } from '../../credentials/index.js';
import type { CliIo, CommonOptions, Writable } from '../io.js';

/** JSON-RPC "server error" range (-32000..-32099): the bridge could not get an answer. */
const BRIDGE_ERROR = -32000;
const PARSE_ERROR = -32700;

interface ConnectOptions extends CommonOptions {
  readonly url: string;
  readonly keyEnv: string;
}

export function registerConnect(
  program: Command,
  io: CliIo,
  stdin?: AsyncIterable<string | Uint8Array>,
): void {
  program
    .command('connect')
    .description('bridge a stdio-only MCP client (e.g. Claude Desktop) to the Taskgate MCP endpoint')
    .requiredOption('--url <mcp-url>', 'the MCP endpoint, e.g. https://taskgate.example.com/mcp')
    .option('--key-env <name>', 'environment variable that holds the API key', DEFAULT_KEY_ENV)
    .action(async (options: ConnectOptions) => {
      const url = checkUrl(options.url);
      const key = keyFrom(io.env, options.keyEnv);
      // process.stdin is touched only here: merely reading it can keep other commands alive.
      await runBridge({ url, key, stdin: stdin ?? process.stdin, stdout: io.stdout, stderr: io.stderr });
    });
}

/** SECURITY: the bearer key must not cross the network in clear text. */
function checkUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidInput([{ field: 'url', message: 'must be the MCP endpoint URL, e.g. https://host/mcp' }]);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || /^127\./.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw invalidInput([{ field: 'url', message: 'must use https:// (plain http:// only to localhost)' }]);
  }
  return url.href;
}

/** SECURITY: names the variable, never echoes its value. */
function keyFrom(env: CliIo['env'], name: string): string {
  const value = env[name]?.trim();
  if (!value) throw invalidInput([{ field: name, message: 'is not set; put your Taskgate API key in it' }]);
  if (!parseApiKey(value).ok) {
    throw invalidInput([
      {
        field: name,
        message: 'does not hold a valid Taskgate API key (tg_<env>_…); check for a truncated paste',
      },
    ]);
  }
  return value;
}

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
type Message = { id?: unknown; method?: unknown; result?: { protocolVersion?: unknown } };

interface Session {
  protocolVersion?: string;
  sessionId?: string;
}

/** Relays until stdin ends and every request in flight has its answer. */
export async function runBridge(options: BridgeOptions): Promise<void> {
  const session: Session = {};
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
    const task = relay(options, session, body).catch((error: unknown) =>
      fail(options, requestIds(body), `bridge error: ${(error as Error)?.message ?? String(error)}`),
    );
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  }
  await Promise.all(inFlight);
}

async function relay(options: BridgeOptions, session: Session, body: unknown): Promise<void> {
  const ids = requestIds(body);
  const initializeIds = messagesOf(body)
    .filter((m) => m.method === 'initialize')
    .map((m) => m.id);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(options.url, {
      method: 'POST',
      headers: headersFor(options.key, session),
      body: JSON.stringify(body),
      redirect: 'manual',
    });
  } catch (error) {
    return fail(options, ids, `cannot reach ${new URL(options.url).origin}: ${causeOf(error)}`);
  }
  session.sessionId = response.headers.get('mcp-session-id') ?? session.sessionId;
  if (!response.ok) {
    const message = await errorMessage(response);
    return fail(options, ids, message, response.status);
  }
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

function headersFor(key: string, session: Session): Record<string, string> {
  return {
    Authorization: `Bearer ${key}`,
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
    ...(session.protocolVersion && { 'MCP-Protocol-Version': session.protocolVersion }),
    ...(session.sessionId && { 'Mcp-Session-Id': session.sessionId }),
  };
}

/** A JSON-RPC error for each request that will get no answer; a log line either way. */
function fail(options: BridgeOptions, ids: JsonRpcId[], message: string, status?: number): void {
  options.stderr?.write(`taskgate connect: ${status ? `HTTP ${status}: ` : ''}${message}\n`);
  for (const id of ids) {
    emit(options, {
      jsonrpc: '2.0',
      id,
      error: { code: BRIDGE_ERROR, message, ...(status && { data: { status } }) },
    });
  }
}

/** The server's own words for a refused request: Taskgate's `{error:{message}}`, OAuth's or JSON-RPC's. */
async function errorMessage(response: Response): Promise<string> {
  const fallback = `the server answered HTTP ${response.status}`;
  if (response.status >= 300 && response.status < 400) {
    return `the server redirected to ${response.headers.get('location') ?? 'another URL'}; use that URL with --url`;
  }
  const text = await response.text().catch(() => '');
  let body: { error?: unknown; error_description?: unknown; message?: unknown } = {};
  try {
    body = JSON.parse(text);
  } catch {
    return oneLine(text) || fallback;
  }
  const error = body?.error;
  const candidates = [
    typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined,
    body?.error_description,
    typeof error === 'string' ? error : undefined,
    body?.message,
  ];
  const found = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '');
  return found ? oneLine(found) : fallback;
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
