/** Runs the `taskgate` CLI in-process against a fresh SQLite file, capturing its output. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/index.js';
import type { TestServer } from './mcp-server.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliSandbox {
  readonly dir: string;
  readonly databaseUrl: string;
  run(...argv: string[]): Promise<CliRun>;
  /** Like run, with `input` piped to standard input (for `--password-stdin`). */
  runWithStdin(input: string, ...argv: string[]): Promise<CliRun>;
  remove(): void;
}

export function createCliSandbox(): CliSandbox {
  const dir = mkdtempSync(join(tmpdir(), 'taskgate-cli-'));
  const databaseUrl = `sqlite:${join(dir, 'taskgate.db')}`;
  return {
    dir,
    databaseUrl,
    async run(...argv) {
      let stdout = '';
      let stderr = '';
      const code = await runCli(argv, {
        env: { TASKGATE_DATABASE_URL: databaseUrl, TASKGATE_DATA_DIR: join(dir, 'data') },
        stdout: { write: (chunk: string) => (stdout += chunk) },
        stderr: { write: (chunk: string) => (stderr += chunk) },
      });
      return { code, stdout, stderr };
    },
    async runWithStdin(input, ...argv) {
      let stdout = '';
      let stderr = '';
      const code = await runCli(argv, {
        env: { TASKGATE_DATABASE_URL: databaseUrl, TASKGATE_DATA_DIR: join(dir, 'data') },
        stdout: { write: (chunk: string) => (stdout += chunk) },
        stderr: { write: (chunk: string) => (stderr += chunk) },
        stdin: Readable.from([Buffer.from(input)]),
      });
      return { code, stdout, stderr };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The CLI in-process on a running test server's database, as its operator runs it beside
 * the server: same database, same instance secret (instances sharing a database must share
 * it) and the server's manual clock.
 */
export function createServerCli(server: TestServer): Pick<CliSandbox, 'run' | 'remove'> {
  const dir = mkdtempSync(join(tmpdir(), 'taskgate-cli-'));
  return {
    async run(...argv) {
      let stdout = '';
      let stderr = '';
      const code = await runCli([...argv, '--db', server.app.config.databaseUrl], {
        env: {
          TASKGATE_DATA_DIR: dir,
          ...(server.app.config.secretKey && { TASKGATE_SECRET_KEY: server.app.config.secretKey }),
        },
        stdout: { write: (chunk: string) => (stdout += chunk) },
        stderr: { write: (chunk: string) => (stderr += chunk) },
        clock: server.clock,
      });
      return { code, stdout, stderr };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
