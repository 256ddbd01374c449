/**
 * Audit redaction as properties: secrets planted anywhere in arbitrary arguments — our own
 * keys from the real generator, JWTs, `sk_live_`, `ghp_`, `AKIA`, confirmation tokens, and
 * fields named like secrets at any depth, glued to other characters, inside URLs and query
 * strings — leave not one long run of their characters in what is stored; plain values come
 * through unchanged; and sanitizing twice is sanitizing once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createAuditMasks,
  type Mask,
  maskSecretShapes,
  redact,
  redactText,
  sanitizeForAudit,
} from '../../src/audit/index.js';
import type { Environment } from '../../src/config/index.js';
import { createSeededRandom } from '../../src/core/index.js';
import { BASE62, generateApiKey } from '../../src/credentials/index.js';
import { anyJson, anyString } from './arbitraries.js';

const chars = (alphabet: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max });
const base62 = (min: number, max = min) => chars(BASE62, min, max);
const B64URL = `${BASE62}-_`;
const b64url = (text: string) => Buffer.from(text).toString('base64url');

/** A secret and the run of its characters that must not survive (its random part). */
interface Secret {
  readonly value: string;
  readonly needle: string;
}

const secretShapes: fc.Arbitrary<Secret> = fc.oneof(
  fc
    .tuple(fc.constantFrom<Environment>('development', 'staging', 'production'), fc.integer())
    .map(([env, seed]) => {
      const value = generateApiKey(env, createSeededRandom(seed));
      return { value, needle: value.slice(value.indexOf('_', 3) + 1, -7) };
    }),
  fc.tuple(base62(12, 24), chars(B64URL, 43, 43)).map(([sub, sig]) => {
    const payload = b64url(JSON.stringify({ sub, iat: 1_790_000_000 }));
    return { value: `${b64url('{"alg":"HS256","typ":"JWT"}')}.${payload}.${sig}`, needle: payload.slice(8) };
  }),
  fc
    .tuple(fc.constantFrom('sk', 'pk', 'rk'), fc.constantFrom('live', 'test'), base62(16, 40))
    .map(([kind, mode, random]) => ({ value: `${kind}_${mode}_${random}`, needle: random })),
  fc
    .tuple(fc.constantFrom('ghp', 'gho', 'ghu', 'ghs', 'ghr'), base62(36, 40))
    .map(([kind, random]) => ({ value: `${kind}_${random}`, needle: random })),
  chars('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', 16, 16).map((random) => ({
    value: `AKIA${random}`,
    needle: random,
  })),
  fc
    .tuple(chars('0123456789ABCDEFGHJKMNPQRSTVWXYZ', 26, 26), chars(B64URL, 43, 43))
    .map(([id, mac]) => ({ value: `tgc_act_${id}.${mac}`, needle: mac })),
);

/** What a secret is glued to: letters, digits, URL encoding, query strings, quotes. */
const before = fc.constantFrom(
  '',
  ' ',
  'x',
  '0',
  '_',
  '-',
  '.',
  '%20',
  '%3D',
  'Bearer ',
  'Bearer%20',
  '"',
  '=',
  'key=',
  'https://example.com/cb?code=',
  'https://example.com/hook?a=1&token=',
  'https://user:',
  '\u00e9',
);
const after = fc.constantFrom(
  '',
  ' ',
  'x',
  '9',
  ',',
  '_',
  '-',
  '.',
  '%22',
  '&a=1',
  '@example.com/',
  ')',
  '\n',
);
const filler = fc.string({ unit: 'grapheme-ascii', maxLength: 30 });

const gluedSecret = fc
  .tuple(secretShapes, before, after, filler, filler)
  .map(([secret, b, a, f1, f2]) => ({ text: `${f1}${b}${secret.value}${a}${f2}`, secrets: [secret] }));

/** Keys classed secret, at any depth; each matches the field rule a different way. */
const secretField = fc.constantFrom(
  'password',
  'Password',
  'db_password',
  'passphrase',
  'token',
  'access_token',
  'refreshToken',
  'authorization',
  'Authorization',
  'apiKey',
  'api_key',
  'x-api-key',
  'client_secret',
  'secret',
  'cookie',
  'Set-Cookie',
  'credentials',
);
const plainKey = anyString.filter(
  (k) => !/pass|secret|token|api[-_]?key|authorization|cookie|credential/i.test(k),
);

/** Text the audit log keeps as it is: no lone surrogate, no NUL (both become U+FFFD). */
const storable = (text: string) =>
  !text.includes('\u0000') &&
  !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

interface Planted {
  readonly value: unknown;
  readonly secrets: readonly Secret[];
}

const combine = (parts: readonly Planted[]) => parts.flatMap((p) => p.secrets);

const keySecret: fc.Arbitrary<Planted> = gluedSecret.map(({ text, secrets }) => ({ value: text, secrets }));

