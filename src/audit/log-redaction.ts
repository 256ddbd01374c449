/**
 * SECURITY: the process log takes the audit log's rule for secrets. Every argument of every
 * log call — the message, interpolated values, objects, errors with their message, stack and
 * causes — is copied with each string passed through the same finder (secret-spans.ts), so
 * a key a client sent that ends up in an error message is masked before it is written.
 * Pure; runs on copies; never throws on hostile input.
 */
import { REDACTED } from './sanitize.js';
import { maskSecretSpans } from './secret-spans.js';

const MAX_DEPTH = 8;

const maskText = (text: string) => maskSecretSpans(text, () => REDACTED);

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** An error as plain fields (what pino's error serializer reads), each of them masked. */
function errorFields(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  out.name = error.name;
  out.type = error.constructor?.name ?? error.name;
  out.message = maskText(String(error.message));
  if (error.stack !== undefined) out.stack = maskText(String(error.stack));
  for (const key of Object.keys(error)) out[key] = redactForLog((error as never)[key], depth + 1, seen);
  if (error.cause !== undefined) out.cause = redactForLog(error.cause, depth + 1, seen);
  return out;
}

export function redactForLog(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return maskText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    if (value instanceof Error) return errorFields(value, depth, seen);
    if (Array.isArray(value)) return value.map((item) => redactForLog(item, depth + 1, seen));
    if (!isPlainObject(value)) return value;
    const out = Object.create(null) as Record<string, unknown>;
    for (const [key, item] of Object.entries(value))
      Object.defineProperty(out, maskText(key), {
        value: redactForLog(item, depth + 1, seen),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  } catch {
    return REDACTED;
  } finally {
    // Only a cycle is cut: the same object twice in one call is logged twice.
    seen.delete(value);
  }
}

/** The arguments of one log call, each masked: for a logger's `logMethod` hook. */
export function redactLogArguments(args: readonly unknown[]): unknown[] {
  return args.map((arg) => redactForLog(arg));
}
