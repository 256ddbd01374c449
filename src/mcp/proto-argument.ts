/**
 * SECURITY: `__proto__` as a tool argument. JSON.parse makes it an ordinary own property, but
 * the SDK's request schema (a zod record) skips that one key without a word, so the tool's
 * strict schema never saw it and the call ran as if it had not been sent — where every other
 * unknown argument is refused. It is carried past the SDK under a stand-in name and put back,
 * on an object without a prototype, just before the tool's own schema validates the
 * arguments; that schema refuses it like any unknown argument, with the same error.
 * (`constructor` and `prototype` survive the SDK and are refused by the schema already.)
 */
const PROTO = '__proto__';
/** A name no client needs; one that sends it gets the same refusal as for `__proto__`. */
export const PROTO_STAND_IN = '\u0000__proto__';

type Message = { method?: unknown; params?: { arguments?: unknown } };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A copy of `source` without a prototype, with the key `from` (if own) under the name `to`. */
function renamed(source: Record<string, unknown>, from: string, to: string): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(source))
    Object.defineProperty(out, key === from ? to : key, {
      value: source[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

function carry(message: unknown): unknown {
  if (!isRecord(message)) return message;
  const { method, params } = message as Message;
  if (method !== 'tools/call' || !isRecord(params) || !isRecord(params.arguments)) return message;
  if (!Object.hasOwn(params.arguments, PROTO)) return message;
  return { ...message, params: { ...params, arguments: renamed(params.arguments, PROTO, PROTO_STAND_IN) } };
}

/** The parsed JSON-RPC body (one message or a batch) with each tool call's `__proto__` argument kept. */
export function carryProtoArguments(body: unknown): unknown {
  return Array.isArray(body) ? body.map(carry) : carry(body);
}

/** Tool arguments as the client sent them, `__proto__` included, for the tool's schema to judge. */
export function restoreProtoArgument(args: unknown): unknown {
  if (!isRecord(args) || !Object.hasOwn(args, PROTO_STAND_IN)) return args;
  return renamed(args, PROTO_STAND_IN, PROTO);
}
