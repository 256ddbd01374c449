/**
 * OAuth Protected Resource Metadata (RFC 9728) for /mcp, at the path-suffixed location
 * (§3.1) and the root fallback. `resource` is the public MCP URL exactly as clients use it.
 */
import type { Hono } from 'hono';
import type { AuditPublicKey } from '../audit/index.js';
import { SCOPES } from '../credentials/index.js';

export function protectedResourceMetadataUrl(publicUrl: string): string {
  return `${publicUrl}/.well-known/oauth-protected-resource/mcp`;
}

/**
 * `authorization_servers` names our embedded one when it runs (issuer = the public URL).
 * `offline_access` is not a scope of this resource: it is only in the authorization
 * server's metadata.
 */
export function mountWellKnown(
  app: Hono,
  publicUrl: string,
  auditKeys: readonly AuditPublicKey[],
  oauth: boolean,
): void {
  const metadata = {
    resource: `${publicUrl}/mcp`,
    resource_name: 'Taskgate',
    ...(oauth && { authorization_servers: [publicUrl] }),
    scopes_supported: [...SCOPES],
    bearer_methods_supported: ['header'],
  };
  const serve = () => Response.json(metadata);
  app.get('/.well-known/oauth-protected-resource/mcp', serve);
  app.get('/.well-known/oauth-protected-resource', serve);
  // The key that signs audit checkpoints, so anyone can check an exported log offline.
  app.get('/.well-known/taskgate-audit-keys', () => Response.json({ keys: auditKeys }));
}
