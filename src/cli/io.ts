/**
 * What a CLI run may touch: its arguments' environment, two output streams and, for
 * tests, an injected clock and randomness. `main.ts` passes the real process ones.
 */
import type { Clock, Random } from '../core/index.js';

export interface Writable {
  write(chunk: string): unknown;
}

/** Standard input as a stream of chunks (process.stdin is one); `isTTY` when a person types. */
export interface CliInput extends AsyncIterable<string | Uint8Array> {
  readonly isTTY?: boolean;
}

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); `serve` waits on it. */
  readonly stopSignal?: Promise<void>;
  /** Read only by commands that take a secret on stdin (`--password-stdin`). */
  readonly stdin?: CliInput;
  /** The directory the command runs in (default: the process's); the data dir is found from it. */
  readonly cwd?: string;
}

export interface CommonOptions {
  readonly db?: string;
  readonly json?: boolean;
  /** Start a new checkpoint signing key when the database's were made by another (audited). */
  readonly acceptNewSecret?: boolean;
}

/** Prints `data` as one JSON document with --json, else the human text. */
export function printResult(io: CliIo, options: CommonOptions, data: unknown, human: string): void {
  io.stdout.write(options.json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
}
