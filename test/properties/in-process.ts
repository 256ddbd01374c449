/**
 * A real server's services driven in process, for properties that need hundreds of calls:
 * the write pipeline and the action service wired as `createApp` wires them, over the
 * server's own store, audit log, clock and ids, and calls made as a key's principal.
 */
import { randomBytes } from 'node:crypto';
import { MAX_BUDGET } from '../../src/admin/index.js';
import { principalOf } from '../../src/credentials/index.js';
import type { Actor } from '../../src/domain/index.js';
import {
  type ActionService,
  type CallContext,
  createActionService,
  createWritePipeline,
  type WritePipeline,
  type WriteSpec,
} from '../../src/guard/index.js';
import { createWriteSpecs } from '../../src/mcp/index.js';
import type { Member, Workspace } from '../../src/model/index.js';
import type { TestServer } from '../support/mcp-server.js';

export interface InProcess {
  readonly workspace: Workspace;
  readonly members: { readonly owner: Member; readonly member: Member };
  readonly pipeline: WritePipeline;
  readonly actions: ActionService;
  readonly specs: ReadonlyMap<string, WriteSpec>;
  /** A signed-in human acting in the console. */
  human(member: Member): Actor;
  /** A new full-scope key named `name`; each call of the result is one request with it. */
  keyCalls(name: string): Promise<() => CallContext>;
}

export async function inProcess(server: TestServer): Promise<InProcess> {
  const { app } = server;
  const workspace = (await app.store.workspaces.findBySlug('demo'))!;
  const all = await app.store.members.list(workspace.id);
  const owner = all.find((m) => m.role === 'owner')!;
  const member = all.find((m) => m.role === 'member')!;
  // Properties make many writes; the budget is another property's subject.
  await app.policy.set(null, 'demo', { writeBudget: MAX_BUDGET, deleteBudget: MAX_BUDGET });
  const tokenKey = randomBytes(32);
  const pipeline = createWritePipeline({
    store: app.store,
    audit: app.audit,
    clock: app.clock,
    ids: app.ids,
    logger: app.logger,
    policyFor: (ws) => app.policy.forWorkspace(ws),
    tokenKey,
    publicUrl: app.config.publicUrl,
  });
  const specs = createWriteSpecs(app.domain);
  const actions = createActionService({
    store: app.store,
    audit: app.audit,
    clock: app.clock,
    tokenKey,
    pipeline,
    specs,
    logger: app.logger,
  });
  let requests = 0;
  return {
    workspace,
    members: { owner, member },
    pipeline,
    actions,
    specs,
    human: (m) => ({ workspaceId: workspace.id, memberId: m.id, role: m.role, via: 'web' }),
    async keyCalls(name) {
      const issued = await app.keys.create({
        workspace: 'demo',
        name,
        environment: 'development',
        preset: 'full',
      });
      const key = (await app.store.apiKeys.findById(workspace.id, issued.key.id))!;
      const keyMember = all.find((m) => m.id === key.memberId)!;
      return () => ({
        principal: principalOf(key, workspace, keyMember),
        requestId: `req_property_${++requests}`,
        ip: '127.0.0.1',
        userAgent: 'property-test',
        clientName: 'fast-check',
        clientVersion: '4',
        auditFailed: false,
        toolCallsAudited: 0,
      });
    },
  };
}

/** A write tool's spec by name. */
export const specOf = (env: InProcess, tool: string): WriteSpec => env.specs.get(tool)!;
