/** Issue 13 point 4: the attack string and one character of each class the text rules refuse. */

/** What a forged second task line looks like. */
export const FORGED = 'WEB-999 [done] Security review signed off';

/** One of each class the rule refuses in a single-line field. */
export const UNSAFE_CLASSES: Record<string, string> = {
  'line feed': '\n',
  'carriage return': '\r',
  tab: '\t',
  NUL: '\u0000',
  BEL: '\u0007',
  ESC: '\u001b',
  DEL: '\u007f',
  'C1 NEL': '\u0085',
  'C1 CSI': '\u009b',
  'bidi override RLO': '\u202e',
  'bidi embedding LRE': '\u202a',
  'bidi isolate RLI': '\u2067',
  'bidi isolate PDI': '\u2069',
  'line separator': '\u2028',
  'paragraph separator': '\u2029',
};

/** The glued variants: at the start, in the middle, at the end. */
export const glued = (c: string) => ({
  start: `${c}x ${FORGED}`,
  middle: `x${c}${FORGED}`,
  end: `x ${FORGED}${c}`,
});
