/**
 * Makes arguments safe to store in the audit log: fields classed secret and values shaped
 * like credentials are replaced, long text is truncated. Issue 5 replaces the markers with
 * keyed HMACs so equal secrets stay correlatable. Pure.
 * SECURITY: runs on a copy; nothing here may throw on hostile input.
 */
const SECRET_FIELD = /pass(word)?|secret|token|api[-_]?key|authorization|cookie|credential/i;
const SECRET_VALUE = [
  /\btg_(dev|stg|prod)_[0-9A-Za-z]{30}_[0-9A-Za-z]{6}\b/g,
  /\beyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]*\b/g,
  /\b(sk|pk|rk)_(live|test)_[0-9A-Za-z]{16,}\b/g,
  /\bgh[pousr]_[0-9A-Za-z]{30,}\b/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
];
export const MAX_TEXT_LENGTH = 500;
const MAX_DEPTH = 6;
const MAX_KEYS = 50;

export const REDACTED = '[redacted]';

export function redactText(value: string): string {
  let out = value;
  for (const pattern of SECRET_VALUE) out = out.replace(pattern, REDACTED);
  return out.length > MAX_TEXT_LENGTH
    ? `${out.slice(0, MAX_TEXT_LENGTH)}…[${out.length - MAX_TEXT_LENGTH} more]`
    : out;
}

export function sanitizeForAudit(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.slice(0, MAX_KEYS).map((item) => sanitizeForAudit(item, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>).slice(0, MAX_KEYS)) {
      out[redactText(key)] = SECRET_FIELD.test(key) ? REDACTED : sanitizeForAudit(item, depth + 1);
    }
    return out;
  }
  return undefined;
}
