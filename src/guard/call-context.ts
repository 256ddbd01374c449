/**
 * Everything one MCP request carries through the pipeline: who (principal), from where
 * (ip, user agent, client), and a flag the endpoint reads to fail closed when an audit
 * record could not be written.
 */
import type { Principal } from '../credentials/index.js';
import type { Actor } from '../domain/index.js';

export interface CallContext {
  readonly principal: Principal;
  readonly requestId: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly clientName: string | null;
  readonly clientVersion: string | null;
  /** Set when an audit record failed: the response must become a 503. */
  auditFailed: boolean;
  /**
   * Set when a tool failed because the database is unavailable (its record was written): the
   * response becomes a 503 with `Retry-After` too, so clients retry instead of reading an error.
   */
  databaseUnavailable?: boolean;
  /** Tool calls the guard ran and recorded; the HTTP layer records the rest. */
  toolCallsAudited: number;
}

export function toActor(principal: Principal): Actor {
  return {
    workspaceId: principal.workspace.id,
    memberId: principal.member.id,
    role: principal.member.role,
    via: 'mcp',
    credentialName: principal.credential.name,
    projectIds: principal.credential.projectIds,
  };
}
