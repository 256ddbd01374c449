/**
 * Webhook signing secrets. The server signs every delivery with the endpoint's secret, so it
 * keeps the secret itself, not a hash: sealed with AES-256-GCM under a key derived from the
 * instance secret (the endpoint id as associated data, so a sealed secret moved to another
 * row does not open). Shown once, at creation, in the `whsec_<base64>` form receivers expect.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../core/index.js';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

export function newWebhookSecret(bytes: Uint8Array = randomBytes(32)): string {
  return `${WEBHOOK_SECRET_PREFIX}${Buffer.from(bytes).toString('base64')}`;
}

export function sealSecret(key: Buffer, endpointId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(endpointId));
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), sealed]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function openSecret(key: Buffer, endpointId: string, sealed: string): string {
  const [version, iv, tag, body] = sealed.split('.');
  try {
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unknown format');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(endpointId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch (cause) {
    throw new AppError(
      'internal',
      `webhook ${endpointId}: its secret cannot be opened (was the instance secret changed?); remove and add the endpoint again`,
      { cause },
    );
  }
}
