/**
 * The `taskgate` command line. `runCli` parses argv, runs one command and returns its exit
 * code; it never calls process.exit, so tests run it in-process with their own streams.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../app.js';
import { toAppError } from '../core/index.js';
import { registerAlerts } from './commands/alerts.js';
import { registerAuditAnchor } from './commands/audit-anchor.js';
import { registerAuditIntegrity } from './commands/audit-integrity.js';
import { registerAuditRead } from './commands/audit-read.js';
import { registerAuditShow } from './commands/audit-show.js';
import { registerBackup } from './commands/backup.js';
import { registerChecklist } from './commands/checklist.js';
import { registerConnect } from './commands/connect.js';
import { registerDoctor } from './commands/doctor.js';
import { registerIncident } from './commands/incident.js';
import { registerInit } from './commands/init.js';
import { registerKeys } from './commands/keys.js';
import { registerLimits } from './commands/limits.js';
import { registerMembers } from './commands/members.js';
import { registerMigrate } from './commands/migrate.js';
import { registerOAuth } from './commands/oauth.js';
import { registerPolicy } from './commands/policy.js';
import { registerScan } from './commands/scan.js';
import { registerServe } from './commands/serve.js';
import { registerTrash } from './commands/trash.js';
import { registerUsage } from './commands/usage.js';
import { registerWebhooks } from './commands/webhooks.js';
import type { CliIo } from './io.js';
import { EXIT_OK, EXIT_USAGE, toCliMessage, toExitCode } from './to-exit-code.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command('taskgate')
    .description('Taskgate: a team workspace with an MCP server that is safe to hand to AI assistants')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showSuggestionAfterError(true);
  // Settings above are copied into each subcommand when it is created; the common options
  // are added after, so every command gets --db and --json.
  registerInit(program, io);
  registerServe(program, io);
  registerMigrate(program, io);
  registerBackup(program, io);
  registerKeys(program, io);
  registerAlerts(program, io);
  registerScan(program, io);
  registerConnect(program, io);
  registerAuditIntegrity(program, io);
  registerAuditAnchor(program, io);
  registerPolicy(program, io);
  registerLimits(program, io);
  registerChecklist(program, io);
  registerTrash(program, io);
  registerMembers(program, io);
  registerIncident(program, io);
  registerOAuth(program, io);
  registerUsage(program, io);
  registerDoctor(program, io);
  registerWebhooks(program, io);
  // After any other `audit` subcommands: it joins their `audit` command rather than adding one.
  registerAuditRead(program, io);
  registerAuditShow(program, io);
  const addCommon = (command: Command): void => {
    if (command.commands.length) {
      command.commands.forEach(addCommon);
      return;
    }
    command
      .option('--db <url>', 'database URL (env TASKGATE_DATABASE_URL, default sqlite:<data dir>/taskgate.db)')
      .option('--json', 'machine-readable output')
      .option(
        '--accept-new-secret',
        'the instance secret was lost or replaced: sign with its new key from now on (audited)',
      );
  };
  program.commands.forEach(addCommon);
  return program;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  const wantsJson = argv.includes('--json');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
      ) {
        return EXIT_OK;
      }
      // Commander already printed its own one-line message to stderr.
      return EXIT_USAGE;
    }
    const appError = toAppError(error);
    io.stderr.write(`${toCliMessage(appError)}\n`);
    if (appError.code === 'internal') io.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
    // A command that already printed its JSON report (scan) must not get a second document.
    if (wantsJson && appError.detail.reported !== true) {
      const fields = appError.fields;
      io.stdout.write(
        `${JSON.stringify({ error: { code: appError.code, message: appError.publicMessage, ...(fields.length ? { fields } : {}) } })}\n`,
      );
    }
    return toExitCode(appError);
  }
}
