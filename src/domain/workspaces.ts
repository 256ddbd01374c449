/**
 * Workspaces (tenants) and their members. Creating a workspace creates its first owner in
 * the same transaction, so a workspace without an owner can never exist.
 */
import { z } from 'zod';
import { ENVIRONMENTS } from '../config/index.js';
import { AppError, type Clock, type IdGenerator } from '../core/index.js';
import { DEFAULT_ROTATION_DAYS, type Member, ROLES, type Workspace } from '../model/index.js';
import type { Repositories } from '../storage/index.js';
import { canGrantRole } from './access.js';
import { type Actor, type DomainStore, inTransaction } from './actor.js';
import { email, parseInput, singleLine, slug } from './validation.js';
import { resolveWorkspace } from './workspace-lookup.js';

export interface WorkspaceDeps {
  readonly store: DomainStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

const createWorkspaceInput = z.object({
  workspace: slug,
  name: singleLine(1, 100).optional(),
  environment: z
    .enum(ENVIRONMENTS, { message: `must be one of ${ENVIRONMENTS.join(', ')}` })
    .default('development'),
  owner: email,
  ownerName: singleLine(1, 100).optional(),
});

const addMemberInput = z.object({
  email,
  name: singleLine(1, 100).optional(),
  role: z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` }),
});

export type CreateWorkspaceInput = z.input<typeof createWorkspaceInput>;
export type AddMemberInput = z.input<typeof addMemberInput>;

export function createWorkspaceService(deps: WorkspaceDeps) {
  const { store, clock, ids } = deps;

  return {
    async create(input: CreateWorkspaceInput): Promise<{ workspace: Workspace; owner: Member }> {
      const data = parseInput(createWorkspaceInput, input);
      const now = clock.now().toISOString();
      return store.transaction(async (repos) => {
        if (await repos.workspaces.findBySlug(data.workspace)) {
          throw new AppError('conflict', `workspace: ${data.workspace} already exists`, {
            detail: { fields: [{ field: 'workspace', message: 'already exists' }] },
          });
        }
        const workspace: Workspace = {
          id: ids('workspace'),
          slug: data.workspace,
          name: data.name ?? data.workspace,
          environment: data.environment,
          keyRotationDays: DEFAULT_ROTATION_DAYS,
          createdAt: now,
        };
        const owner: Member = {
          id: ids('member'),
          workspaceId: workspace.id,
          email: data.owner,
          name: data.ownerName ?? data.owner.split('@')[0]!,
          role: 'owner',
          createdAt: now,
        };
        await repos.workspaces.insert(workspace);
        await repos.members.insert(owner);
        return { workspace, owner };
      });
    },

    get: (slugOrId: string) => resolveWorkspace(store, slugOrId),

    list: () => store.workspaces.list(),

    /** The member acting as `email` in a workspace: how a CLI or web session becomes an Actor. */
    async memberByEmail(workspaceId: string, memberEmail: string): Promise<Member> {
      const found = await store.members.findByEmail(workspaceId, memberEmail.trim().toLowerCase());
      if (!found) throw new AppError('not_found', `member ${memberEmail} not found in this workspace`);
      return found;
    },

    async addMember(actor: Actor, input: AddMemberInput, tx?: Repositories): Promise<Member> {
      const data = parseInput(addMemberInput, input);
      if (!canGrantRole(actor.role, data.role)) {
        throw new AppError('forbidden', `your role (${actor.role}) cannot add a member as ${data.role}`);
      }
      return inTransaction(store, tx, async (repos) => {
        if (await repos.members.findByEmail(actor.workspaceId, data.email)) {
          throw new AppError('conflict', `email: ${data.email} is already a member`, {
            detail: { fields: [{ field: 'email', message: 'is already a member' }] },
          });
        }
        const member: Member = {
          id: ids('member'),
          workspaceId: actor.workspaceId,
          email: data.email,
          name: data.name ?? data.email.split('@')[0]!,
          role: data.role,
          createdAt: clock.now().toISOString(),
        };
        await repos.members.insert(member);
        return member;
      });
    },

    listMembers: (actor: Actor) => store.members.list(actor.workspaceId),
  };
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>;
