/**
 * Makes arguments safe to store in the audit log, after HashiCorp Vault's audit devices:
 * fields classed secret and values shaped like credentials are replaced by a `Mask` — in
 * the audit log a keyed HMAC (`hmac-sha256:<hex>`, see audit-hmac.ts), so equal secrets can
 * still be correlated but not read back — and long text is truncated. Pure.
 * SECURITY: runs on a copy; nothing here may throw on hostile input.
 */
import { findSecretSpans, maskSecretSpans } from './secret-spans.js';

const SECRET_FIELD = /pass(word)?|secret|token|api[-_]?key|authorization|cookie|credential/i;
/** Names that match SECRET_FIELD but hold an id, never a secret (an alert's `credentialId`). */
const NOT_SECRET = new Set(['credentialId']);
const isSecretField = (key: string) => SECRET_FIELD.test(key) && !NOT_SECRET.has(key);
export const MAX_TEXT_LENGTH = 500;
const MAX_DEPTH = 6;
const MAX_KEYS = 50;

export const REDACTED = '[redacted]';

/** What a secret is replaced by. */
export type Mask = (secret: string) => string;
export const redact: Mask = () => REDACTED;

/** Free text: credential shapes and values under a secret's name (`password=…`). */
const maskSecrets = (value: string, mask: Mask) => maskSecretSpans(value, mask);
/**
 * Content a revert must put back (the before/after of changes): credential shapes only, so
 * a description that merely reads "token: see the runbook" is restored as written.
 */
const maskShapes = (value: string, mask: Mask) => maskSecretSpans(value, mask, { keyValues: false });

/** Whether `text` holds a secret, as written or escaped (see secret-spans.ts). */
export const holdsSecret = (text: string): boolean => findSecretSpans(text).length > 0;

/**
 * SECURITY: an object without a prototype, filled by definition: a `__proto__` key stays a
 * field (an assignment would set the prototype and drop it), and nothing read from the result
 * can come from Object.prototype.
 */
function recordOf(entries: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, item] of entries)
    Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * A lone surrogate or a NUL becomes U+FFFD: the database stores (and a verifier reads back)
 * exactly the text the event's hash covers. PostgreSQL would store U+FFFD for the one and
 * refuse the whole event for the other.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const storable = (value: string) => value.replace(LONE_SURROGATE, '\ufffd').replaceAll('\u0000', '\ufffd');

/** Text an earlier pass already cut: cutting it again would only pile up markers. */
const ALREADY_CUT = new RegExp(`^[^]{${MAX_TEXT_LENGTH - 1},${MAX_TEXT_LENGTH}}…\\[\\d+ more\\]$`);

function truncate(value: string): string {
  if (value.length <= MAX_TEXT_LENGTH || ALREADY_CUT.test(value)) return value;
  // Never between the two halves of a surrogate pair.
  const high = value.charCodeAt(MAX_TEXT_LENGTH - 1);
  const cut = high >= 0xd800 && high <= 0xdbff ? MAX_TEXT_LENGTH - 1 : MAX_TEXT_LENGTH;
  return `${value.slice(0, cut)}…[${value.length - cut} more]`;
}

export function redactText(value: string, mask: Mask = redact): string {
  return truncate(storable(maskSecrets(value, mask)));
}

export function sanitizeForAudit(value: unknown, mask: Mask = redact, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, mask);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value))
    return value.slice(0, MAX_KEYS).map((item) => sanitizeForAudit(item, mask, depth + 1));
  if (typeof value === 'object') {
    return recordOf(
      Object.entries(value as Record<string, unknown>)
        .slice(0, MAX_KEYS)
        .map(([key, item]) => [
          redactText(key, mask),
          isSecretField(key) ? maskValue(item, mask) : sanitizeForAudit(item, mask, depth + 1),
        ]),
    );
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
    return recordOf(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [
        maskShapes(key, mask),
        maskSecretShapes(item, mask),
      ]),
    ) as T;
  }
  return value;
}
