/**
 * SECURITY: free text that people and models read. Control characters, bidi overrides and
 * line separators let one value pose as two (a task title that reads as a second task line,
 * a reason that reads as an approval), so single-line fields refuse them, multi-line fields
 * keep only tab and newline, and every free-text value in text meant for a model or an
 * operator is shown JSON-quoted with those characters escaped (data stored before the rule
 * existed included). Client names, which any caller picks, are cut down to a safe set.
 */

/** C0, DEL, C1, bidi embeddings/overrides and isolates, line and paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;
const UNSAFE_GLOBAL = new RegExp(UNSAFE.source, 'gu');
/** The same, without tab and newline: what a multi-line field may not hold. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

export type TextShape = 'line' | 'text';

export interface UnsafeCharacter {
  /** `U+000A` */
  readonly codePoint: string;
  /** 0-based index in the value. */
  readonly index: number;
}

export function findUnsafeCharacter(value: string, shape: TextShape): UnsafeCharacter | undefined {
  const match = (shape === 'line' ? UNSAFE : UNSAFE_IN_TEXT).exec(value);
  if (!match) return undefined;
  const code = match[0].codePointAt(0)!;
  return { codePoint: `U+${code.toString(16).toUpperCase().padStart(4, '0')}`, index: match.index };
}

/** The field-level message for a value holding an unsafe character. */
export function unsafeCharacterMessage(found: UnsafeCharacter, shape: TextShape): string {
  const allowed =
    shape === 'line'
      ? 'must be a single line: control characters, bidi controls and line separators are refused'
      : 'may hold tabs and newlines but no other control character, bidi control or line separator';
  return `${allowed} (found ${found.codePoint} at position ${found.index + 1})`;
}

/** Every character that could break or reorder a line, as a `\uXXXX` escape; the rest as is. */
export const escapeUnsafe = (text: string) =>
  text.replace(UNSAFE_GLOBAL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * A string as one JSON string literal, with every character that could break or reorder a
 * line escaped (JSON.stringify leaves C1, bidi controls and U+2028/2029 raw). Whatever the
 * value holds, it reads as exactly one quoted token.
 */
export function quoteText(value: string): string {
  return escapeUnsafe(JSON.stringify(value));
}

/** Any JSON value, serialised on one line with the same escapes as `quoteText`. */
export function quoteJson(value: unknown): string {
  return escapeUnsafe(JSON.stringify(value) ?? 'null');
}

export const CLIENT_NAME_MAX = 64;

/**
 * SECURITY: an MCP `clientInfo.name` or an OAuth `client_name` is chosen by whoever calls.
 * Reduced to letters, digits, space and `._+-`, so it can carry neither quotes, nor an
 * email address, nor a line break; `null` when nothing is left. Cut to `max` characters
 * (a caller that still has to redact a credential in it cuts after redacting).
 */
export function toSafeClientName(raw: unknown, max = CLIENT_NAME_MAX): string | null {
  if (typeof raw !== 'string') return null;
  const safe = raw
    .replace(/[^A-Za-z0-9 ._+-]/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
    .slice(0, max)
    .trim();
  return safe || null;
}

/** A client name (and version) as shown to people: reduced and quoted, `client "Cursor 1.2"`. */
export function describeClient(name: unknown, version?: unknown): string | null {
  const safeName = toSafeClientName(name);
  if (!safeName) return null;
  const safeVersion = toSafeClientName(version);
  return `client "${safeVersion ? `${safeName} ${safeVersion}` : safeName}"`;
}
