/**
 * Text with its escapes undone — URL percent-escapes (`%5F`, also double `%255F`), `\x5F`,
 * `\u005F` and HTML character references (`&#95;`, `&#x5F;`) — and, for each character of
 * the decoded text, where it came from in the original. A secret scanner matches on the
 * decoded text and masks the original span, so `tg%5Fdev%5F…` is found like `tg_dev_…`.
 * Only ASCII is decoded: every credential shape we look for is ASCII. Pure, linear.
 */
const ESCAPE =
  /%([0-9A-Fa-f]{2})|\\x([0-9A-Fa-f]{2})|\\u00([0-9A-Fa-f]{2})|&#(?:x([0-9A-Fa-f]{1,2})|(\d{1,3}));/g;
/** `%25` decodes to `%`: a twice-encoded secret needs two rounds; a third costs nothing. */
const MAX_ROUNDS = 3;

export interface DecodedText {
  readonly text: string;
  /** `origin[i]` is where decoded character `i` starts in the original; `origin[text.length]` its end. */
  readonly origin: readonly number[];
}

const hasEscape = (text: string) => text.includes('%') || text.includes('\\') || text.includes('&#');

function decodeOnce(source: DecodedText): DecodedText | undefined {
  let text = '';
  const origin: number[] = [];
  let last = 0;
  let changed = false;
  for (const match of source.text.matchAll(ESCAPE)) {
    const code = Number.parseInt(match[1] ?? match[2] ?? match[3] ?? match[4] ?? '', 16) || Number(match[5]);
    if (!(code > 0 && code < 0x80)) continue;
    for (let i = last; i < match.index; i++) {
      text += source.text[i];
      origin.push(source.origin[i]!);
    }
    text += String.fromCharCode(code);
    origin.push(source.origin[match.index]!);
    last = match.index + match[0].length;
    changed = true;
  }
  if (!changed) return undefined;
  for (let i = last; i < source.text.length; i++) {
    text += source.text[i];
    origin.push(source.origin[i]!);
  }
  origin.push(source.origin[source.text.length]!);
  return { text, origin };
}

/** The text with its escapes undone, or `undefined` when it holds none. */
export function decodeEscapes(text: string): DecodedText | undefined {
  if (!hasEscape(text)) return undefined;
  let current: DecodedText = { text, origin: Array.from({ length: text.length + 1 }, (_, i) => i) };
  let decoded = false;
  for (let round = 0; round < MAX_ROUNDS && hasEscape(current.text); round++) {
    const next = decodeOnce(current);
    if (!next) break;
    current = next;
    decoded = true;
  }
  return decoded ? current : undefined;
}
