/**
 * `taskgate connect --url <mcp-url>`: a stdio ↔ Streamable HTTP bridge for clients that only
 * start local MCP servers (Claude Desktop). The relay, for both protocol eras (2025 and
 * 2026-07-28), is in ../stdio-bridge.ts; this file checks the URL and the key.
 * SECURITY: the key comes from an environment variable, is sent only to the given URL (https,
 * or http to loopback), never follows redirects and is never printed.
 */
import type { Command } from 'commander';
import { invalidInput } from '../../core/index.js';
import { DEFAULT_KEY_ENV, parseApiKey } from '../../credentials/index.js';
import type { CliIo, CommonOptions } from '../io.js';
import { runBridge } from '../stdio-bridge.js';

interface ConnectOptions extends CommonOptions {
  readonly url: string;
  readonly keyEnv: string;
}

export function registerConnect(
  program: Command,
  io: CliIo,
  stdin?: AsyncIterable<string | Uint8Array>,
): void {
  program
    .command('connect')
    .description('bridge a stdio-only MCP client (e.g. Claude Desktop) to the Taskgate MCP endpoint')
    .requiredOption('--url <mcp-url>', 'the MCP endpoint, e.g. https://taskgate.example.com/mcp')
    .option('--key-env <name>', 'environment variable that holds the API key', DEFAULT_KEY_ENV)
    .action(async (options: ConnectOptions) => {
      const url = checkUrl(options.url);
      const key = keyFrom(io.env, options.keyEnv);
      // process.stdin is touched only here: merely reading it can keep other commands alive.
      await runBridge({ url, key, stdin: stdin ?? process.stdin, stdout: io.stdout, stderr: io.stderr });
    });
}

/** SECURITY: the bearer key must not cross the network in clear text. */
function checkUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidInput([{ field: 'url', message: 'must be the MCP endpoint URL, e.g. https://host/mcp' }]);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || /^127\./.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw invalidInput([{ field: 'url', message: 'must use https:// (plain http:// only to localhost)' }]);
  }
  return url.href;
}

/** SECURITY: names the variable, never echoes its value. */
function keyFrom(env: CliIo['env'], name: string): string {
  const value = env[name]?.trim();
  if (!value) throw invalidInput([{ field: name, message: 'is not set; put your Taskgate API key in it' }]);
  if (!parseApiKey(value).ok) {
    throw invalidInput([
      {
        field: name,
        message: 'does not hold a valid Taskgate API key (tg_<env>_…); check for a truncated paste',
      },
    ]);
  }
  return value;
}
