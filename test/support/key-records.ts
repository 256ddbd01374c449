/** A stored key record as the key service writes one, every field set; tests override what they test. */
import type { ApiKeyRecord } from '../../src/model/index.js';

export function keyRecord(
  fields: Pick<ApiKeyRecord, 'id' | 'workspaceId' | 'memberId' | 'hash'> & Partial<ApiKeyRecord>,
): ApiKeyRecord {
  return {
    name: `cursor-${fields.id}`,
    environment: 'development',
    prefix: 'tg_dev_',
    last4: 'abcd',
    scopes: ['tasks:read'],
    projectIds: null,
    readOnly: false,
    dryRunOnly: false,
    ipAllow: null,
    client: null,
    createdAt: '2026-11-02T09:30:00.000Z',
    createdBy: null,
    expiresAt: '2027-02-01T00:00:00.000Z',
    revokedAt: null,
    replaces: null,
    replacedBy: null,
    replacedAt: null,
    graceUntil: null,
    lastUsedAt: null,
    lastUsedIp: null,
    lastUsedClient: null,
    flaggedAt: null,
    flaggedReason: null,
    kind: 'api_key',
    oauthClientId: null,
    oauthClientName: null,
    oauthGrantId: null,
    ...fields,
  };
}
