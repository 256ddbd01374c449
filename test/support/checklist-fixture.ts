/**
 * A workspace for the security checklist's tests: its environment chosen, an owner, an admin
 * and a member, the real key, policy and checklist services, and helpers that write what the
 * checklist reads — a key's use (through the audit log) and an audit verification.
 */
import { createChecklistService, createPolicyService } from '../../src/admin/index.js';
import { createAuditLog } from '../../src/audit/index.js';
import type { Environment } from '../../src/config/index.js';
import { createIdGenerator, createManualClock, createSeededRandom } from '../../src/core/index.js';
import { type CreateKeyInput, createKeyService, hashApiKey } from '../../src/credentials/index.js';
import { createDomain } from '../../src/domain/index.js';
import type { ApiKeyRecord, Member } from '../../src/model/index.js';
import type { Store } from '../../src/storage/index.js';

export const DAY_MS = 86_400_000;
export const START = new Date('2026-11-02T09:00:00.000Z');

export async function createChecklistFixture(
  store: Store,
  environment: Environment = 'production',
  slug = 'acme',
) {
  const clock = createManualClock(START);
  const random = createSeededRandom([...slug].reduce((h, c) => h * 31 + c.charCodeAt(0), 11));
  const ids = createIdGenerator(clock, random);
  const domain = createDomain({ store, clock, ids });
  const { workspace, owner } = await domain.workspaces.create({
    workspace: slug,
    owner: `owner@${slug}.test`,
    environment,
  });
  const ownerActor = { workspaceId: workspace.id, memberId: owner.id, role: owner.role, via: 'cli' } as const;
  const admin = await domain.workspaces.addMember(ownerActor, { email: `admin@${slug}.test`, role: 'admin' });
  const member = await domain.workspaces.addMember(ownerActor, {
    email: `member@${slug}.test`,
    role: 'member',
  });
  const audit = createAuditLog({ store, clock, ids });
  const keys = createKeyService({ store, clock, random, ids, audit });
  const policy = createPolicyService({ store, audit, clock });
  const checklist = createChecklistService({ store, clock, policyFor: (w) => policy.forWorkspace(w) });

  async function key(name: string, extra: Partial<CreateKeyInput> = {}): Promise<ApiKeyRecord> {
    const issued = await keys.create({ workspace: slug, name, environment, ...extra });
    return (await store.apiKeys.findById(workspace.id, issued.key.id))!;
  }

  /** A row as it might predate today's rules (no service accepts it): a copy under another name. */
  async function legacyKey(like: ApiKeyRecord, change: Partial<ApiKeyRecord>): Promise<ApiKeyRecord> {
    const id = ids('apiKey');
    const record = { ...like, id, hash: hashApiKey(`legacy ${id}`), ...change };
    await store.apiKeys.insert(record);
    return record;
  }

  /** A tool call by the key, recorded as the MCP route records one. */
  async function used(k: ApiKeyRecord, use: { ip: string; client: string; member?: Member }) {
    await audit.append({
      workspaceId: workspace.id,
      action: 'mcp.tool_called',
      tool: 'list_tasks',
      outcome: 'ok',
      memberId: (use.member ?? owner).id,
      credentialId: k.id,
      credentialName: k.name,
      environment,
      ip: use.ip,
      clientName: use.client,
    });
  }

  async function verified(ok: boolean, by: Member | null = admin) {
    await audit.append({
      workspaceId: workspace.id,
      action: 'audit.verified',
      outcome: ok ? 'ok' : 'error',
      memberId: by?.id ?? null,
    });
  }

  const item = async (id: string, viewer: string | null = null) => {
    const found = (await checklist.evaluate(slug, viewer)).items.find((i) => i.id === id);
    if (!found) throw new Error(`no item ${id}`);
    return found;
  };

  return {
    clock,
    workspace,
    owner,
    admin,
    member,
    audit,
    keys,
    policy,
    checklist,
    key,
    legacyKey,
    used,
    verified,
    item,
  };
}
