/**
 * `taskgate doctor`: checks a deployment (URL, proxies, secret and database files, Node.js,
 * migrations, SMTP, webhooks, clock) and prints one line per check with what to fix. Exits
 * non-zero when any check fails. Read-only: it creates, migrates and sends nothing.
 */
import type { Command } from 'commander';
import { AppError } from '../../core/index.js';
import { type CheckResult, runDoctor } from '../../monitoring/index.js';
import { configFor } from '../context.js';
import type { CliIo, CommonOptions } from '../io.js';

interface DoctorOptions extends CommonOptions {
  readonly smtp?: string;
}

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' } as const;

function line(result: CheckResult): string {
  const fix = result.fix ? `\n        fix: ${result.fix}` : '';
  return `[${MARK[result.status]}] ${result.check}: ${result.message}${fix}`;
}

export function registerDoctor(program: Command, io: CliIo): void {
  program
    .command('doctor')
    .description('check this deployment and print what to fix (non-zero exit when a check fails)')
    .option('--smtp <url>', 'check this SMTP server (smtp:// or smtps://) instead of the configured one')
    .action(async (options: DoctorOptions) => {
      const config = configFor(io, options, {}, 'read', { rememberedUrl: false });
      const results = await runDoctor({
        config,
        secretFromEnvironment: Boolean(io.env.TASKGATE_SECRET_KEY?.trim()),
        ...(options.smtp && { smtpUrl: options.smtp }),
        nodeVersion: process.versions.node,
      });
      const failed = results.filter((result) => result.status === 'fail');
      if (options.json)
        io.stdout.write(`${JSON.stringify({ ok: failed.length === 0, checks: results }, null, 2)}\n`);
      else {
        io.stdout.write(`${results.map(line).join('\n')}\n`);
        io.stdout.write(failed.length ? `${failed.length} check(s) failed.\n` : 'No check failed.\n');
      }
      if (failed.length)
        throw new AppError('conflict', `doctor: ${failed.map((result) => result.check).join(', ')} failed`, {
          detail: { reported: true },
        });
    });
}
