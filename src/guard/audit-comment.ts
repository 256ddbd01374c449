/**
 * The comment a write leaves on each task it touched: which credential, which client, who
 * approved and why. SECURITY: a task's comments are read by people and models as facts, so
 * the parts a caller chooses cannot pose as the parts Taskgate vouches for — the client name
 * is reduced to a safe set and quoted after the word `client`, and the reason is one JSON
 * string literal (a reason stored before line breaks were refused included).
 */
import { z } from 'zod';
import { invalidInput } from '../core/index.js';
import { describeClient, parseInput, quoteText, singleLine } from '../domain/index.js';
import type { ObjectChange } from '../model/index.js';

export interface AuditCommentInput {
  readonly op: ObjectChange['op'];
  /** The credential's name (a validated kebab-case key or connection name). */
  readonly credentialName: string;
  readonly clientName: string | null;
  readonly clientVersion: string | null;
  /** The member who approved in the browser, when that is how the change was confirmed. */
  readonly approvedBy: string | null;
  readonly reason: string | undefined;
}

const VERB = { create: 'Created', update: 'Updated', delete: 'Moved to the trash', restore: 'Restored' };

/** `Updated via MCP by cursor-work-laptop with client "Cursor 1.7", approved by ann@example.com, reason: "…"` */
export function auditCommentBody(input: AuditCommentInput): string {
  const client = describeClient(input.clientName, input.clientVersion);
  const reason = input.reason?.trim();
  return [
    `${VERB[input.op]} via MCP by ${input.credentialName}`,
    client ? ` with ${client}` : '',
    input.approvedBy ? `, approved by ${input.approvedBy}` : '',
    `, reason: ${reason ? quoteText(reason) : 'none given'}`,
  ].join('');
}

const reasonInput = z.object({ reason: singleLine(0, 500).optional() });

/**
 * The reason a write gives: one line (the same rule as at the MCP edge, so a change queued
 * for confirmation cannot carry another), and present when the workspace asks for one.
 */
export function assertReason(reason: unknown, required: boolean): void {
  const { reason: text } = parseInput(reasonInput, { reason });
  if (required && !text) {
    throw invalidInput([
      { field: 'reason', message: 'is required by this workspace: say why this change is made' },
    ]);
  }
}
