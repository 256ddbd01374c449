/**
 * OAuth Protected Resource Metadata (RFC 9728) for /mcp, at the path-suffixed location
 * (§3.1) and the root fallback. `resource` is the public MCP URL exactly as clients use it.
 */
import type { Hono } from 'hono';
import { SCOPES } from '../credentials/index.js';

export function protectedResourceMetadataUrl(publicUrl: string): string {
  return `${publicUrl}/.well-known/oauth-protected-resource/mcp`;
}

export function mountWellKnown(app: Hono, publicUrl: string): void {
  const metadata = {
    resource: `${publicUrl}/mcp`,
    resource_name: 'Taskgate',
    scopes_supported: [...SCOPES],
    bearer_methods_supported: ['header'],
  };
  const serve = () => Response.json(metadata);
  app.get('/.well-known/oauth-protected-resource/mcp', serve);
  app.get('/.well-known/oauth-protected-resource', serve);
}
