/** CLI entry layer. */

export type { CliIo } from './io.js';
export { buildProgram, runCli } from './run.js';
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './to-exit-code.js';
