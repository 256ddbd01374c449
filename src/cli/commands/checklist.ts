/**
 * `taskgate checklist --workspace <slug> [--json]`: the guide's security checklist judged on
 * a workspace, as the console's Overview shows it. The command line is the database's
 * operator, so it sees the whole workspace. Findings are not errors: it exits 0 whatever the
 * items say (a script reads `summary.fail` from --json), and 1 or 2 only when it cannot run.
 */
import type { Command } from 'commander';
import type { Checklist, ChecklistStatus } from '../../admin/index.js';
import { configFor, withApp } from '../context.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

interface ChecklistOptions extends CommonOptions {
  readonly workspace: string;
}

const MARK: Record<ChecklistStatus, string> = {
  pass: '[pass]  ',
  warn: '[warn]  ',
  fail: '[FAIL]  ',
  advice: '[advice]',
};

export function registerChecklist(program: Command, io: CliIo): void {
  program
    .command('checklist')
    .description("the guide's security checklist, judged on a workspace (exits 0 even with findings)")
    .requiredOption('--workspace <slug>', 'workspace slug')
    .action((options: ChecklistOptions) =>
      withApp(io, configFor(io, options, {}, 'read'), async (app) => {
        const checklist = await app.checklist.evaluate(options.workspace, null);
        printResult(io, options, checklist, checklistText(checklist));
      }),
    );
}

/** The checklist as lines a person reads: a mark, the title, the finding, where to fix it. */
export function checklistText(c: Checklist): string {
  const { pass, warn, fail, advice } = c.summary;
  const lines = [
    `Security checklist for ${c.workspace.slug} (${c.workspace.environment}), ${c.evaluatedAt}`,
    `${pass} pass, ${warn} warn, ${fail} fail, ${advice} advice — ${c.keysEvaluated} live keys`,
    '',
  ];
  for (const item of c.items) {
    lines.push(`${MARK[item.status]} ${item.title}`);
    lines.push(`          ${item.finding}`);
    if (item.status !== 'pass') lines.push(`          fix: ${item.fix}`);
  }
  if (c.usageCapped)
    lines.push('', 'Note: only the newest audit events of the last 30 days were read for key usage.');
  return lines.join('\n');
}
