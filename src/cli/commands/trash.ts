/**
 * `taskgate trash purge`: deletes for good the tasks that have sat in the trash longer than
 * `--older-than`, with their comments, time entries and history. The command line acts as
 * the workspace owner; `--dry-run` only counts.
 */
import type { Command } from 'commander';
import type { App } from '../../app.js';
import { AppError } from '../../core/index.js';
import { type Actor, resolveWorkspace } from '../../domain/index.js';
import { configFor, withApp } from '../context.js';
import { durationFlag } from '../duration.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

interface PurgeOptions extends CommonOptions {
  readonly workspace: string;
  readonly olderThan: string;
  readonly dryRun?: boolean;
}

export function registerTrash(program: Command, io: CliIo): void {
  const trash = program.command('trash').description('the trash of deleted tasks');
  trash
    .command('purge')
    .description('permanently delete tasks trashed longer ago than --older-than')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .requiredOption('--older-than <duration>', 'how long a task must have been in the trash, e.g. 30d')
    .option('--dry-run', 'only count what would be purged; change nothing')
    .action((options: PurgeOptions) =>
      withApp(io, configFor(io, options), async (app) => {
        const age = durationFlag('older-than', options.olderThan);
        const actor = await ownerActor(app, options.workspace);
        const before = new Date(app.clock.now().getTime() - age);
        const result = await app.purgeTrash(actor, before, { dryRun: options.dryRun ?? false });
        const tasks = `${result.count} task${result.count === 1 ? '' : 's'} trashed before ${result.before}`;
        printResult(
          io,
          options,
          { workspace: options.workspace, ...result },
          result.dryRun
            ? `Dry run: ${tasks} would be purged from ${options.workspace}. Nothing changed.`
            : `Purged ${tasks} from ${options.workspace}.`,
        );
      }),
    );
}

/** The command line is the operator of the database: it acts as the workspace owner. */
async function ownerActor(app: App, ref: string): Promise<Actor> {
  const workspace = await resolveWorkspace(app.store, ref);
  const owner = (await app.store.members.list(workspace.id)).find((m) => m.role === 'owner');
  if (!owner) throw new AppError('not_found', `workspace ${workspace.slug} has no owner`);
  return { workspaceId: workspace.id, memberId: owner.id, role: owner.role, via: 'cli' };
}
