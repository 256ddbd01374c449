#!/usr/bin/env node
/**
 * Process entry: the only file that touches process.env, argv, signals and
 * the exit code. Everything else receives what it needs from here.
 */
import { setFlagsFromString } from 'node:v8';
import { heapGrowthFlag } from './cli/heap-growth.js';
import { runCli } from './cli/index.js';

// V8 reads the flag at each full collection, so after the imports load is early enough.
const heapFlag = heapGrowthFlag(process.execArgv);
if (heapFlag) setFlagsFromString(heapFlag);

/** 128 + the signal's number, as a shell reports a process a signal ended. */
const SIGNAL_EXIT_CODES: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

// The first SIGINT/SIGTERM asks for a graceful stop (a server drains first). A second one
// while that runs means the operator will not wait: exit at once, non-zero, so a supervisor
// sees the stop was not clean. Requests cut short roll back: no acknowledged write is lost.
let stopping = false;
const stopSignal = new Promise<void>((resolve) => {
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`taskgate: ${signal} during shutdown; exiting at once\n`);
      process.exit(SIGNAL_EXIT_CODES[signal] ?? 1);
    }
    stopping = true;
    resolve();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
});

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stopSignal,
  stdin: process.stdin,
});
