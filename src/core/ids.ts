/**
 * Prefixed, time-sortable ids (`tsk_01J…`): a 48-bit millisecond timestamp and 80 random
 * bits in Crockford base32, as in ULID. Sorting by id sorts by creation time, which gives
 * stable cursor pagination without a second column.
 */
import type { Clock } from './clock.js';
import type { Random } from './random.js';

export const ID_PREFIXES = {
  workspace: 'wsp',
  member: 'mbr',
  project: 'prj',
  task: 'tsk',
  comment: 'cmt',
  timeEntry: 'tme',
  taskChange: 'chg',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;
export type IdPrefix = (typeof ID_PREFIXES)[IdKind];

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ID_BODY_LENGTH = 26;

export type IdGenerator = (kind: IdKind) => string;

export function createIdGenerator(clock: Clock, random: Random): IdGenerator {
  return (kind) => `${ID_PREFIXES[kind]}_${encodeUlid(clock.now().getTime(), random.bytes(10))}`;
}

function encodeUlid(milliseconds: number, entropy: Uint8Array): string {
  let time = '';
  let t = milliseconds;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  let bits = 0n;
  for (const byte of entropy) bits = (bits << 8n) | BigInt(byte);
  let rest = '';
  for (let i = 0; i < 16; i++) {
    rest = ALPHABET[Number(bits & 31n)]! + rest;
    bits >>= 5n;
  }
  return time + rest;
}

/** True when `value` is a well-formed id of the given kind. */
export function isId(kind: IdKind, value: string): boolean {
  const prefix = `${ID_PREFIXES[kind]}_`;
  if (!value.startsWith(prefix) || value.length !== prefix.length + ID_BODY_LENGTH) return false;
  for (const ch of value.slice(prefix.length)) if (!ALPHABET.includes(ch)) return false;
  return true;
}
