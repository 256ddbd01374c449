#!/usr/bin/env node
/**
 * Process entry: the only file that touches process.env, argv, signals and
 * the exit code. Everything else receives what it needs from here.
 */
import { runCli } from './cli/index.js';

const stopSignal = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stopSignal,
  stdin: process.stdin,
});
