/**
 * SECURITY CONTRACT — member passwords.
 *
 * - Policy (ASVS 5 §6.2, NIST 800-63B §3.1.1.2): 12 to 128 characters after NFKC
 *   normalisation, any characters, no composition rules; the upper bound caps hashing cost.
 * - Stored as `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64url, 16-byte salt from the CSPRNG
 *   passed in, 32-byte key); verification re-derives with the stored parameters and compares
 *   in constant time, so the cost can be raised later without invalidating old hashes.
 * - `dummyVerify` costs what a real verification costs: sign-in runs it for unknown accounts
 *   so that response time does not tell which emails exist.
 */
import { scrypt, timingSafeEqual } from 'node:crypto';
import { type FieldIssue, invalidInput, type Random } from '../core/index.js';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** About 50–100 ms and 32 MiB per hash on a current CPU (OWASP: N=2^17 r=8 p=1 or N=2^15…). */
export const DEFAULT_SCRYPT_COST: ScryptCost = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });
/** Limits on parameters read back from the database, so a tampered row cannot exhaust memory. */
const MAX_COST: ScryptCost = { N: 2 ** 20, r: 32, p: 16 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const ENCODED = /^scrypt\$(\d{1,8})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{32,128})$/;

const normalize = (password: string) => password.normalize('NFKC');
const length = (password: string) => [...password].length;

/** The policy problem with `password`, if any, as a field issue on `field`. */
export function checkPasswordPolicy(password: string, field = 'password'): FieldIssue | undefined {
  const n = length(normalize(password));
  if (n < PASSWORD_MIN_LENGTH || n > PASSWORD_MAX_LENGTH) {
    return {
      field,
      message: `must be ${PASSWORD_MIN_LENGTH}-${PASSWORD_MAX_LENGTH} characters (a passphrase of several words works well); it has ${n}`,
    };
  }
  return undefined;
}

export function assertPasswordPolicy(password: string, field = 'password'): void {
  const issue = checkPasswordPolicy(password, field);
  if (issue) throw invalidInput([issue]);
}

export interface PasswordHasher {
  /** Hashes a password that passed the policy (asserted again here). */
  hash(password: string): Promise<string>;
  /** Whether `password` matches `encoded`; `false` for a malformed or out-of-bounds hash. */
  verify(password: string, encoded: string): Promise<boolean>;
  /** Spends the time of one verification and answers `false`. */
  dummyVerify(password: string): Promise<false>;
}

function derive(password: string, salt: Buffer, cost: ScryptCost, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      normalize(password),
      salt,
      keyLength,
      { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

function encode(cost: ScryptCost, salt: Buffer, key: Buffer): string {
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

function decode(encoded: string): { cost: ScryptCost; salt: Buffer; key: Buffer } | undefined {
  const match = ENCODED.exec(encoded);
  if (!match) return undefined;
  const cost = { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  const powerOfTwo = cost.N > 1 && (cost.N & (cost.N - 1)) === 0;
  if (!powerOfTwo || cost.N > MAX_COST.N || cost.r < 1 || cost.r > MAX_COST.r) return undefined;
  if (cost.p < 1 || cost.p > MAX_COST.p) return undefined;
  return { cost, salt: Buffer.from(match[4]!, 'base64url'), key: Buffer.from(match[5]!, 'base64url') };
}

export function createPasswordHasher(deps: { random: Random; cost?: ScryptCost }): PasswordHasher {
  const cost = deps.cost ?? DEFAULT_SCRYPT_COST;
  const hash = async (password: string) => {
    assertPasswordPolicy(password);
    const salt = Buffer.from(deps.random.bytes(SALT_BYTES));
    return encode(cost, salt, await derive(password, salt, cost, KEY_BYTES));
  };
  let dummy: Promise<string> | undefined;

  async function verify(password: string, encoded: string): Promise<boolean> {
    const parsed = decode(encoded);
    if (!parsed) return false;
    // Long inputs are cut, not refused, so an over-long guess costs the same as any other.
    const candidate = [...normalize(password)].slice(0, PASSWORD_MAX_LENGTH + 1).join('');
    const key = await derive(candidate, parsed.salt, parsed.cost, parsed.key.length);
    return timingSafeEqual(key, parsed.key);
  }

  return {
    hash,
    verify,
    async dummyVerify(password) {
      dummy ??= hash('dummy password that matches nothing');
      await verify(password, await dummy);
      return false;
    },
  };
}
