/**
 * Who a tool call is for and where it came from: the principal, the request, the client it
 * named. Read-only: what happened to the call is not written here but returned by the
 * pipeline as a value (`call-record.ts`).
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

/** The audit fields every event about a call carries: who, with which key, from where. */
export function callFields(ctx: CallContext) {
  const { principal } = ctx;
  return {
    workspaceId: principal.workspace.id,
    memberId: principal.member.id,
    credentialId: principal.credential.id,
    credentialName: principal.credential.name,
    oauthClient: principal.credential.oauthClient,
    environment: principal.credential.environment,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    clientName: ctx.clientName,
    clientVersion: ctx.clientVersion,
    requestId: ctx.requestId,
  };
}
