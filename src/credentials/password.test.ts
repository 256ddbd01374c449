import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSeededRandom, cryptoRandom } from '../core/index.js';
import {
  checkPasswordPolicy,
  createPasswordHasher,
  DEFAULT_SCRYPT_COST,
  PASSWORD_MAX_LENGTH,
} from './password.js';

const FAST = { N: 2 ** 10, r: 8, p: 1 };
const passphrase = () => `correct horse ${Buffer.from(cryptoRandom.bytes(9)).toString('base64url')}`;

describe('password policy', () => {
  it('accepts 12 to 128 characters of anything, with no composition rules', () => {
    expect(checkPasswordPolicy('aaaaaaaaaaaa')).toBeUndefined();
    expect(checkPasswordPolicy('x'.repeat(PASSWORD_MAX_LENGTH))).toBeUndefined();
    expect(checkPasswordPolicy('pässwörter für alle 🦊')).toBeUndefined();
  });

  it('refuses a short or an over-long password and says how long it is', () => {
    expect(checkPasswordPolicy('short-pass1')).toEqual({
      field: 'password',
      message: expect.stringMatching(/12-128 characters.*it has 11$/),
    });
    expect(checkPasswordPolicy('y'.repeat(PASSWORD_MAX_LENGTH + 1))?.message).toMatch(/it has 129$/);
  });

  it('counts characters, not UTF-16 units, so emoji are not double-counted', () => {
    expect(checkPasswordPolicy('🦊'.repeat(11))?.message).toMatch(/it has 11$/);
  });
});

describe('password hashing', () => {
  const hasher = createPasswordHasher({ random: cryptoRandom, cost: FAST });

  it('verifies the right password and refuses a wrong one', async () => {
    const password = passphrase();
    const encoded = await hasher.hash(password);
    expect(await hasher.verify(password, encoded)).toBe(true);
    expect(await hasher.verify(`${password}x`, encoded)).toBe(false);
  });

  it('salts every hash, so equal passwords do not give equal hashes', async () => {
    const password = passphrase();
    expect(await hasher.hash(password)).not.toBe(await hasher.hash(password));
  });

  it('stores scrypt$N$r$p$salt$hash and uses the default cost unless told otherwise', async () => {
    const encoded = await createPasswordHasher({ random: cryptoRandom }).hash(passphrase());
    expect(encoded).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(DEFAULT_SCRYPT_COST).toEqual({ N: 32768, r: 8, p: 1 });
  });

  it('matches an independent scrypt derivation (golden vector of the format)', async () => {
    const seeded = createPasswordHasher({ random: createSeededRandom(7), cost: FAST });
    const password = 'twelve chars long enough';
    const encoded = await seeded.hash(password);
    const [, n, r, p, salt, key] = encoded.split('$');
    const expected = scryptSync(password, Buffer.from(salt!, 'base64url'), 32, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
    });
    expect(Buffer.from(key!, 'base64url').equals(expected)).toBe(true);
  });

  it('treats NFKC-equivalent spellings as the same password', async () => {
    const encoded = await hasher.hash('ﬁne café au lait');
    expect(await hasher.verify('fine café au lait', encoded)).toBe(true);
  });

  it('refuses a malformed or tampered hash instead of throwing or exhausting memory', async () => {
    const password = passphrase();
    const encoded = await hasher.hash(password);
    expect(await hasher.verify(password, 'plain-text-password')).toBe(false);
    expect(await hasher.verify(password, encoded.replace('$1024$', '$1073741824$'))).toBe(false);
    expect(await hasher.verify(password, encoded.replace('$1024$', '$1000$'))).toBe(false);
  });

  it('refuses to hash a password that breaks the policy', async () => {
    await expect(hasher.hash('too short')).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('answers false from a dummy verification that does the same work', async () => {
    expect(await hasher.dummyVerify(passphrase())).toBe(false);
  });
});
