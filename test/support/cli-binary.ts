/**
 * Runs the built `taskgate` binary (dist/main.js) as a child process, the way a person runs
 * it: its own working directory, an environment without the caller's TASKGATE_* settings,
 * and optionally another user (to test file permissions when the tests run as root).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const RUN_TIMEOUT_MS = 30_000;

export interface BinaryRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Stderr without the runtime's own warnings (oidc-provider on Node 20): Taskgate's lines. */
  readonly lines: string[];
}

export interface BinaryOptions {
  readonly cwd: string;
  readonly env?: Record<string, string>;
  /** Run as this user and group id (needs root). */
  readonly user?: { readonly uid: number; readonly gid: number };
}

export function runBinary(args: readonly string[], options: BinaryOptions): Promise<BinaryRun> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('TASKGATE_')),
  );
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: options.cwd,
    env: { ...inherited, ...options.env },
    ...(options.user && { uid: options.user.uid, gid: options.user.gid }),
    timeout: RUN_TIMEOUT_MS,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const lines = stderr
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('oidc-provider WARNING'));
      resolve({ code, stdout, stderr, lines });
    });
  });
}

export interface StartedServer<T> {
  /** The one JSON document `serve --json` / `demo --json` prints once it listens. */
  readonly info: T;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts a long-running command (`serve`, `demo`) with `--json` and waits until it listens. */
export function startBinary<T>(args: readonly string[], options: BinaryOptions): Promise<StartedServer<T>> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('TASKGATE_')),
  );
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: options.cwd,
    env: { ...inherited, ...options.env },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = () => {
    child.kill('SIGTERM');
    return exited;
  };
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no JSON within ${RUN_TIMEOUT_MS} ms\n${stderr}`));
    }, RUN_TIMEOUT_MS);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      try {
        const info = JSON.parse(stdout) as T;
        clearTimeout(timer);
        resolve({ info, stop });
      } catch {
        // Not complete yet: wait for more output.
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening\n${stderr}`));
    });
  });
}
