/**
 * Makes arguments safe to store in the audit log, after HashiCorp Vault's audit devices:
 * fields classed secret and values shaped like credentials are replaced by a `Mask` — in
 * the audit log a keyed HMAC (`hmac-sha256:<hex>`, see audit-hmac.ts), so equal secrets can
 * still be correlated but not read back — and long text is truncated. Pure.
 * SECURITY: runs on a copy; nothing here may throw on hostile input.
 */
const SECRET_FIELD = /pass(word)?|secret|token|api[-_]?key|authorization|cookie|credential/i;
const SECRET_VALUE = [
  /\btg_(dev|stg|prod)_[0-9A-Za-z]{30}_[0-9A-Za-z]{6}\b/g,
  /\beyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]*\b/g,
  /\b(sk|pk|rk)_(live|test)_[0-9A-Za-z]{16,}\b/g,
  /\bgh[pousr]_[0-9A-Za-z]{30,}\b/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  // Our confirmation tokens: single use, but a live one must not sit in the log.
  /\btgc_act_[0-9A-Z]{26}\.[0-9A-Za-z_-]{43}/g,
];
export const MAX_TEXT_LENGTH = 500;
const MAX_DEPTH = 6;
const MAX_KEYS = 50;

export const REDACTED = '[redacted]';

/** What a secret is replaced by. */
export type Mask = (secret: string) => string;
export const redact: Mask = () => REDACTED;

const maskShapes = (value: string, mask: Mask) => {
  let out = value;
  for (const pattern of SECRET_VALUE) out = out.replace(pattern, (secret) => mask(secret));
  return out;
};

export function redactText(value: string, mask: Mask = redact): string {
  const out = maskShapes(value, mask);
  return out.length > MAX_TEXT_LENGTH
    ? `${out.slice(0, MAX_TEXT_LENGTH)}…[${out.length - MAX_TEXT_LENGTH} more]`
    : out;
}

export function sanitizeForAudit(value: unknown, mask: Mask = redact, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, mask);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value))
    return value.slice(0, MAX_KEYS).map((item) => sanitizeForAudit(item, mask, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>).slice(0, MAX_KEYS)) {
      out[redactText(key, mask)] = SECRET_FIELD.test(key)
        ? maskValue(item, mask)
        : sanitizeForAudit(item, mask, depth + 1);
    }
    return out;
  }
  return undefined;
}

function maskValue(value: unknown, mask: Mask): string {
  if (value === null || value === undefined || value === '') return mask('');
  try {
    return mask(typeof value === 'string' ? value : JSON.stringify(value));
  } catch {
    return REDACTED;
  }
}

/**
 * Credential-shaped strings masked, nothing truncated: for the before/after of changes,
 * which a revert must be able to put back exactly (a key pasted into a task stays out).
 */
export function maskSecretShapes<T>(value: T, mask: Mask = redact): T {
  if (typeof value === 'string') return maskShapes(value, mask) as T;
  if (Array.isArray(value)) return value.map((item) => maskSecretShapes(item, mask)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [
        key,
        maskSecretShapes(item, mask),
      ]),
    ) as T;
  }
  return value;
}
