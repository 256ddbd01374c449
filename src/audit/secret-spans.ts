/**
 * Finds secrets inside free text by their own structure, wherever they sit: credential
 * shapes (our keys and confirmation tokens, JWTs, other vendors' keys) and values under a
 * secret's name (`password=…`, `"token": "…"`, `Authorization: Bearer …`), in the text as
 * written and with its escapes undone (`tg%5Fdev%5F…`, `Bearer%20…`, `password%3D…`).
 * Pure; every pattern is linear, since clients choose the text.
 * SECURITY: no `\b` around a shape. A secret glued to a letter, a digit or an underscore
 * (`API_KEY_<key>`, `x<key>`, `<key>_old`, `Bearer_<JWT>`) is still the secret.
 */
import { decodeEscapes } from '../core/index.js';

/** A secret found: where it sits in the text, and the secret itself (decoded when it was escaped). */
export interface SecretSpan {
  readonly start: number;
  readonly end: number;
  readonly secret: string;
}

// Case-insensitive: a copy lowercased on the way (an email is) is no longer a working
// credential, but it still carries the secret's randomness.
const SECRET_SHAPES = [
  /tg_(?:dev|stg|prod)_[0-9a-z]{30}_[0-9a-z]{6}/gi,
  // Our confirmation tokens: single use, but a live one must not sit in the log.
  /tgc_act_[0-9a-z]{26}\.[0-9a-z_-]{43}/gi,
  /(?:sk|pk|rk)_(?:live|test)_[0-9a-z]{16,}/gi,
  /gh[pousr]_[0-9a-z]{30,}/gi,
  /AKIA[0-9A-Z]{16}/gi,
];

// Names that say "secret" wherever they end a word (`DB_PASSWORD`, `client_secret`, `X-Api-Key`),
// and short ones that do only as a whole word (`pass`, not `compass`).
const STRONG_NAME =
  'pass(?:word|wd|phrase)|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?|authorization|cookie';
const WEAK_NAME = 'pass|pwd|auth|session(?:[-_]?id)?';
/**
 * The marker a truncated text ends with (sanitize.ts): an unquoted value stops before it, so a
 * mask the cut left at the end is still seen as a mask when the text is sanitized again.
 */
const CUT_MARKER = '…\\[\\d+ more\\]$';
/**
 * `name = value`, `name: value`, JSON (`"name": "value"`, also escaped inside a string), with an
 * optional auth scheme. Quoted values are bounded, so an unterminated quote cannot make the scan
 * quadratic; an unquoted value runs to the next space or delimiter.
 */
const KEY_VALUE = new RegExp(
  `(?:(?:${STRONG_NAME})(?:[-_]?(?:key|id|value))?|(?<![0-9A-Za-z])(?:${WEAK_NAME}))` +
    `\\\\?["']?\\s{0,4}[:=]\\s{0,4}(?:(?:bearer|basic|token)\\s{1,4})?` +
    `(?:\\\\?"((?:[^"\\\\\\n]|\\\\[^"]){1,1024}?)\\\\?"|'([^'\\n]{1,1024}?)'|((?:(?!${CUT_MARKER})[^\\s"'\\\\&,;<>(){}\\[\\]])+))`,
  'dgi',
);
/** A value that is already a mask: masking it again would only change the HMAC. */
const ALREADY_MASKED = /^hmac-sha256:[0-9a-f]+$/;

function shapeSpans(text: string, spans: SecretSpan[]): void {
  for (const pattern of SECRET_SHAPES)
    for (const match of text.matchAll(pattern))
      spans.push({ start: match.index, end: match.index + match[0].length, secret: match[0] });
}

/**
 * JWTs (`eyJ…` header, payload, signature), found in one pass over the runs of base64url
 * characters and dots: a backtracking pattern takes quadratic time on a crafted run
 * (`eyJaaaaaaaa-` repeated over a 256 KiB argument blocked the event loop for seconds).
 */
