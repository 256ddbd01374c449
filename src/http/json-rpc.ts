/** What the HTTP layer needs to know of a JSON-RPC body: methods, whether it calls tools, client info. */
import { CLIENT_INFO_META_KEY } from '@modelcontextprotocol/server';

export interface JsonRpcSummary {
  readonly methods: string[];
  readonly toolCalls: number;
  readonly clientInfo: { name?: unknown; version?: unknown } | undefined;
}

type Message = { method?: unknown; params?: { clientInfo?: unknown; _meta?: Record<string, unknown> } };

export function summarizeJsonRpc(body: unknown): JsonRpcSummary {
  const messages = (Array.isArray(body) ? body : [body]).filter(
    (m): m is Message => typeof m === 'object' && m !== null,
  );
  const methods = messages.map((m) => (typeof m.method === 'string' ? m.method.slice(0, 64) : '(response)'));
  let clientInfo: JsonRpcSummary['clientInfo'];
  for (const m of messages) {
    const info = m.params?.clientInfo ?? m.params?._meta?.[CLIENT_INFO_META_KEY];
    if (typeof info === 'object' && info !== null) clientInfo = info as JsonRpcSummary['clientInfo'];
  }
  return { methods, toolCalls: methods.filter((m) => m === 'tools/call').length, clientInfo };
}

const clean = (value: unknown) =>
  typeof value === 'string' ? value.replace(/[^\w .@()+-]/g, '').slice(0, 64) : null;

/** Client name and version from this request, else from the key's last known client ("name/version"). */
export function clientOf(summary: JsonRpcSummary, lastKnown: string | null) {
  let name = clean(summary.clientInfo?.name);
  let version = clean(summary.clientInfo?.version);
  if (!name && lastKnown) [name = null, version = null] = lastKnown.split('/', 2);
  return { name, version, label: name ? `${name}/${version ?? ''}` : null };
}
