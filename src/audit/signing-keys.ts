/**
 * Which keys may have signed this database's checkpoints, and the start-up check that a
 * lost or replaced instance secret is noticed instead of looking like tampering later.
 * SECURITY: public keys kept in the database are only as trustworthy as the database. A key
 * other than this instance's is trusted only when an `audit.signing_key_added` event naming
 * this instance's key vouches for it and a checkpoint signed by this instance's key pins
 * that event; docs/audit-format.md says what that does and does not stop.
 */

import { GLOBAL_CHAIN } from '../chain/index.js';
import { AppError, type Clock } from '../core/index.js';
import type { Repositories, SigningKeyRecord, Store } from '../storage/index.js';
import type { AuditLog } from './audit-log.js';
import type { AuditSigner } from './signer.js';

export const SIGNING_KEY_ADDED = 'audit.signing_key_added';

/** Where trust in a key comes from: this instance's secret, an audited key change, an anchor file. */
export type KeySource = 'instance' | 'vouched' | 'anchor';

export interface TrustedKey {
  readonly keyId: string;
  /** The raw Ed25519 public key, base64url. */
  readonly x: string;
  readonly source: KeySource;
}

interface KeyChangeDetail {
  readonly keyId?: unknown;
  readonly previousKeys?: unknown;
}

const isKey = (value: unknown): value is { keyId: string; publicKey: string } =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { keyId?: unknown }).keyId === 'string' &&
  typeof (value as { publicKey?: unknown }).publicKey === 'string';

/**
 * This instance's key, and the earlier keys its audited introduction vouches for — only if a
 * checkpoint this instance's key signed pins that event (else its list is not trusted).
 */
export async function trustedKeys(
  store: Pick<Store, 'audit'>,
  signer: AuditSigner,
): Promise<Map<string, TrustedKey>> {
  const keys = new Map<string, TrustedKey>([
    [signer.keyId, { keyId: signer.keyId, x: signer.publicKey.x, source: 'instance' }],
  ]);
  const events = await store.audit.list(null, { action: SIGNING_KEY_ADDED, order: 'desc', limit: 100 });
  const intro = events.find((e) => (e.detail as KeyChangeDetail | null)?.keyId === signer.keyId);
  if (!intro?.seq) return keys;
  const pinned = (await store.audit.checkpoints(GLOBAL_CHAIN)).some(
    (cp) => cp.keyId === signer.keyId && cp.seq >= intro.seq!,
  );
  const previous = (intro.detail as KeyChangeDetail).previousKeys;
  if (!pinned || !Array.isArray(previous)) return keys;
  for (const key of previous.filter(isKey)) {
    if (!keys.has(key.keyId)) keys.set(key.keyId, { keyId: key.keyId, x: key.publicKey, source: 'vouched' });
  }
  return keys;
}

export interface SigningKeyCheck {
  /** Record this instance's key as a new signing key, audited (`--accept-new-secret`). */
  readonly acceptNewSecret?: boolean;
  /** The command reads only: it writes nothing, not even an accepted key. */
  readonly readOnly?: boolean;
  /** Said in the refusal when the command found no secret and created none. */
  readonly secretMissing?: string;
}

/**
 * Refuses to go on when the database's checkpoints were signed by keys this instance's secret
 * does not derive, and none of them is this instance's: the secret was lost or replaced.
 * Signing on with a new key would make every older checkpoint look forged. `accepted`: the
 * caller must sign now, so a checkpoint of the new key pins the event that vouches.
 */
export async function assertSigningKey(
  deps: { store: Pick<Store, 'audit' | 'transaction'>; signer: AuditSigner; audit: AuditLog; clock: Clock },
  check: SigningKeyCheck,
): Promise<'known' | 'accepted'> {
  const { store, signer } = deps;
  const known = await store.audit.signingKeys();
  if (known.some((k) => k.keyId === signer.keyId)) return 'known';
  const signers = new Set((await store.audit.checkpoints()).map((cp) => cp.keyId));
  const others = [...new Set([...known.map((k) => k.keyId), ...signers])].filter((k) => k !== signer.keyId);
  if (others.length === 0) {
    // Checkpoints this key signed before keys were recorded (migration 0011): keep its public
    // half now, while the secret is here, so they still verify if it is lost later.
    if (signers.has(signer.keyId) && !check.readOnly)
      await store.audit.addSigningKey({
        keyId: signer.keyId,
        publicKey: signer.publicKey.x,
        firstUsedAt: deps.clock.now().toISOString(),
      });
    return 'known';
  }
  if (check.secretMissing || !check.acceptNewSecret || check.readOnly) {
    const why = check.secretMissing ?? 'secret.key was lost or replaced';
    const next = check.secretMissing
      ? 'Restore it (or set TASKGATE_SECRET_KEY); this command does not create one.'
      : check.readOnly
        ? 'Restore it, or accept the new key with a command that writes (e.g. `taskgate serve --accept-new-secret`).'
        : 'Restore it, or pass --accept-new-secret to start a new signing key (audited).';
    throw new AppError(
      'invalid_input',
      `the database holds audit checkpoints signed by key ${others.join(', ')}, but this instance's secret derives key ${signer.keyId}: ${why}. ${next}`,
    );
  }
  await acceptNewKey(deps, known);
  return 'accepted';
}

/** Records the new key and, in the same transaction, the audited event that vouches for the old ones. */
async function acceptNewKey(
  deps: { store: Pick<Store, 'audit' | 'transaction'>; signer: AuditSigner; audit: AuditLog; clock: Clock },
  known: readonly SigningKeyRecord[],
): Promise<void> {
  const { signer } = deps;
  const at = deps.clock.now().toISOString();
  await deps.store.transaction(async (repos: Repositories) => {
    await repos.audit.addSigningKey({ keyId: signer.keyId, publicKey: signer.publicKey.x, firstUsedAt: at });
    await deps.audit.record(repos, {
      action: SIGNING_KEY_ADDED,
      outcome: 'ok',
      workspaceId: null,
      reason: 'accepted with --accept-new-secret',
      detail: {
        keyId: signer.keyId,
        publicKey: signer.publicKey.x,
        previousKeys: known.map((k) => ({ keyId: k.keyId, publicKey: k.publicKey })),
      },
    });
  });
}