function jwtSpans(text: string, spans: SecretSpan[]): void {
  if (!/eyj/i.test(text)) return;
  for (const run of text.matchAll(/[0-9A-Za-z_.-]+/g)) {
    const segments = run[0].split('.');
    const starts: number[] = [];
    let offset = run.index;
    for (const segment of segments) {
      starts.push(offset);
      offset += segment.length + 1;
    }
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      const at = segment.toLowerCase().indexOf('eyj');
      // A header of at least 8 characters after `eyJ`, a payload of at least 8, then a signature.
      if (
        at >= 0 &&
        segment.length - at >= 11 &&
        (segments[i + 1]?.length ?? 0) >= 8 &&
        i + 2 < segments.length
      ) {
        const start = starts[i]! + at;
        const end = starts[i + 2]! + segments[i + 2]!.length;
        spans.push({ start, end, secret: text.slice(start, end) });
        i += 2;
      }
    }
  }
}

function keyValueSpans(text: string, spans: SecretSpan[]): void {
  for (const match of text.matchAll(KEY_VALUE)) {
    const group = [1, 2, 3].find((g) => match[g] !== undefined)!;
    const [start, end] = match.indices![group]!;
    const secret = match[group]!;
    if (!ALREADY_MASKED.test(secret)) spans.push({ start, end, secret });
  }
}

export interface SecretSearch {
  /** Also values under a secret's name (`password=…`); off, only credential shapes are found. */
  readonly keyValues?: boolean;
}

function spansIn(text: string, search: SecretSearch): SecretSpan[] {
  const spans: SecretSpan[] = [];
  jwtSpans(text, spans);
  shapeSpans(text, spans);
  if (search.keyValues !== false) keyValueSpans(text, spans);
  return spans;
}

/** Overlapping finds become one span over the original text. */
function merge(text: string, spans: SecretSpan[]): SecretSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: SecretSpan[] = [];
  for (const span of sorted) {
    const last = out[out.length - 1];
    if (last && span.start < last.end) {
      if (span.end > last.end)
        out[out.length - 1] = { start: last.start, end: span.end, secret: text.slice(last.start, span.end) };
    } else out.push(span);
  }
  return out;
}

/**
 * Text that cannot hold a secret: shorter than the shortest credential shape (`AKIA` and 16
 * characters, 20; a JWT takes 21), with no `:` or `=` for a secret's name to stand before its
 * value, and nothing an escape starts with (`%`, `\`, `&`), so decoding cannot make one
 * appear. Most strings a call carries (tool names, task keys, client names and versions) are
 * such; skipping their scan saves ~2 µs each (issue 17). A new shape shorter than 20
 * characters must lower the bound: `test/properties/secret-scan-shortcut.property.test.ts`.
 */
const CANNOT_HOLD_SECRET = /^[^:=%\\&]{0,19}$/;

/** Every secret in `text`, as written or escaped, in order and without overlaps. */
export function findSecretSpans(text: string, search: SecretSearch = {}): SecretSpan[] {
  return CANNOT_HOLD_SECRET.test(text) ? [] : scanSecretSpans(text, search);
}

/** `findSecretSpans` without its shortcut for short plain text: the property test's reference. */
export function scanSecretSpans(text: string, search: SecretSearch = {}): SecretSpan[] {
  const spans = spansIn(text, search);
  const decoded = decodeEscapes(text);
  if (decoded) {
    for (const span of spansIn(decoded.text, search)) {
      const start = decoded.origin[span.start]!;
      const end = decoded.origin[span.end]!;
      // Found only once decoded: the mask covers the escaped form, and is of the secret itself.
      spans.push({ start, end, secret: span.secret });
    }
  }
  return merge(text, spans);
}

/** `text` with every secret replaced by `mask(secret)`. */
export function maskSecretSpans(
  text: string,
  mask: (secret: string) => string,
  search: SecretSearch = {},
): string {
  const spans = findSecretSpans(text, search);
  if (!spans.length) return text;
  let out = '';
  let last = 0;
  for (const span of spans) {
    out += text.slice(last, span.start) + mask(span.secret);
    last = span.end;
  }
  return out + text.slice(last);
}