const planted: fc.Arbitrary<Planted> = fc.letrec<{ node: Planted }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    anyJson.map((value) => ({ value, secrets: [] })),
    gluedSecret.map(({ text, secrets }) => ({ value: text, secrets })),
    // A plain password (no shape to recognise): only the field name gives it away.
    fc
      .tuple(
        secretField,
        fc.oneof(
          base62(12, 24),
          secretShapes.map((s) => s.value),
        ),
      )
      .map(([field, value]) => ({ value: { [field]: value }, secrets: [{ value, needle: value }] })),
    fc.tuple(secretField, base62(12, 24), tie('node')).map(([field, value, rest]) => ({
      value: { [field]: { nested: value, rest: rest.value } },
      secrets: [{ value, needle: value }, ...rest.secrets],
    })),
    fc.array(tie('node'), { maxLength: 4 }).map((items) => ({
      value: items.map((i) => i.value),
      secrets: combine(items),
    })),
    // Keys may be secrets themselves.
    fc
      .array(
        fc.tuple(
          fc.oneof(
            plainKey.map((k) => ({ value: k, secrets: [] })),
            keySecret,
          ),
          tie('node'),
        ),
        {
          maxLength: 4,
        },
      )
      .map((entries) => ({
        value: Object.fromEntries(entries.map(([k, v]) => [k.value, v.value])),
        secrets: combine(entries.flat()),
      })),
  ),
})).node;

const audit = createAuditMasks('m'.repeat(40))('wsp_property');
const masks: [string, Mask][] = [
  ['plain redaction', redact],
  ['the audit HMAC', audit],
];

/** Every 12-character run of the secret's random part: none may survive. */
const runsOf = (needle: string) =>
  Array.from({ length: Math.max(1, needle.length - 11) }, (_, i) => needle.slice(i, i + 12));

describe.each(masks)('sanitizeForAudit with %s', (_name, mask) => {
  it('leaves no run of any planted secret in the stored JSON', () => {
    fc.assert(
      fc.property(planted, ({ value, secrets }) => {
        const stored = JSON.stringify(sanitizeForAudit(value, mask));
        for (const secret of secrets) {
          for (const run of runsOf(secret.needle)) expect(stored).not.toContain(run);
        }
        const changes = JSON.stringify(maskSecretShapes(value, mask));
        // maskSecretShapes hides shapes, not what a field's name makes secret: a shape's run
        // that a planted field value also holds (seed -2098191986 drew one) may stay.
        const byField = secrets.filter((s) => s.needle === s.value).map((s) => s.value);
        for (const secret of secrets.filter((s) => s.needle !== s.value)) {
          for (const run of runsOf(secret.needle)) {
            if (!byField.some((v) => v.includes(run))) expect(changes).not.toContain(run);
          }
        }
      }),
      { numRuns: 700 },
    );
  });

  it('hides a secret glued to any text, as a value and as an object key', () => {
    fc.assert(
      fc.property(gluedSecret, ({ text, secrets }) => {
        const stored = JSON.stringify([
          redactText(text, mask),
          sanitizeForAudit({ [text]: 1, v: text }, mask),
        ]);
        for (const run of runsOf(secrets[0]!.needle)) expect(stored).not.toContain(run);
      }),
      { numRuns: 700 },
    );
  });

  it('is idempotent on text: masking and truncating twice gives what once gave', () => {
    const text = fc.oneof(
      gluedSecret.map((g) => g.text),
      anyString,
      fc.tuple(fc.string({ minLength: 490, maxLength: 700 }), gluedSecret).map(([s, g]) => s + g.text),
      fc.string({ unit: 'grapheme', minLength: 480, maxLength: 520 }),
    );
    fc.assert(
      fc.property(text, (value) => {
        const once = redactText(value, mask);
        expect(redactText(once, mask)).toBe(once);
        expect(maskSecretShapes(once, mask)).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('sanitizeForAudit properties', () => {
  it('is idempotent: sanitizing what it returned changes nothing', () => {
    const deep = fc.integer({ min: 1, max: 9 }).chain((depth) =>
      planted.map(({ value }) => {
        let out: unknown = value;
        for (let i = 0; i < depth; i++) out = { level: out };
        return out;
      }),
    );
    const long = fc.string({ minLength: 480, maxLength: 800 });
    const wide = fc.dictionary(plainKey, fc.oneof(anyString, long), { minKeys: 40, maxKeys: 60 });
    fc.assert(
      fc.property(
        fc.oneof(
          planted.map((p) => p.value),
          deep,
          long,
          wide,
        ),
        (value) => {
          const once = sanitizeForAudit(value);
          expect(sanitizeForAudit(once)).toEqual(once);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('keeps every plain value exactly: storable text, numbers, any key, within the limits', () => {
    const plainText = fc.string({ unit: 'grapheme', maxLength: 60 }).filter(storable);
    const plain: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small', maxDepth: 4 },
        fc.constant(null),
        fc.boolean(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        plainText,
        fc.array(tie('v'), { maxLength: 5 }),
        fc.dictionary(plainKey.filter(storable), tie('v'), { maxKeys: 5, noNullPrototype: true }),
      ),
    })).v;
    fc.assert(
      fc.property(plain, (value) => {
        expect(sanitizeForAudit(value, audit)).toEqual(value);
      }),
      { numRuns: 1000 },
    );
  });
});
