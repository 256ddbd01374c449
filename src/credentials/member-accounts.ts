/**
 * Member accounts as an operator manages them from the CLI: add a member (optionally with a
 * password), set a password, list who can sign in. Setting a password ends every session
 * of the member. Each change is audited in its own transaction.
 */
import type { AuditLog } from '../audit/index.js';
import { AppError, type Clock } from '../core/index.js';
import type { Actor, AddMemberInput, WorkspaceService } from '../domain/index.js';
import type { Member, Workspace } from '../model/index.js';
import type { Repositories, Store } from '../storage/index.js';
import { assertPasswordPolicy, type PasswordHasher } from './password.js';

export interface MemberAccountDeps {
  readonly store: Pick<Store, 'members' | 'signIn' | 'transaction'>;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly passwords: PasswordHasher;
  readonly workspaces: WorkspaceService;
}

export interface AddMemberAccountInput extends AddMemberInput {
  readonly workspace: string;
  /** Read by the caller from stdin, never from argv. */
  readonly password?: string | undefined;
}

export interface MemberAccount extends Member {
  readonly hasPassword: boolean;
}

export function createMemberAccounts(deps: MemberAccountDeps) {
  const { store, clock, audit, passwords, workspaces } = deps;

  async function setHash(repos: Repositories, workspace: Workspace, member: Member, hash: string) {
    await repos.signIn.setPasswordHash(workspace.id, member.id, hash);
    const ended = await repos.sessions.revokeAllForMember(workspace.id, member.id, clock.now().toISOString());
    await audit.record(repos, {
      action: 'member.password_set',
      outcome: 'ok',
      workspaceId: workspace.id,
      memberId: member.id,
      environment: workspace.environment,
      detail: { email: member.email, sessionsEnded: ended },
    });
  }

  return {
    /** Adds a member as the workspace owner would (the CLI operator holds the database). */
    async add(input: AddMemberAccountInput): Promise<MemberAccount> {
      if (input.password !== undefined) assertPasswordPolicy(input.password);
      const workspace = await workspaces.get(input.workspace);
      const owner = (await store.members.list(workspace.id)).find((m) => m.role === 'owner');
      if (!owner) throw new AppError('internal', `workspace ${workspace.slug} has no owner`);
      const actor: Actor = { workspaceId: workspace.id, memberId: owner.id, role: 'owner', via: 'cli' };
      const hash = input.password === undefined ? undefined : await passwords.hash(input.password);
      return store.transaction(async (repos) => {
        const { email, name, role } = input;
        const member = await workspaces.addMember(actor, { email, role, ...(name && { name }) }, repos);
        await audit.record(repos, {
          action: 'member.added',
          outcome: 'ok',
          workspaceId: workspace.id,
          memberId: member.id,
          environment: workspace.environment,
          detail: { email: member.email, role: member.role, via: 'cli' },
        });
        if (hash) await setHash(repos, workspace, member, hash);
        return { ...member, hasPassword: hash !== undefined };
      });
    },

    async setPassword(input: { workspace: string; email: string; password: string }): Promise<Member> {
      assertPasswordPolicy(input.password);
      const workspace = await workspaces.get(input.workspace);
      const member = await workspaces.memberByEmail(workspace.id, input.email);
      const hash = await passwords.hash(input.password);
      await store.transaction((repos) => setHash(repos, workspace, member, hash));
      return member;
    },

    async list(workspaceSlug: string): Promise<MemberAccount[]> {
      const workspace = await workspaces.get(workspaceSlug);
      const [members, withPassword] = await Promise.all([
        store.members.list(workspace.id),
        store.signIn.membersWithPassword(workspace.id),
      ]);
      return members.map((m) => ({ ...m, hasPassword: withPassword.includes(m.id) }));
    },
  };
}

export type MemberAccounts = ReturnType<typeof createMemberAccounts>;
