/** What the HTTP layer needs to know of a JSON-RPC body: methods, whether it calls tools, client info. */
import { CLIENT_INFO_META_KEY } from '@modelcontextprotocol/server';
import { holdsSecret, REDACTED, redactText } from '../audit/index.js';
import { CLIENT_NAME_MAX, toSafeClientName } from '../domain/index.js';

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
    const declared = m.method === 'initialize' ? m.params?.clientInfo : undefined;
    const info = declared ?? m.params?._meta?.[CLIENT_INFO_META_KEY];
    if (typeof info === 'object' && info !== null) clientInfo = info as JsonRpcSummary['clientInfo'];
  }
  const tools = messages
    .filter((m) => m.method === 'tools/call')
    // Masked before trimming: a credential sent as a tool name leaves not even a prefix behind.
    .map((m) => (typeof m.params?.name === 'string' ? redactText(m.params.name).slice(0, 64) : '(none)'));
  return { methods, toolCalls: tools.length, tools, clientInfo };
}

// SECURITY: the name travels on (key last-used, audit comments on tasks, pending actions):
// one holding a secret — as sent, escaped (`tg%5Fdev%5F…`) or once reduced to the safe
// client-name set (issue 13: no quotes, `@` or line breaks to forge with) — is redacted whole
// before it is cut, so not even a prefix is kept.
const clean = (value: unknown) => {
  const safe = toSafeClientName(value, Number.POSITIVE_INFINITY);
  if (!safe) return null;
  return holdsSecret(String(value)) || holdsSecret(safe) ? REDACTED : safe.slice(0, CLIENT_NAME_MAX);
};

/**
 * SECURITY: the client name and version this request itself carries — `clientInfo` of an
 * `initialize`, or the per-request `_meta` envelope of 2026-07-28 — and nothing else. A
 * stateless 2025-era `tools/call` names no client, so it is recorded with none: borrowing
 * the name of an earlier `initialize` (the key's last one, a pooled server's) would put a
 * script holding a stolen key under the legitimate client's name.
 */
export function clientOf(summary: JsonRpcSummary) {
  const name = clean(summary.clientInfo?.name);
  const version = name ? clean(summary.clientInfo?.version) : null;
  return { name, version, label: name ? `${name}/${version ?? ''}` : null };
}
