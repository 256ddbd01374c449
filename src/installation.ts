/**
 * Facts about this installation's files, found from this module's own URL. installation.js
 * sits beside main.js in dist/ — and when dist/main.js is the bundle (scripts/build.mjs), this
 * module is inside that very file — so both hold in either layout.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The `taskgate` binary a client's stdio bridge runs: this installation's, by absolute path. */
export const MAIN_MODULE: string = fileURLToPath(new URL('./main.js', import.meta.url));

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
