/**
 * Makes arguments safe to store in the audit log, after HashiCorp Vault's audit devices:
 * fields classed secret and values shaped like credentials are replaced by a `Mask` — in
 * the audit log a keyed HMAC (`hmac-sha256:<hex>`, see audit-hmac.ts), so equal secrets can
 * still be correlated but not read back — and long text is truncated. Pure.
 * SECURITY: runs on a copy; nothing here may throw on hostile input.
 */
const SECRET_FIELD = /pass(word)?|secret|token|api[-_]?key|authorization|cookie|credential/i;
// SECURITY: no `\b` on either side. A secret glued to a letter, a digit or an underscore — `x`,
// the `%3D` of a URL-encoded `=`, `Bearer%20` — or followed by more of them is still the secret.
const SECRET_VALUE = [
  /tg_(dev|stg|prod)_[0-9A-Za-z]{30}_[0-9A-Za-z]{6}/g,
  /(sk|pk|rk)_(live|test)_[0-9A-Za-z]{16,}/g,
  /gh[pousr]_[0-9A-Za-z]{30,}/g,
  /AKIA[0-9A-Z]{16}/g,
  // Our confirmation tokens: single use, but a live one must not sit in the log.
  /tgc_act_[0-9A-Z]{26}\.[0-9A-Za-z_-]{43}/g,
];
export const MAX_TEXT_LENGTH = 500;
const MAX_DEPTH = 6;
const MAX_KEYS = 50;

export const REDACTED = '[redacted]';

/** What a secret is replaced by. */
export type Mask = (secret: string) => string;
export const redact: Mask = () => REDACTED;

/**
 * JWTs (`eyJ…` header, payload, signature), found in one pass over the runs of base64url
 * characters and dots: a backtracking pattern takes quadratic time on a crafted run
 * (`eyJaaaaaaaa-` repeated over a 256 KiB argument blocked the event loop for seconds).
 */
function maskJwts(text: string, mask: Mask): string {
  if (!text.includes('eyJ')) return text;
  return text.replace(/[0-9A-Za-z_.-]+/g, (run) => {
    const segments = run.split('.');
    const out: string[] = [];
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      const at = segment.indexOf('eyJ');
      // A header of at least 8 characters after `eyJ`, a payload of at least 8, then a signature.
      if (
        at >= 0 &&
        segment.length - at >= 11 &&
        (segments[i + 1]?.length ?? 0) >= 8 &&
        i + 2 < segments.length
      ) {
        out.push(
          segment.slice(0, at) +
            mask(
              segments
                .slice(i, i + 3)
                .join('.')
                .slice(at),
            ),
        );
        i += 2;
      } else out.push(segment);
    }
    return out.join('.');
  });
}

const maskShapes = (value: string, mask: Mask) => {
  let out = maskJwts(value, mask);
  for (const pattern of SECRET_VALUE) out = out.replace(pattern, (secret) => mask(secret));
  return out;
};

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
  return truncate(storable(maskShapes(value, mask)));
}

export function sanitizeForAudit(value: unknown, mask: Mask = redact, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, mask);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value))
    return value.slice(0, MAX_KEYS).map((item) => sanitizeForAudit(item, mask, depth + 1));
  if (typeof value === 'object') {
    // fromEntries defines every key, `__proto__` included (an assignment would set the prototype).
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .slice(0, MAX_KEYS)
        .map(([key, item]) => [
          redactText(key, mask),
          SECRET_FIELD.test(key) ? maskValue(item, mask) : sanitizeForAudit(item, mask, depth + 1),
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
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [
        maskShapes(key, mask),
        maskSecretShapes(item, mask),
      ]),
    ) as T;
  }
  return value;
}
