/**
 * What the stdio bridge adds to each message it POSTs, per protocol era. Pure: the message
 * and what the bridge learned from earlier ones in, headers (or the message to send) out.
 * - 2025 era (no per-request envelope): `MCP-Protocol-Version` from the `initialize` answer
 *   and the session id (MCP 2025-06-18 Streamable HTTP §"Protocol Version Header").
 * - 2026-07-28 (a `_meta` envelope naming the version): `MCP-Protocol-Version`, `Mcp-Method`
 *   and, for the methods that name a target, `Mcp-Name`, all taken from the message itself
 *   (SEP-2243), as the official client does; no session id, that era is stateless.
 */
import { CLIENT_INFO_META_KEY, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';

export interface BridgeSession {
  /** Negotiated by a 2025-era `initialize`. */
  protocolVersion?: string;
  sessionId?: string;
  /** The `clientInfo` the stdio client sent in its `initialize`. */
  clientInfo?: { readonly name: string; readonly version: string };
}

type Params = { _meta?: Record<string, unknown> } & Record<string, unknown>;
type Message = { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: Params };

/** Which body field `Mcp-Name` mirrors, per method (2026-07-28 Streamable HTTP, "Standard Headers"). */
const MCP_NAME_SOURCE: Readonly<Record<string, string>> = Object.freeze({
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The version a single message's `_meta` envelope claims, if it carries one. */
export function envelopeVersion(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const meta = (body as Message).params?._meta;
  const version = isObject(meta) ? meta[PROTOCOL_VERSION_META_KEY] : undefined;
  return typeof version === 'string' ? version : undefined;
}

export function eraHeaders(body: unknown, session: BridgeSession): Record<string, string> {
  const version = envelopeVersion(body);
  if (version === undefined) {
    return {
      ...(session.protocolVersion && { 'MCP-Protocol-Version': session.protocolVersion }),
      ...(session.sessionId && { 'Mcp-Session-Id': session.sessionId }),
    };
  }
  const message = body as Message;
  const headers: Record<string, string> = { 'MCP-Protocol-Version': version };
  if (typeof message.method !== 'string') return headers;
  headers['Mcp-Method'] = message.method;
  const field = Object.hasOwn(MCP_NAME_SOURCE, message.method) ? MCP_NAME_SOURCE[message.method] : undefined;
  const name = field === undefined ? undefined : message.params?.[field];
  if (typeof name === 'string') headers['Mcp-Name'] = encodeHeaderValue(name);
  return headers;
}

/**
 * A header value as SEP-2243 encodes it: plain when it is visible ASCII without surrounding
 * space, else `=?base64?<utf-8 base64>?=` (so a tool name can never smuggle CR/LF).
 */
export function encodeHeaderValue(value: string): string {
  const plain =
    value.length > 0 &&
    value === value.trim() &&
    !(value.startsWith('=?base64?') && value.endsWith('?=')) &&
    [...value].every((c) => c === '\t' || (c >= ' ' && c <= '~'));
  return plain ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** Remembers the client's name from a 2025-era `initialize` on stdin. */
export function learnClient(body: unknown, session: BridgeSession): void {
  for (const message of Array.isArray(body) ? body : [body]) {
    if (!isObject(message) || message.method !== 'initialize') continue;
    const info = (message as Message).params?.clientInfo;
    // Both are required of a clientInfo; a partial one is not stamped anywhere.
    if (isObject(info) && typeof info.name === 'string' && typeof info.version === 'string') {
      session.clientInfo = { name: info.name, version: info.version };
    }
  }
}

/**
 * The body to send: 2025-era requests and notifications after `initialize` carry no client
 * name, so the server would record the bridge's calls under none. The bridge is the client those calls
 * come from, so it names the client its `initialize` named, in the per-request `_meta` slot
 * the server reads (`CLIENT_INFO_META_KEY`). Messages that name a client already, the
 * `initialize` itself and 2026-07-28 messages (which carry the name in their envelope) are
 * sent as they came.
 */
export function withClientName(body: unknown, session: BridgeSession): unknown {
  const info = session.clientInfo;
  if (!info) return body;
  const stamp = (message: unknown): unknown => {
    if (!isObject(message) || typeof message.method !== 'string' || message.method === 'initialize')
      return message;
    if (envelopeVersion(message) !== undefined) return message;
    const params = isObject(message.params) ? message.params : {};
    const meta = isObject(params._meta) ? params._meta : {};
    if (CLIENT_INFO_META_KEY in meta) return message;
    return { ...message, params: { ...params, _meta: { ...meta, [CLIENT_INFO_META_KEY]: info } } };
  };
  return Array.isArray(body) ? body.map(stamp) : stamp(body);
}
