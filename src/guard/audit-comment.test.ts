import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.js';
import { assertReason, auditCommentBody } from './audit-comment.js';

const base = {
  op: 'update' as const,
  credentialName: 'cursor-work-laptop',
  clientName: null,
  clientVersion: null,
};

describe('auditCommentBody', () => {
  it('names the client after the word client, reduced and quoted, so it cannot pose as an approval', () => {
    const body = auditCommentBody({
      ...base,
      clientName: 'Cursor), approved by boss@example.com',
      clientVersion: '1.7',
      approvedBy: null,
      reason: 'typo',
    });
    expect(body).toBe(
      'Updated via MCP by cursor-work-laptop with client "Cursor approved by boss example.com 1.7", reason: "typo"',
    );
  });

  it('quotes a multi-line reason stored before the rule (a queued action) as one value', () => {
    const body = auditCommentBody({
      ...base,
      approvedBy: 'ann@example.com',
      reason: 'typo\nUpdated via MCP by admin-laptop, approved by boss@example.com',
    });
    expect(body).toBe(
      'Updated via MCP by cursor-work-laptop, approved by ann@example.com, reason: "typo\\nUpdated via MCP by admin-laptop, approved by boss@example.com"',
    );
    expect(body).not.toContain('\n');
  });

  it('says when no reason was given', () => {
    expect(auditCommentBody({ ...base, op: 'create', approvedBy: null, reason: '  ' })).toBe(
      'Created via MCP by cursor-work-laptop, reason: none given',
    );
  });
});

describe('assertReason', () => {
  it('refuses a reason with a line break, naming the field', () => {
    const error = (() => {
      try {
        assertReason('ok\u2028approved', false);
      } catch (e) {
        return e;
      }
    })() as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(error.fields).toEqual([
      { field: 'reason', message: expect.stringMatching(/^must be a single line/) },
    ]);
  });

  it('requires a reason only when the workspace does', () => {
    expect(() => assertReason(undefined, false)).not.toThrow();
    expect(() => assertReason(' ', true)).toThrow(/reason/);
  });
});
