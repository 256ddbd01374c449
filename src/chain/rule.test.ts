/**
 * The verifier's fast hashes must be `eventHash` exactly: a difference in one escape would
 * make `audit verify` call an intact row modified (or miss a modified one). Random rows with
 * the values stored audit rows can hold — unicode, quotes, backslashes, control characters,
 * lone surrogates, numbers of every shape, nulls — from a fixed seed, so a failure repeats.
 */
import { describe, expect, it } from 'vitest';
import {
  CHAIN_HASH,
  CHAIN_PREV_HASH,
  CHAIN_SCAN_COLUMNS,
  CHAIN_SEQ,
  type ChainedRow,
  chainRow,
  chainValuesHash,
  eventHash,
  GENESIS_HASH,
  type UnchainedRow,
} from './rule.js';

type Row = Omit<ChainedRow, 'hash'>;

function seeded(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!,
  };
}

const PIECES = [
  'plain',
  '"quoted"',
  "it's",
  '\\back\\slash',
  '/slash/',
  'tab\there',
  'line\nbreak\r\n',
  '\b\f\v',
  '\u0000nul',
  '\u001f\u007f\u0080',
  'Überprüfung',
  'リリースノート',
  '💶 emoji 👩‍💻',
  '\u2028\u2029',
  '\ud800lone',
  'lone\udfff',
  '{"json":["in",1,null]}',
  '',
];

function randomString(r: ReturnType<typeof seeded>): string {
  let text = '';
  for (let i = r.int(5); i >= 0; i--)
    text += r.next() < 0.2 ? String.fromCharCode(r.int(0x3000)) : r.pick(PIECES);
  return text;
}

function randomNumber(r: ReturnType<typeof seeded>): number {
  return r.pick([
    0,
    -0,
    1,
    -1,
    42,
    2 ** 31,
    2 ** 53 - 1,
    -(2 ** 53) + 1,
    0.1,
    1e21,
    1e-7,
    123.456,
    r.next() * 1e6,
  ]);
}

function randomRow(r: ReturnType<typeof seeded>): Row {
  const maybe = (make: () => string | number) => (r.next() < 0.3 ? null : make());
  const text = () => randomString(r);
  return {
    id: `evt_${text()}`,
    workspace_id: r.next() < 0.2 ? null : text(),
    occurred_at: new Date(r.int(2 ** 41)).toISOString(),
    action: text(),
    tool: maybe(text) as string | null,
    outcome: r.pick(['ok', 'denied', 'error', 'dry_run', 'pending']),
    error_code: maybe(text) as string | null,
    member_id: maybe(text) as string | null,
    credential_id: maybe(text) as string | null,
    credential_name: maybe(text) as string | null,
    environment: maybe(text) as string | null,
    params: maybe(() => JSON.stringify({ value: text(), n: randomNumber(r) })) as string | null,
    result: maybe(text) as string | null,
    ip: maybe(text) as string | null,
    user_agent: maybe(text) as string | null,
    client_name: maybe(text) as string | null,
    client_version: maybe(text) as string | null,
    request_id: maybe(text) as string | null,
    duration_ms: maybe(() => randomNumber(r)) as number | null,
    detail: maybe(text) as string | null,
    changes: maybe(text) as string | null,
    reason: maybe(text) as string | null,
    confirmation: maybe(text) as string | null,
    seq: 1 + r.int(1e9),
    prev_hash: r.next() < 0.1 ? GENESIS_HASH : randomString(r),
  };
}

const valuesOf = (row: Row, hash: string) =>
  CHAIN_SCAN_COLUMNS.map((column) => (column === 'hash' ? hash : row[column]));

describe('fast audit event hashes', () => {
  it('chainValuesHash of the scanned values equals eventHash on 2,000 random rows', () => {
    const r = seeded(0xc0ffee);
    for (let i = 0; i < 2000; i++) {
      const row = randomRow(r);
      expect(chainValuesHash(valuesOf(row, 'not hashed'))).toBe(eventHash(row));
    }
  });

  it('scans every stored column once, hash last, the rest in canonical key order', () => {
    const stored = chainRow(randomRow(seeded(7)) as unknown as UnchainedRow, { seq: 0, hash: GENESIS_HASH });
    expect([...CHAIN_SCAN_COLUMNS].sort()).toEqual(Object.keys(stored).sort());
    expect(CHAIN_SCAN_COLUMNS.slice(0, -1)).toEqual([...CHAIN_SCAN_COLUMNS.slice(0, -1)].sort());
    expect([CHAIN_SCAN_COLUMNS[CHAIN_SEQ], CHAIN_SCAN_COLUMNS[CHAIN_PREV_HASH]]).toEqual([
      'seq',
      'prev_hash',
    ]);
    expect(CHAIN_SCAN_COLUMNS[CHAIN_HASH]).toBe('hash');
    expect(chainValuesHash(valuesOf(stored, stored.hash))).toBe(stored.hash);
  });

  it('changes with any one value', () => {
    const r = seeded(11);
    const row = randomRow(r);
    const values = valuesOf(row, '');
    for (let i = 0; i < CHAIN_HASH; i++) {
      const changed = [...values];
      changed[i] = typeof values[i] === 'number' ? (values[i] as number) + 1 : `${values[i] ?? ''}x`;
      expect(chainValuesHash(changed)).not.toBe(eventHash(row));
    }
  });
});
