/**
 * A small workspace for domain tests: one member per role, two projects (APO with
 * everyone, WEB with the owner only), a manual clock and seeded ids.
 */
import {
  createIdGenerator,
  createManualClock,
  createSeededRandom,
  type ManualClock,
} from '../../src/core/index.js';
import { type Actor, createDomain, type Domain } from '../../src/domain/index.js';
import type { Member, Via, Workspace } from '../../src/model/index.js';
import type { Store } from '../../src/storage/index.js';

export const START = new Date('2026-11-02T09:00:00.000Z');

export interface DomainFixture {
  readonly domain: Domain;
  readonly clock: ManualClock;
  readonly workspace: Workspace;
  readonly members: { owner: Member; admin: Member; member: Member; viewer: Member };
  actor(member: Member, via?: Via, credentialName?: string): Actor;
}

export async function createDomainFixture(store: Store, slug = 'acme'): Promise<DomainFixture> {
  const clock = createManualClock(START);
  const domain = createDomain({
    store,
    clock,
    ids: createIdGenerator(
      clock,
      createSeededRandom([...slug].reduce((h, c) => h * 31 + c.charCodeAt(0), 7)),
    ),
  });
  const { workspace, owner } = await domain.workspaces.create({
    workspace: slug,
    owner: `owner@${slug}.test`,
  });
  const actor = (m: Member, via: Via = 'web', credentialName?: string): Actor => ({
    workspaceId: workspace.id,
    memberId: m.id,
    role: m.role,
    via,
    ...(credentialName !== undefined && { credentialName }),
  });
  const ownerActor = actor(owner);
  const admin = await domain.workspaces.addMember(ownerActor, { email: `admin@${slug}.test`, role: 'admin' });
  const member = await domain.workspaces.addMember(ownerActor, {
    email: `member@${slug}.test`,
    role: 'member',
  });
  const viewer = await domain.workspaces.addMember(ownerActor, {
    email: `viewer@${slug}.test`,
    role: 'viewer',
  });
  await domain.projects.create(ownerActor, { key: 'APO', name: 'Apollo', members: [member.id, viewer.id] });
  await domain.projects.create(ownerActor, { key: 'WEB', name: 'Website' });
  return { domain, clock, workspace, members: { owner, admin, member, viewer }, actor };
}
