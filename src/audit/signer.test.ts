/**
 * Golden vectors for what a checkpoint signs and the hash its successor signs as `prev`
 * (docs/audit-format.md): a second verifier built from the page must agree, so they never change.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkpointHash, checkpointPayload, createAuditSigner, keyIdOf, verifyWithKey } from './signer.js';

const claim = {
  chain: 'wsp_01KBV5Z7Q0000000000000000W',
  seq: 1000,
  hash: 'ab'.repeat(32),
  at: '2026-11-27T10:01:00.000Z',
  prevCheckpointHash: 'cd'.repeat(32),
};
const KEY = '0123456789abcdef';

describe('checkpoint payload and hash', () => {
  it('signs chain, seq, hash, at, keyId and prev as canonical JSON; older checkpoints without prev', () => {
    expect(checkpointPayload(claim, KEY).toString()).toBe(
      `{"at":"2026-11-27T10:01:00.000Z","chain":"wsp_01KBV5Z7Q0000000000000000W","hash":"${'ab'.repeat(32)}","keyId":"${KEY}","prev":"${'cd'.repeat(32)}","seq":1000}`,
    );
    expect(checkpointPayload({ ...claim, prevCheckpointHash: null }, KEY).toString()).toBe(
      `{"at":"2026-11-27T10:01:00.000Z","chain":"wsp_01KBV5Z7Q0000000000000000W","hash":"${'ab'.repeat(32)}","keyId":"${KEY}","seq":1000}`,
    );
  });

  it('hashes everything stored, signature included, prev null on older checkpoints', () => {
    expect(checkpointHash({ ...claim, keyId: KEY, signature: 'c2ln' })).toBe(
      'c77eaac8fe4b8aceee9d9a72e763b043eb2d367a931c32b9ef5a92ba48470347',
    );
    expect(checkpointHash({ ...claim, keyId: KEY, signature: 'c2ln', prevCheckpointHash: null })).toBe(
      '6a195729ae6455af83fb8daef799fc2e83193d9a9e2994dcab3d69823d31b0dd',
    );
  });

  it('refuses a signature whose prev was changed, under the key that made it', () => {
    const signer = createAuditSigner(randomBytes(32));
    const signature = signer.sign(claim);
    expect(keyIdOf(signer.publicKey.x)).toBe(signer.keyId);
    expect(verifyWithKey(signer.publicKey.x, claim, signer.keyId, signature)).toBe(true);
    expect(
      verifyWithKey(
        signer.publicKey.x,
        { ...claim, prevCheckpointHash: 'ee'.repeat(32) },
        signer.keyId,
        signature,
      ),
    ).toBe(false);
    expect(verifyWithKey('not-a-key', claim, signer.keyId, signature)).toBe(false);
  });
});
