/**
 * Randomness comes in through this port. Production uses the OS CSPRNG; tests and the
 * demo seed use a seeded generator so that their output is reproducible.
 * SECURITY: anything that mints a secret must be given `cryptoRandom`, never a seeded one.
 */
import { randomBytes } from 'node:crypto';

export interface Random {
  bytes(length: number): Uint8Array;
}

/**
 * The OS CSPRNG, drawn in 4 KiB blocks: one system call per block instead of per id. The
 * bytes are still CSPRNG output and each is handed out once.
 */
export function createCryptoRandom(blockSize = 4096): Random {
  let block = new Uint8Array(0);
  let offset = 0;
  return {
    bytes(length) {
      if (length > blockSize) return new Uint8Array(randomBytes(length));
      if (offset + length > block.length) {
        block = new Uint8Array(randomBytes(blockSize));
        offset = 0;
      }
      const out = block.slice(offset, offset + length);
      offset += length;
      return out;
    },
  };
}

export const cryptoRandom: Random = createCryptoRandom();

/** xorshift128+ seeded from a 32-bit integer; deterministic, not for secrets. */
export function createSeededRandom(seed: number): Random {
  let s0 = BigInt(seed >>> 0) | 1n;
  let s1 = BigInt(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0) | 2n;
  const mask = (1n << 64n) - 1n;
  const next = (): bigint => {
    let x = s0;
    const y = s1;
    s0 = y;
    x = (x ^ (x << 23n)) & mask;
    s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return (s1 + y) & mask;
  };
  return {
    bytes: (length) => {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = Number(next() & 0xffn);
      return out;
    },
  };
}

/** A uniform integer in [0, max) drawn from `random`, without modulo bias. */
export function randomInt(random: Random, max: number): number {
  if (!Number.isInteger(max) || max <= 0 || max > 2 ** 32) throw new RangeError('max out of range');
  const limit = 2 ** 32 - (2 ** 32 % max);
  for (;;) {
    const b = random.bytes(4);
    const value = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    if (value < limit) return value % max;
  }
}
