/**
 * Confirmation tokens: `tgc_<action id>.<mac>` where the MAC (HMAC-SHA256 under a key
 * derived from the instance secret) covers the action id, the credential, the tool, the
 * plan digest and the expiry. A token is refused before any lookup if its MAC is malformed,
 * and after the lookup if it does not match the stored action — so it cannot be forged,
 * moved to another credential or tool, or stretched past its expiry. Single use is the
 * action row's job (one `pending → executed` transition).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isId } from '../core/index.js';
import type { PendingAction } from '../model/index.js';

export const TOKEN_PREFIX = 'tgc_';
const TOKEN = /^tgc_(act_[0-9A-Z]{26})\.([A-Za-z0-9_-]{43})$/;

const macOf = (
  key: Buffer,
  a: Pick<PendingAction, 'id' | 'credentialId' | 'tool' | 'digest' | 'expiresAt'>,
) =>
  createHmac('sha256', key)
    .update([a.id, a.credentialId, a.tool, a.digest, a.expiresAt].join('\n'))
    .digest('base64url');

export function mintConfirmationToken(key: Buffer, action: PendingAction): string {
  return `${TOKEN_PREFIX}${action.id}.${macOf(key, action)}`;
}

/** The action id a well-formed token names, or undefined. Says nothing about validity. */
export function actionIdOf(token: string): string | undefined {
  const match = TOKEN.exec(token.trim());
  return match && isId('action', match[1]!) ? match[1] : undefined;
}

export function tokenMatches(key: Buffer, token: string, action: PendingAction): boolean {
  const given = Buffer.from(token.trim());
  const expected = Buffer.from(mintConfirmationToken(key, action));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
