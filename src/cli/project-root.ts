/**
 * Where the default data dir is: `data/` in the project a command runs in, so that
 * `taskgate keys list` from `docs/` finds the same database as `npm start` from the root.
 * The project is the nearest directory, at or above the current one, that holds a
 * `package.json`: where npm itself (and so `npx taskgate`) looks for the project.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The project root above `cwd`, or `cwd` itself when no directory above holds a package.json. */
export function findProjectRoot(cwd: string): string {
  const start = resolve(cwd);
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

export function defaultDataDir(cwd: string): string {
  return join(findProjectRoot(cwd), 'data');
}
