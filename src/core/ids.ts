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
  apiKey: 'key',
  connection: 'con',
  auditEvent: 'evt',
  request: 'req',
  action: 'act',
  writeUsage: 'wru',
  oauthRegistration: 'dcr',
  alert: 'alr',
  webhook: 'whk',
  delivery: 'dlv',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;
export type IdPrefix = (typeof ID_PREFIXES)[IdKind];

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ID_BODY_LENGTH = 26;

export type IdGenerator = (kind: IdKind) => string;

/**
 * Monotonic within one generator: ids minted in the same millisecond (or while the clock
 * stands still) increment the previous random part instead of drawing a new one, so a
 * bulk create keeps its order when sorted by id.
 */
export function createIdGenerator(clock: Clock, random: Random): IdGenerator {
  let lastTime = -1;
  let lastEntropy = 0n;
  return (kind) => {
    const now = clock.now().getTime();
    if (now > lastTime) {
      lastTime = now;
      lastEntropy = toBigInt(random.bytes(10));
    } else {
      lastEntropy = (lastEntropy + 1n) & ENTROPY_MASK;
    }
    return `${ID_PREFIXES[kind]}_${encode(BigInt(lastTime), 10)}${encode(lastEntropy, 16)}`;
  };
}

const ENTROPY_MASK = (1n << 80n) - 1n;

function toBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/** `length` Crockford base32 digits of `value`, most significant first. */
function encode(value: bigint, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(rest & 31n)]! + out;
    rest >>= 5n;
  }
  return out;
}

/** True when `value` is a well-formed id of the given kind. */
export function isId(kind: IdKind, value: string): boolean {
  const prefix = `${ID_PREFIXES[kind]}_`;
  if (!value.startsWith(prefix) || value.length !== prefix.length + ID_BODY_LENGTH) return false;
  for (const ch of value.slice(prefix.length)) if (!ALPHABET.includes(ch)) return false;
  return true;
}
