import { describe, expect, it } from 'vitest';
import type { AuditEvent, Member } from '../model/index.js';
import { OCSF_SCHEMA_VERSION, type OcsfContext, ocsfActivityOf, ocsfClassOf, toOcsf } from './ocsf.js';

const ADA: Member = {
  id: 'mbr_01JAAAAAAAAAAAAAAAAAAAAAAA',
  workspaceId: 'wsp_01JAAAAAAAAAAAAAAAAAAAAAAA',
  email: 'ada@acme.test',
  name: 'Ada',
  role: 'member',
  createdAt: '2026-11-01T00:00:00.000Z',
};
const context: OcsfContext = { productVersion: '9.9.9', member: (id) => (id === ADA.id ? ADA : undefined) };

function event(extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: 'evt_01JBBBBBBBBBBBBBBBBBBBBBBB',
    workspaceId: ADA.workspaceId,
    occurredAt: '2026-11-27T10:00:00.123Z',
    action: 'mcp.tool_called',
    tool: 'update_task',
    outcome: 'ok',
    errorCode: null,
    memberId: ADA.id,
    credentialId: 'key_01JCCCCCCCCCCCCCCCCCCCCCCC',
    credentialName: 'cursor-work-laptop',
    environment: 'production',
    params: { task: 'APO-1', title: 'New' },
    result: { ok: true },
    ip: '203.0.113.7',
    userAgent: 'cursor/1.2',
    clientName: 'cursor',
    clientVersion: '1.2.0',
    requestId: 'req_01JDDDDDDDDDDDDDDDDDDDDDDD',
    durationMs: 12,
    detail: null,
    changes: [
      {
        kind: 'task',
        op: 'update',
        id: 'tsk_01JEEEEEEEEEEEEEEEEEEEEEEE',
        ref: 'APO-1',
        before: { title: 'Old', assignee: null },
        after: { title: 'New', assignee: null },
      },
    ] as unknown as AuditEvent['changes'],
    reason: 'rename',
    confirmation: null,
    ...extra,
  };
}

describe('ocsfClassOf', () => {
  it('maps MCP calls to API Activity, sign-ins to Authentication and key lifecycle to Entity Management', () => {
    expect(ocsfClassOf('mcp.tool_called')).toMatchObject({ class_uid: 6003, category_uid: 6 });
    expect(ocsfClassOf('mcp.auth_failed')).toMatchObject({ class_uid: 6003, category_uid: 6 });
    for (const action of ['member.signed_in', 'member.sign_in_failed', 'member.signed_out']) {
      expect(ocsfClassOf(action)).toMatchObject({ class_uid: 3002, category_uid: 3 });
    }
    for (const action of ['key.created', 'key.rotated', 'key.revoked', 'key.expired']) {
      expect(ocsfClassOf(action)).toMatchObject({ class_uid: 3004, category_uid: 3 });
    }
  });

  it('files everything else under API Activity, including member actions that only contain "sign"', () => {
    for (const action of ['confirmation.approved', 'policy.changed', 'trash.purged', 'member.assigned']) {
      expect(ocsfClassOf(action).class_uid).toBe(6003);
    }
  });
});

describe('ocsfActivityOf', () => {
  it('reads the CRUD activity from the tool verb', () => {
    const of = (tool: string | null, action = 'mcp.tool_called') => ocsfActivityOf({ action, tool }).id;
    expect([of('create_task'), of('add_comment'), of('log_time')]).toEqual([1, 1, 1]);
    expect([of('get_task'), of('list_tasks'), of('search_tasks'), of('whoami')]).toEqual([2, 2, 2, 2]);
    expect([of('update_task'), of('bulk_update_tasks'), of('restore_task')]).toEqual([3, 3, 3]);
    expect(of('delete_task')).toBe(4);
    expect([of(null, 'mcp.rejected'), of('confirm_action')]).toEqual([99, 99]);
  });

  it('gives key lifecycle and sign-in events their class activities', () => {
    expect(ocsfActivityOf({ action: 'key.created', tool: null })).toEqual({ id: 1, name: 'Create' });
    expect(ocsfActivityOf({ action: 'key.revoked', tool: null })).toEqual({ id: 4, name: 'Delete' });
    expect(ocsfActivityOf({ action: 'member.signed_in', tool: null })).toEqual({ id: 1, name: 'Logon' });
    expect(ocsfActivityOf({ action: 'member.signed_out', tool: null })).toEqual({ id: 2, name: 'Logoff' });
  });
});

