/**
 * The secret scan skips short plain text (src/audit/secret-spans.ts, `CANNOT_HOLD_SECRET`). A
 * skipped text must be one the full scan finds nothing in: otherwise a secret short enough, or
 * glued to a `:` or an escape, would reach the audit log unmasked. Checked against the full
 * scan on texts built from the characters secrets are made of, on the shortest secret of each
 * kind cut and glued, and on any text at all.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findSecretSpans, scanSecretSpans } from '../../src/audit/secret-spans.js';
import { anyString } from './arbitraries.js';

const chars = (alphabet: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max });
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** The shortest secret of each kind the scan knows, and the shortest name-value pairs. */
const shortest: fc.Arbitrary<string> = fc.oneof(
  chars(UPPER, 16, 16).map((random) => `AKIA${random}`),
  fc.tuple(chars('abcXYZ012', 8, 8), chars('abcXYZ012', 8, 8)).map(([h, p]) => `eyJ${h}.${p}.`),
  fc.tuple(fc.constantFrom('sk', 'pk', 'rk'), chars(UPPER, 16, 16)).map(([k, r]) => `${k}_live_${r}`),
  fc
    .tuple(
      fc.constantFrom('pwd', 'pass', 'auth', 'token'),
      fc.constantFrom('=', ':', '%3D', '&#61;', '\\u003d'),
    )
    .map(([name, sign]) => `${name}${sign}x`),
);

/** A text around a secret: cut at either end, glued to letters, digits or punctuation. */
const aroundShortest = fc
  .tuple(chars('aZ9_-.: ', 0, 3), shortest, fc.nat(4), fc.nat(4), chars('aZ9_-.: ', 0, 3))
  .map(
    ([before, secret, cutStart, cutEnd, after]) =>
      `${before}${secret.slice(cutStart, secret.length - cutEnd)}${after}`,
  );

const same = (text: string) => {
  expect(findSecretSpans(text)).toEqual(scanSecretSpans(text));
  expect(findSecretSpans(text, { keyValues: false })).toEqual(scanSecretSpans(text, { keyValues: false }));
};

describe('a short secret slipping past the scan’s shortcut for short plain text', () => {
  it('is stopped around the shortest secret of each kind, cut and glued: the full scan’s finds, exactly', () => {
    fc.assert(fc.property(aroundShortest, same), { numRuns: 5000 });
  });

  it('is stopped in texts of the characters secrets are made of: the full scan’s finds, exactly', () => {
    fc.assert(fc.property(chars('AKIAeyJskpk_live0123456789.:=%&#\\xu3Dd ', 0, 30), same), {
      numRuns: 5000,
    });
  });

  it('is stopped in any text: the full scan’s finds, exactly', () => {
    fc.assert(fc.property(anyString, same), { numRuns: 2000 });
  });

  it('still scans a 20-character access key and a five-character name-value pair', () => {
    expect(findSecretSpans('AKIAABCDEFGHIJKLMNOP')).toHaveLength(1);
    expect(findSecretSpans('pwd=x')).toHaveLength(1);
    expect(findSecretSpans('pwd%3Dx')).toHaveLength(1);
    expect(findSecretSpans('get_task')).toEqual([]);
  });
});
