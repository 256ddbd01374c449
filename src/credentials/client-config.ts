/**
 * Ready-to-paste configuration that points an AI client at Taskgate's MCP endpoint with a
 * named API key, for `keys create --client` and the admin UI. Pure: text in, text out.
 * SECURITY: a snippet never contains the key. It refers to an environment variable, an
 * editor input or a placeholder, so pasting it into a synced or committed file leaks nothing.
 *
 * Formats (checked against each client's documentation, 2026):
 * - Claude Desktop `claude_desktop_config.json` `mcpServers`: stdio only, so it runs the
 *   `taskgate connect` bridge, which reads the key from its environment.
 * - Claude Code `.mcp.json` `mcpServers.<name>` `type: "http"`; expands `${VAR}` in headers.
 * - Cursor `mcp.json` `mcpServers.<name>.url` + `headers`; expands `${env:VAR}`.
 * - Windsurf `mcp_config.json` `mcpServers.<name>.serverUrl` + `headers`; expands `${env:VAR}`.
 * - VS Code `mcp.json` `servers.<name>` `type: "http"`; `${input:id}` prompts once and keeps
 *   the value in VS Code's secret storage.
 * - Continue `config.yaml` `mcpServers` `type: streamable-http`, `requestOptions.headers`;
 *   `${{ secrets.NAME }}` is read from `~/.continue/.env` for local configs.
 */
import { invalidInput } from '../core/index.js';

export const KNOWN_CLIENTS = [
  'claude-desktop',
  'claude-code',
  'cursor',
  'windsurf',
  'continue',
  'vscode',
] as const;
export type KnownClient = (typeof KNOWN_CLIENTS)[number];

export const DEFAULT_KEY_ENV = 'TASKGATE_API_KEY';
/** The server's name inside each client's configuration. */
const SERVER_NAME = 'taskgate';
const VSCODE_INPUT_ID = 'taskgate-api-key';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export interface ClientConfigInput {
  readonly client: KnownClient;
  /** The MCP endpoint, e.g. `https://taskgate.example.com/mcp`. */
  readonly mcpUrl: string;
  /** The key's name (`cursor-work-laptop`), so the note says which key to supply. */
  readonly keyName: string;
  /** Where the client finds the key; default `TASKGATE_API_KEY`. */
  readonly environmentVariable?: string;
  /**
   * How a stdio-only client starts `taskgate connect`. Default: `taskgate` on the PATH. The
   * CLI passes this installation's own node and entry file. SECURITY: never `npx -y <name>`,
   * which would download whatever package holds that name and hand it the key.
   */
  readonly bridge?: { readonly command: string; readonly args: readonly string[] };
}

export interface ClientConfigSnippet {
  /** Where the text goes. */
  readonly file: string;
  /** JSON or YAML to paste (merge into the file when it already exists). */
  readonly text: string;
  /** One line: how to supply the key. */
  readonly note: string;
}

export function isKnownClient(value: string): value is KnownClient {
  return (KNOWN_CLIENTS as readonly string[]).includes(value);
}

export function clientConfigSnippet(input: ClientConfigInput): ClientConfigSnippet {
  const variable = input.environmentVariable ?? DEFAULT_KEY_ENV;
  // The name is spliced into ${env:…} and ${{ secrets.… }}: only a plain identifier is safe there.
  if (!ENV_NAME.test(variable)) {
    throw invalidInput([{ field: 'environmentVariable', message: 'must be a name like TASKGATE_API_KEY' }]);
  }
  const { mcpUrl: url, keyName } = input;
  const bridge = input.bridge ?? { command: 'taskgate', args: [] };
  switch (input.client) {
    case 'claude-desktop':
      return {
        file: 'claude_desktop_config.json (macOS: ~/Library/Application Support/Claude/, Windows: %APPDATA%\\Claude\\)',
        text: json({
          mcpServers: {
            [SERVER_NAME]: {
              command: bridge.command,
              args: [...bridge.args, 'connect', '--url', url, ...keyEnvArgs(variable)],
              env: { [variable]: `<paste the ${keyName} key here>` },
            },
          },
        }),
        note: `Replace the placeholder with the ${keyName} key (Claude Desktop does not read your shell profile); the file then holds the key, so keep it private.`,
      };
    case 'claude-code':
      return {
        file: '.mcp.json at the root of your project',
        text: json({
          mcpServers: {
            [SERVER_NAME]: { type: 'http', url, headers: { Authorization: `Bearer \${${variable}}` } },
          },
        }),
        note: `Export ${variable}=<the ${keyName} key> in the shell that starts claude; Claude Code expands \${${variable}} when it connects.`,
      };
    case 'cursor':
      return {
        file: '~/.cursor/mcp.json (or .cursor/mcp.json in a project)',
        text: json({
          mcpServers: { [SERVER_NAME]: { url, headers: { Authorization: `Bearer \${env:${variable}}` } } },
        }),
        note: `Set ${variable}=<the ${keyName} key> in the environment Cursor starts from (e.g. your shell profile), then restart Cursor.`,
      };
    case 'windsurf':
      return {
        file: '~/.codeium/windsurf/mcp_config.json',
        text: json({
          mcpServers: {
            [SERVER_NAME]: { serverUrl: url, headers: { Authorization: `Bearer \${env:${variable}}` } },
          },
        }),
        note: `Set ${variable}=<the ${keyName} key> in the environment Windsurf starts from, then refresh its MCP servers.`,
      };
    case 'vscode':
      return {
        file: '.vscode/mcp.json in your workspace (or the user mcp.json: "MCP: Open User Configuration")',
        text: json({
          inputs: [
            {
              type: 'promptString',
              id: VSCODE_INPUT_ID,
              description: `Taskgate API key (${keyName})`,
              password: true,
            },
          ],
          servers: {
            [SERVER_NAME]: {
              type: 'http',
              url,
              headers: { Authorization: `Bearer \${input:${VSCODE_INPUT_ID}}` },
            },
          },
        }),
        note: `VS Code asks for the ${keyName} key when the server first starts and keeps it in its secret storage.`,
      };
    case 'continue':
      return {
        file: '~/.continue/config.yaml (add to its mcpServers list)',
        text: [
          'mcpServers:',
          '  - name: Taskgate',
          '    type: streamable-http',
          `    url: ${JSON.stringify(url)}`,
          '    requestOptions:',
          '      headers:',
          `        Authorization: "Bearer \${{ secrets.${variable} }}"`,
          '',
        ].join('\n'),
        note: `Add the line ${variable}=<the ${keyName} key> to ~/.continue/.env; Continue reads \${{ secrets.${variable} }} from it.`,
      };
  }
}

function keyEnvArgs(variable: string): string[] {
  return variable === DEFAULT_KEY_ENV ? [] : ['--key-env', variable];
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