describe('toOcsf', () => {
  it('maps a tool call to an API Activity event with actor, endpoint, request and product', () => {
    const ocsf = toOcsf(event(), context);
    expect(ocsf).toMatchObject({
      class_uid: 6003,
      category_uid: 6,
      activity_id: 3,
      type_uid: 600303,
      time: Date.parse('2026-11-27T10:00:00.123Z'),
      severity_id: 1,
      status_id: 1,
      status: 'Success',
      duration: 12,
      metadata: {
        version: OCSF_SCHEMA_VERSION,
        product: { name: 'Taskgate', vendor_name: 'Taskgate', version: '9.9.9' },
        uid: 'evt_01JBBBBBBBBBBBBBBBBBBBBBBB',
        tenant_uid: ADA.workspaceId,
      },
      actor: {
        user: {
          uid: ADA.id,
          email_addr: 'ada@acme.test',
          name: 'Ada',
          type_id: 1,
          credential_uid: 'key_01JCCCCCCCCCCCCCCCCCCCCCCC',
        },
      },
      src_endpoint: { ip: '203.0.113.7' },
      http_request: { user_agent: 'cursor/1.2', uid: 'req_01JDDDDDDDDDDDDDDDDDDDDDDD' },
      api: { operation: 'update_task', request: { uid: 'req_01JDDDDDDDDDDDDDDDDDDDDDDD' } },
      resources: [{ uid: 'tsk_01JEEEEEEEEEEEEEEEEEEEEEEE', name: 'APO-1', type: 'task' }],
    });
    expect(OCSF_SCHEMA_VERSION).toBe('1.1.0');
  });

  it('keeps every field OCSF has no place for in unmapped, nulls inside changes included', () => {
    const ocsf = toOcsf(event(), context);
    expect(ocsf.unmapped).toEqual({
      credentialName: 'cursor-work-laptop',
      environment: 'production',
      params: { task: 'APO-1', title: 'New' },
      result: { ok: true },
      clientName: 'cursor',
      clientVersion: '1.2.0',
      changes: event().changes,
      reason: 'rename',
    });
  });

  it('writes no null anywhere outside unmapped', () => {
    const ocsf = toOcsf(
      event({ memberId: null, credentialId: null, ip: null, userAgent: null, requestId: null, tool: null }),
      context,
    );
    const { unmapped: _, ...mapped } = ocsf;
    expect(JSON.stringify(mapped)).not.toContain('null');
    expect(ocsf.actor).toEqual({ user: { type_id: 0, type: 'Unknown' } });
  });

  it('marks refusals as failures of medium severity and previews as other', () => {
    expect(toOcsf(event({ outcome: 'denied', errorCode: 'forbidden' }), context)).toMatchObject({
      status_id: 2,
      status: 'Failure',
      status_code: 'forbidden',
      status_detail: 'denied',
      severity_id: 3,
      api: { response: { error: 'forbidden' } },
    });
    expect(toOcsf(event({ outcome: 'error', errorCode: 'internal' }), context)).toMatchObject({
      status_id: 2,
      severity_id: 2,
    });
    expect(toOcsf(event({ outcome: 'dry_run' }), context)).toMatchObject({
      status_id: 99,
      status: 'dry_run',
    });
    expect(toOcsf(event({ outcome: 'pending' }), context)).toMatchObject({
      status_id: 99,
      status: 'pending',
    });
  });

  it('maps a key revocation to Entity Management with the key as the entity, not the actor', () => {
    const ocsf = toOcsf(
      event({ action: 'key.revoked', tool: null, memberId: null, params: null, result: null, changes: null }),
      context,
    );
    expect(ocsf).toMatchObject({
      class_uid: 3004,
      activity_id: 4,
      type_uid: 300404,
      entity: { uid: 'key_01JCCCCCCCCCCCCCCCCCCCCCCC', name: 'cursor-work-laptop', type: 'API key' },
      comment: 'rename',
    });
    expect(ocsf.actor).toBeUndefined();
    expect(ocsf.api).toBeUndefined();
  });

  it('maps a sign-in to Authentication with the member as the user', () => {
    const ocsf = toOcsf(event({ action: 'member.signed_in', tool: null, credentialId: null }), context);
    expect(ocsf).toMatchObject({
      class_uid: 3002,
      category_uid: 3,
      activity_id: 1,
      type_uid: 300201,
      user: { uid: ADA.id, email_addr: 'ada@acme.test' },
    });
  });
});
