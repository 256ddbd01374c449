/**
 * Canonical JSON (RFC 8785 style) as properties: one value gives one text whatever the key
 * order, the text reads back as the value, and writing it again changes nothing; pinned by
 * the RFC's own vectors. A digest over this text is what the audit chain and plan digests trust.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/index.js';
import { anyJson, anyNumber, anyString, shuffleKeys } from './arbitraries.js';

/** What JSON.parse gives back: -0 reads as 0, nothing else changes. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('canonicalJson properties', () => {
  it('is stable: the text of a value read back from its text is the same text', () => {
    fc.assert(
      fc.property(anyJson, (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads back as the value it was written from', () => {
    fc.assert(
      fc.property(anyJson, (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(asJson(value));
      }),
      { numRuns: 500 },
    );
  });

  it('does not depend on the order in which object keys were inserted', () => {
    fc.assert(
      fc.property(anyJson, fc.integer(), (value, seed) => {
        expect(canonicalJson(shuffleKeys(value, seed))).toBe(canonicalJson(value));
      }),
      { numRuns: 500 },
    );
  });

  it('writes strings, numbers and arrays of them exactly as JSON.stringify does', () => {
    const scalar = fc.oneof(anyString, anyNumber, fc.boolean(), fc.constant(null));
    fc.assert(
      fc.property(fc.oneof(scalar, fc.array(scalar, { maxLength: 6 })), (value) => {
        expect(canonicalJson(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('orders members by UTF-16 code units, however the keys look', () => {
    fc.assert(
      fc.property(fc.uniqueArray(anyString, { maxLength: 8 }), (keys) => {
        const text = canonicalJson(Object.fromEntries(keys.map((k, i) => [k, i])));
        const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        expect(text).toBe(`{${sorted.map((k) => `${JSON.stringify(k)}:${keys.indexOf(k)}`).join(',')}}`);
      }),
      { numRuns: 500 },
    );
  });
});

describe('canonicalJson against the RFC 8785 vectors', () => {
  it('formats the IEEE-754 values of RFC 8785 Appendix B as the RFC prints them', () => {
    const vectors: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['3eb0c6f7a0b5ed8e', '0.0000010000000000000002'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, text] of vectors) {
      expect(canonicalJson(Buffer.from(bits, 'hex').readDoubleBE(0)), bits).toBe(text);
    }
  });

  it('writes the RFC 8785 §3.2.2 example and sorts the §3.2.3 example byte for byte', () => {
    const example = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false]}',
    );
    expect(canonicalJson(example)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
    const sorting = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(Object.keys(JSON.parse(canonicalJson(sorting))).length).toBe(7);
    expect(canonicalJson(sorting)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",' +
        '"€":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });
});
