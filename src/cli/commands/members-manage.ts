/**
 * `taskgate members invite|role|remove`: the member service as the command line calls it
 * (the console calls the same one). `--as <email>` names the acting member, whose role the
 * rules are checked against and who is recorded in the audit log; without it the operator
 * acts, with an owner's authority, recorded as `operator` — whoever runs this holds the
 * database already. A removal shows what it would do and changes nothing without `--yes`.
 */
import type { Command } from 'commander';
import type { MemberChangeResult, MemberTarget } from '../../admin/index.js';
import type { App } from '../../app.js';
import { invalidInput } from '../../core/index.js';
import { loginLinkUrl } from '../../credentials/index.js';
import { quoteText } from '../../domain/index.js';
import { configFor, withApp } from '../context.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

interface ManageOptions extends CommonOptions {
  readonly workspace: string;
  readonly as?: string;
  readonly dryRun?: boolean;
  readonly yes?: boolean;
  readonly role?: string;
  readonly name?: string;
}

const target = (email: string, options: ManageOptions): MemberTarget => ({
  workspace: options.workspace,
  email,
  by: options.as === undefined ? { operator: true } : { member: options.as },
});

/** The result as a person reads it: one line per credential touched, then what it means. */
export function describeChange(result: MemberChangeResult): string {
  const { member, change } = result;
  const what =
    change.kind === 'remove'
      ? `remove ${member.email} (${member.role}) from ${result.workspace}`
      : `change ${member.email} from ${change.from} to ${change.to} in ${result.workspace}`;
  const lines = [`${result.applied ? 'Done' : 'Would'}: ${what}, as ${result.by}.`];
  for (const k of result.revoke)
    lines.push(`  revoke ${k.kind === 'oauth' ? '' : 'key '}${k.name}  ${k.display}`);
  for (const k of result.narrow) {
    const flag = k.readOnly && !k.readOnlyBefore ? ', read-only' : '';
    lines.push(
      `  narrow ${k.kind === 'oauth' ? 'connection' : 'key'} ${k.name}  to ${k.scopes.join(' ')}${flag}`,
    );
  }
  for (const a of result.cancel) lines.push(`  cancel pending action ${a.id} (${a.tool})`);
  if (change.kind === 'remove') {
    lines.push(
      result.applied ? `  ended ${result.sessionsEnded} web session(s)` : '  end their web sessions',
    );
  }
  if (result.revoke.length + result.narrow.length + result.cancel.length === 0) {
    lines.push('  no key, connection or pending action is affected');
  }
  if (result.matchedPreview === false) {
    lines.push(
      'Note: this differs from the preview (something changed meanwhile); it covered the current set.',
    );
  }
  return lines.join('\n');
}

export function registerMemberChanges(members: Command, io: CliIo): void {
  const run = (options: ManageOptions, work: (app: App) => Promise<void>) =>
    withApp(io, configFor(io, options), work);

  members
    .command('invite <email>')
    .description('add a member (or bring back a removed one) and print their one-time login link')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .requiredOption('--role <role>', 'owner, admin, member or viewer')
    .option('--name <name>', 'display name (default: the part of the email before @)')
    .option('--as <email>', 'the acting owner or admin (default: the operator)')
    .action((email: string, options: ManageOptions) =>
      run(options, async (app) => {
        const invited = await app.members.invite({
          ...target(email, options),
          role: options.role ?? '',
          name: options.name,
        });
        const url = loginLinkUrl(app.config.publicUrl, invited.loginLink.token);
        const { member } = invited;
        printResult(
          io,
          options,
          {
            member,
            reinstated: invited.reinstated,
            loginLink: { url, expiresAt: invited.loginLink.expiresAt },
          },
          `${invited.reinstated ? 'Brought back' : 'Invited'} ${member.email} to ${options.workspace} as ${member.role}.\n` +
            `Send them this one-time login link (valid until ${invited.loginLink.expiresAt}, works once):\n\n  ${url}`,
        );
      }),
    );

  members
    .command('role <email> <role>')
    .description("change a member's role; a lower role narrows their keys and connections at once")
    .requiredOption('--workspace <slug>', 'workspace slug')
    .option('--as <email>', 'the acting owner or admin (default: the operator)')
    .option('--dry-run', 'show what would change, change nothing')
    .action((email: string, role: string, options: ManageOptions) =>
      run(options, async (app) => {
        const result = options.dryRun
          ? await app.members.preview(target(email, options), { kind: 'role', role })
          : await app.members.changeRole({ ...target(email, options), role });
        printResult(io, options, result, describeChange(result));
      }),
    );

  members
    .command('remove <email>')
    .description('remove a member: revokes their keys and connections, cancels their pending actions')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .option('--as <email>', 'the acting owner or admin (default: the operator)')
    .option('--dry-run', 'show what would change, change nothing')
    .option('--yes', 'remove without stopping at the preview')
    .action((email: string, options: ManageOptions) =>
      run(options, async (app) => {
        const preview = await app.members.preview(target(email, options), { kind: 'remove' });
        if (options.dryRun || !options.yes) {
          printResult(io, options, preview, describeChange(preview));
          if (options.dryRun) return;
          throw invalidInput([
            {
              field: 'yes',
              message: `nothing changed: add --yes to remove ${quoteText(preview.member.email)}`,
            },
          ]);
        }
        const result = await app.members.remove(target(email, options), preview);
        printResult(io, options, result, describeChange(result));
      }),
    );
}
