/** `taskgate init`: creates a workspace and its owner. */
import type { Command } from 'commander';
import type { CreateWorkspaceInput } from '../../domain/index.js';
import { configFor, withApp } from '../context.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

interface InitOptions extends CommonOptions {
  readonly workspace: string;
  readonly owner: string;
  readonly name?: string;
  readonly ownerName?: string;
  readonly env?: string;
}

export function registerInit(program: Command, io: CliIo): void {
  program
    .command('init')
    .description('create a workspace and its owner')
    .requiredOption('--workspace <slug>', 'workspace slug, e.g. acme')
    .requiredOption('--owner <email>', "the owner's email")
    .option('--name <name>', 'display name of the workspace')
    .option('--owner-name <name>', "the owner's display name")
    .option('--env <environment>', 'development, staging or production', 'development')
    .action(async (options: InitOptions) => {
      const config = configFor(io, options);
      await withApp(io, config, async (app) => {
        const { workspace, owner } = await app.domain.workspaces.create({
          workspace: options.workspace,
          owner: options.owner,
          // The service validates it and names the field when it is not an environment.
          environment: options.env as CreateWorkspaceInput['environment'],
          ...(options.name !== undefined && { name: options.name }),
          ...(options.ownerName !== undefined && { ownerName: options.ownerName }),
        });
        printResult(
          io,
          options,
          { workspace, owner },
          `Created workspace ${workspace.slug} (${workspace.environment}) with owner ${owner.email}.`,
        );
      });
    });
}
