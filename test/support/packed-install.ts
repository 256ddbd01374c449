/**
 * The production install in one place: the commands the Dockerfile's build stage runs, which
 * test/cli/packed-install.test.ts runs on this machine (Docker does not run here) and
 * test/house/deploy-files.test.ts finds, in the same order, in the Dockerfile.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `<…>` stands for a path the caller picks: any single word matches it in the Dockerfile. */
export const INSTALL_STEPS: readonly (readonly string[])[] = [
  // A clone with its development dependencies: `prepare` builds dist/ (tsc is a devDependency).
  ['npm', 'ci', '--no-audit', '--no-fund'],
  // `prepare` again: dist/ is fresh, so nothing is rebuilt; the tarball holds dist/ only.
  ['npm', 'pack', '--pack-destination', '<pack dir>'],
  [
    'npm',
    'install',
    '--global',
    '--prefix',
    '<prefix>',
    '--omit=dev',
    '--no-audit',
    '--no-fund',
    '<tarball>',
  ],
];

/** A step with its placeholders filled in. */
export function withPaths(step: readonly string[], paths: Readonly<Record<string, string>>): string[] {
  return step.map((word) => {
    const placeholder = /^<(.+)>$/.exec(word)?.[1];
    if (placeholder === undefined) return word;
    const path = paths[placeholder];
    if (path === undefined) throw new Error(`no path for <${placeholder}>`);
    return path;
  });
}

/** True when `words` is `step`, word for word, a placeholder matching any one word. */
export function matchesStep(words: readonly string[], step: readonly string[]): boolean {
  return words.length === step.length && step.every((word, i) => /^<.+>$/.test(word) || word === words[i]);
}

export interface BinaryMirror {
  /** Environment for npm: better-sqlite3's install script downloads from here. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * better-sqlite3's install script downloads a prebuilt binary from GitHub, which these
 * machines cannot reach, and then compiles SQLite for four minutes. This serves it the binary
 * the project's own install built for this very Node (same ABI, same platform) at the path its
 * download script asks for (prebuild-install's `<package>_binary_host` setting), so the install
 * runs the same script and takes seconds. The copy it caches in npm's cache is removed on close.
 */
export async function startBinaryMirror(): Promise<BinaryMirror> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8')) as {
    version: string;
  };
  const name = `better-sqlite3-v${pkg.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const archive = execFileSync('tar', ['-cz', 'build/Release/better_sqlite3.node'], {
    cwd: join(ROOT, 'node_modules/better-sqlite3'),
    maxBuffer: 256 * 1024 * 1024,
  });
  const server = createServer((request, response) => {
    if (request.url !== `/v${pkg.version}/${name}`) return response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/gzip' }).end(archive);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `${host}/v${pkg.version}/${name}`;
  return {
    env: { npm_config_better_sqlite3_binary_host: host },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(cachedCopy(url), { force: true });
    },
  };
}

/** Where prebuild-install keeps a download (its util.cachedPrebuild, in npm's default cache). */
function cachedCopy(url: string): string {
  const digest = createHash('sha512').update(url).digest('hex').slice(0, 6);
  const cache = process.env.npm_config_cache ?? join(homedir(), '.npm');
  return join(cache, '_prebuilds', `${digest}-${basename(url).replace(/[^a-zA-Z0-9.]+/g, '-')}`);
}
