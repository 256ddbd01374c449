/** What the HTTP layer needs to know of a JSON-RPC body: methods, whether it calls tools, client info. */
import { CLIENT_INFO_META_KEY } from '@modelcontextprotocol/server';
import { redactText } from '../audit/index.js';

export interface JsonRpcSummary {
  readonly methods: string[];
  readonly toolCalls: number;
  /** Names asked for by tools/call, as sent (credential shapes redacted, trimmed to 64 characters). */
  readonly tools: string[];
  readonly clientInfo: { name?: unknown; version?: unknown } | undefined;
}

type Message = {
  method?: unknown;
  params?: { name?: unknown; clientInfo?: unknown; _meta?: Record<string, unknown> };
};

export function summarizeJsonRpc(body: unknown): JsonRpcSummary {
  const messages = (Array.isArray(body) ? body : [body]).filter(
    (m): m is Message => typeof m === 'object' && m !== null,
  );
  const methods = messages.map((m) =>
    typeof m.method === 'string' ? redactText(m.method).slice(0, 64) : '(response)',
  );
  let clientInfo: JsonRpcSummary['clientInfo'];
  for (const m of messages) {
    const info = m.params?.clientInfo ?? m.params?._meta?.[CLIENT_INFO_META_KEY];
    if (typeof info === 'object' && info !== null) clientInfo = info as JsonRpcSummary['clientInfo'];
  }
  const tools = messages
    .filter((m) => m.method === 'tools/call')
    // Masked before trimming: a credential sent as a tool name leaves not even a prefix behind.
    .map((m) => (typeof m.params?.name === 'string' ? redactText(m.params.name).slice(0, 64) : '(none)'));
  return { methods, toolCalls: tools.length, tools, clientInfo };
}

// SECURITY: the name travels on (key last-used, audit comments on tasks, pending actions):
// a credential-shaped one is redacted whole before it is cut, so not even a prefix is kept.
const clean = (value: unknown) =>
  typeof value === 'string' ? redactText(value.replace(/[^\w .@()+-]/g, '')).slice(0, 64) : null;

/** Client name and version from this request, else from the key's last known client ("name/version"). */
export function clientOf(summary: JsonRpcSummary, lastKnown: string | null) {
  let name = clean(summary.clientInfo?.name);
  let version = clean(summary.clientInfo?.version);
  if (!name && lastKnown) [name = null, version = null] = lastKnown.split('/', 2);
  return { name, version, label: name ? `${name}/${version ?? ''}` : null };
}
