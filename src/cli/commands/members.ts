/**
 * `taskgate members add|set-password|list|login-link` (invite, role and remove: members-manage.ts). Passwords come from standard input
 * only (`--password-stdin`): never argv, which other users can read in the process list and
 * shells keep in their history. A terminal is refused, since it would echo what is typed.
 */
import type { Command } from 'commander';
import type { App } from '../../app.js';
import { invalidInput } from '../../core/index.js';
import { loginLinkUrl, type MemberAccount } from '../../credentials/index.js';
import type { AddMemberInput } from '../../domain/index.js';
import { configFor, withApp } from '../context.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';
import { registerMemberChanges } from './members-manage.js';

interface MemberOptions extends CommonOptions {
  readonly workspace: string;
  readonly email: string;
  readonly name?: string;
  readonly role?: string;
  readonly passwordStdin?: boolean;
}

const STDIN_MAX_BYTES = 4096;

/** The password piped in: everything up to EOF, minus one trailing newline. */
export async function readPasswordFromStdin(io: CliIo): Promise<string> {
  const field = 'password-stdin';
  if (!io.stdin) throw invalidInput([{ field, message: 'no standard input to read the password from' }]);
  if (io.stdin.isTTY) {
    throw invalidInput([
      { field, message: 'pipe the password in, e.g. read -rs PW; printf %s "$PW" | taskgate …' },
    ]);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    size += buffer.length;
    if (size > STDIN_MAX_BYTES)
      throw invalidInput([{ field, message: `more than ${STDIN_MAX_BYTES} bytes` }]);
    chunks.push(buffer);
  }
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (!password) throw invalidInput([{ field, message: 'standard input was empty' }]);
  return password;
}

const memberLine = (m: MemberAccount) =>
  `${m.email.padEnd(32)} ${m.role.padEnd(7)} ${m.hasPassword ? 'can sign in' : 'no password'}  ${m.name}`;

export function registerMembers(program: Command, io: CliIo): void {
  const members = program.command('members').description('workspace members and their web sign-in');
  registerMemberChanges(members, io);
  const run = <O extends CommonOptions>(options: O, work: (app: App) => Promise<void>) =>
    withApp(io, configFor(io, options), work);

  members
    .command('add')
    .description('add a member; with --password-stdin they can sign in to the web pages')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .requiredOption('--email <email>', "the member's email")
    .option('--name <name>', 'display name (default: the part of the email before @)')
    .option('--role <role>', 'owner, admin, member or viewer', 'member')
    .option('--password-stdin', 'read a password (12-128 characters) from standard input')
    .action(async (options: MemberOptions) => {
      const password = options.passwordStdin ? await readPasswordFromStdin(io) : undefined;
      await run(options, async (app) => {
        const member = await app.memberAccounts.add({
          workspace: options.workspace,
          email: options.email,
          // The service validates it and names the field when it is not a role.
          role: options.role as AddMemberInput['role'],
          ...(options.name !== undefined && { name: options.name }),
          password,
        });
        printResult(
          io,
          options,
          { member },
          `Added ${member.email} to ${options.workspace} as ${member.role}${member.hasPassword ? '; they can sign in at /login' : ''}.`,
        );
      });
    });

  members
    .command('set-password')
    .description("set or replace a member's password (ends their web sessions)")
    .requiredOption('--workspace <slug>', 'workspace slug')
    .requiredOption('--email <email>', "the member's email")
    .requiredOption('--password-stdin', 'read the password (12-128 characters) from standard input')
    .action(async (options: MemberOptions) => {
      const password = await readPasswordFromStdin(io);
      await run(options, async (app) => {
        const member = await app.memberAccounts.setPassword({
          workspace: options.workspace,
          email: options.email,
          password,
        });
        printResult(
          io,
          options,
          { member: { ...member, hasPassword: true } },
          `Password set for ${member.email}; their other web sessions have ended.`,
        );
      });
    });

  members
    .command('list')
    .description('list members, their roles and whether they can sign in')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .action((options: MemberOptions) =>
      withApp(io, configFor(io, options, {}, 'read'), async (app) => {
        const list = await app.memberAccounts.list(options.workspace);
        printResult(io, options, { members: list }, list.map(memberLine).join('\n'));
      }),
    );

  members
    .command('login-link')
    .description('print a one-time login link (15 minutes, single use) for a member')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .requiredOption('--email <email>', "the member's email")
    .action((options: MemberOptions) =>
      run(options, async (app) => {
        const link = await app.signIn.createLoginLink({ workspace: options.workspace, email: options.email });
        const url = loginLinkUrl(app.config.publicUrl, link.token);
        printResult(
          io,
          options,
          { url, expiresAt: link.expiresAt, member: link.member.email },
          `One-time login link for ${link.member.email} (valid until ${link.expiresAt}, works once):\n\n  ${url}`,
        );
      }),
    );
}
