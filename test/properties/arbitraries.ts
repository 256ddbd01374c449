/**
 * fast-check arbitraries shared by the property suites: JSON values with every kind of
 * string (lone surrogates included), numbers at the edges of ECMAScript formatting, and
 * objects whose keys come in any order.
 */
import fc from 'fast-check';

/** Any UTF-16 code unit, so lone and swapped surrogates occur, as JSON text may carry them. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u));
const interesting = fc.constantFrom(
  '',
  '\u0000',
  '\u001f',
  '"',
  '\\',
  '\u2028',
  '\ud83d\ude00',
  '\ud800',
  '\udfff',
  '\u20ac',
  '\ufb33',
  '__proto__',
  'constructor',
  '10',
  '9',
);
export const anyString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: codeUnit, maxLength: 12 }),
  interesting,
);

/** Finite numbers, -0 and the formatting edges (1e21, 5e-324, 2^53) among them. */
export const anyNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(-0, 0, 1e21, 1e-7, 5e-324, -5e-324, 2 ** 53, 0.1, 1.7976931348623157e308),
);

/** A JSON value with the strings and numbers above, objects holding any keys. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    anyNumber,
    anyString,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(anyString, tie('value'), { maxKeys: 5, noNullPrototype: true }),
  ),
})).value;

/** The same value with every object's keys inserted in another order. */
export function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, i) => shuffleKeys(item, seed + i));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  let state = seed >>> 0 || 1;
  for (let i = entries.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    const j = state % (i + 1);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  // fromEntries defines `__proto__` as an own key, as JSON.parse does.
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, state + k.length)]));
}
