/**
 * `taskgate oauth clients add|list|remove` and `taskgate connections list|revoke`. Clients
 * added here are the ones an administrator vouches for (the consent page shows them as
 * verified); connections are what members granted to clients, one per member and client,
 * each as controllable as a named key (`keys list` shows them too).
 */
import type { Command } from 'commander';
import type { App } from '../../app.js';
import { invalidInput } from '../../core/index.js';
import { describeClient, resolveWorkspace } from '../../domain/index.js';
import type { ApiKeyRecord, Workspace } from '../../model/index.js';
import { configFor, withApp } from '../context.js';
import { type CliIo, type CommonOptions, printResult } from '../io.js';

interface AddOptions extends CommonOptions {
  readonly name: string;
  readonly redirectUri: string[];
}

interface WorkspaceOptions extends CommonOptions {
  readonly workspace: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerOAuth(program: Command, io: CliIo): void {
  const run = <O extends CommonOptions>(options: O, work: (app: App) => Promise<void>) =>
    withApp(io, configFor(io, options), work);
  const read = <O extends CommonOptions>(options: O, work: (app: App) => Promise<void>) =>
    withApp(io, configFor(io, options, {}, 'read'), work);

  const clients = program
    .command('oauth')
    .description('the OAuth authorization server')
    .command('clients')
    .description('OAuth clients registered by an administrator');
  clients
    .command('add')
    .description('register a public client (PKCE, no secret); prints its client_id')
    .requiredOption('--name <name>', 'the name members see on the consent page')
    .requiredOption(
      '--redirect-uri <uri>',
      'https, or http on a loopback address; repeat for several',
      collect,
    )
    .action((options: AddOptions) =>
      run(options, async (app) => {
        const client = await app.oauth.clients.add({ name: options.name, redirectUris: options.redirectUri });
        printResult(
          io,
          options,
          { client },
          `Registered ${describeClient(client.name)}: client_id ${client.clientId}`,
        );
      }),
    );
  clients
    .command('list')
    .description('every client: registered here, by metadata document, or dynamically')
    .action((options: CommonOptions) =>
      read(options, async (app) => {
        const list = await app.oauth.clients.list();
        const lines = list.map(
          (c) =>
            `${c.clientId}  ${describeClient(c.name) ?? '(unnamed)'}  (${c.kind})  ${c.redirectUris.join(' ')}`,
        );
        printResult(
          io,
          options,
          { clients: list },
          lines.length ? lines.join('\n') : 'No OAuth clients yet.',
        );
      }),
    );
  clients
    .command('remove <client-id>')
    .description('remove a client and revoke every connection granted to it')
    .action((clientId: string, options: CommonOptions) =>
      run(options, async (app) => {
        const { client, revoked } = await app.oauth.clients.remove(clientId);
        printResult(
          io,
          options,
          { client, revokedConnections: revoked },
          `Removed ${describeClient(client.name) ?? 'client'} (${client.clientId}); revoked ${revoked} connection${revoked === 1 ? '' : 's'}.`,
        );
      }),
    );

  const connections = program
    .command('connections')
    .description('what members granted to OAuth clients (each like a named key)');
  connections
    .command('list')
    .description('connections with client, member, scopes and last use')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .action((options: WorkspaceOptions) =>
      read(options, async (app) => {
        const workspace = await workspaceOf(app, options.workspace);
        const list = await app.connections.list(workspace.id);
        const members = new Map(
          (await app.store.members.list(workspace.id, { includeRemoved: true })).map((m) => [m.id, m.email]),
        );
        const lines = list.map((c) =>
          connectionLine(c, members.get(c.memberId) ?? c.memberId, app.clock.now()),
        );
        printResult(
          io,
          options,
          {
            connections: list.map((c) => ({
              ...c,
              hash: undefined,
              member: members.get(c.memberId) ?? null,
            })),
          },
          lines.length ? lines.join('\n') : 'No OAuth connections yet.',
        );
      }),
    );
  connections
    .command('revoke <connection>')
    .description('revoke a connection (name or id): its tokens are refused on the next request')
    .requiredOption('--workspace <slug>', 'workspace slug')
    .action((ref: string, options: WorkspaceOptions) =>
      run(options, async (app) => {
        const workspace = await workspaceOf(app, options.workspace);
        await app.oauth.revokeConnection(workspace.id, ref);
        printResult(
          io,
          options,
          { revoked: ref },
          `Revoked ${ref}: its access and refresh tokens are refused from now on.`,
        );
      }),
    );
}

async function workspaceOf(app: App, slug: string): Promise<Workspace> {
  if (!slug) throw invalidInput([{ field: 'workspace', message: 'required' }]);
  return resolveWorkspace(app.store, slug);
}

function connectionLine(c: ApiKeyRecord, member: string, now: Date): string {
  const status = c.revokedAt ? 'revoked' : now.getTime() >= Date.parse(c.expiresAt) ? 'expired' : 'active';
  const used = c.lastUsedAt
    ? `last used ${c.lastUsedAt} from ${c.lastUsedIp ?? 'an unknown address'}`
    : 'never used';
  const rights = `${c.scopes.join(' ')}${c.readOnly ? ' read-only' : ''}${c.projectIds ? ` projects ${c.projectIds.length}` : ''}`;
  return `${c.name.padEnd(32)} ${describeClient(c.oauthClientName) ?? c.oauthClientId} for ${member} ${status} [${rights}] ${used}`;
}
