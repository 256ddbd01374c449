/**
 * A refresh cannot widen a grant's scope (RFC 6749 §6). A client told to step up (403
 * `insufficient_scope` on /mcp) that refreshes instead — the MCP SDK v1 client does once it
 * holds a refresh token — gets the same scopes back and is refused again, for ever. So while
 * a step-up is pending for a connection (asked for after its last token was issued), its
 * refresh is refused with `invalid_grant`: nothing is consumed or revoked, and the client
 * drops its tokens and asks the member for the wider scope.
 */
import type { AuditEvent } from '../model/index.js';
import type { StepUpStore } from './ports.js';

/** The scope a pending step-up asks for ('' if it named none), or undefined when none is. */
export async function pendingStepUp(store: StepUpStore, connectionId: string): Promise<string | undefined> {
  const owned = await store.apiKeys.findOwnedById(connectionId);
  if (!owned) return undefined;
  // One log and one clock for both sides: the audit trail orders them, whatever oidc-provider's
  // token timestamps say.
  const latest = async (action: string) =>
    (await store.audit.list(owned.workspace.id, { action, credentialId: connectionId, limit: 1 }))[0];
  const [asked, issued, refreshed] = await Promise.all([
    latest('oauth.step_up_required'),
    latest('oauth.token_issued'),
    latest('oauth.token_refreshed'),
  ]);
  if (!asked || [issued, refreshed].some((token) => token && !isLater(asked, token))) return undefined;
  const scope = (asked.detail as { scope?: unknown } | null)?.scope;
  return typeof scope === 'string' ? scope : '';
}

function isLater(a: AuditEvent, b: AuditEvent): boolean {
  if (a.seq != null && b.seq != null) return a.seq > b.seq;
  return a.occurredAt > b.occurredAt;
}
