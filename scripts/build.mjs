#!/usr/bin/env node
/**
 * Builds dist/ when it is missing or older than the sources (always with --force: `npm run
 * build`, the test set-up), for the npm lifecycle: `prepare` (a clone's `npm install`, and
 * `npm pack`/`npm publish`) and `prestart`. A fresh dist/ is left as it is, so `npm start` does
 * not re-run tsc every time and `npm pack` right after a build does not build twice. Compiled
 * files whose source is gone are removed, so a packed tarball never ships a module that no
 * longer exists.
 *
 * tsc writes one file per module; then dist/main.js, the binary, is replaced by a bundle of
 * what it imports (rolldown): Node's ESM loader spent most of start-up resolving, reading and
 * compiling ~1,000 small modules (docs/benchmarks.md, "A bundled binary"). The other dist/
 * files stay for the worker threads. Our OAuth modules become chunks of their own, still
 * loaded (with oidc-provider) when OAuth is first needed.
 *
 * Without TypeScript (`npm ci --omit=dev` in a clone) an install succeeds and says how to get a
 * production install instead (the packed tarball, docs/deployment.md); packing or starting
 * without a dist/ it cannot build is an error.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((name) => join(ROOT, name));
const isTest = (file) => /\.test\.tsx?$/.test(file);
/** Where the bundle's lazily imported parts go; not tsc output, so never pruned as orphans. */
const CHUNKS = 'chunks';
/**
 * Packages bundled with our code: the ones every request runs through and that nothing left
 * outside the bundle imports (the MCP SDK takes zod with it: schemas cross between them).
 * The rest — oidc-provider, native better-sqlite3, pg, pino… — load from node_modules.
 */
const BUNDLED = /^(kysely|zod|hono|@hono\/node-server|@modelcontextprotocol\/(server|core))(\/|$)/;

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

function newestInputMs() {
  const sources = filesUnder(SRC).filter((file) => /\.tsx?$/.test(file) && !isTest(file));
  return Math.max(...[...sources, ...INPUTS].map((file) => statSync(file).mtimeMs));
}

/** dist/ is fresh when its entry point was written after every source and build setting. */
function distIsFresh() {
  const entry = join(DIST, 'main.js');
  return existsSync(entry) && statSync(entry).mtimeMs >= newestInputMs();
}

/** Removes dist/x.js (and its map) when neither src/x.ts nor src/x.tsx exists any more. */
function pruneOrphans() {
  if (!existsSync(DIST)) return;
  for (const file of filesUnder(DIST)) {
    const stem = relative(DIST, file).replace(/\.js(\.map)?$/, '');
    if (stem === relative(DIST, file) || stem.startsWith(`${CHUNKS}/`)) continue;
    if (!existsSync(join(SRC, `${stem}.ts`)) && !existsSync(join(SRC, `${stem}.tsx`))) rmSync(file);
  }
}

function typescriptCompiler() {
  try {
    return createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

/** Replaces tsc's dist/main.js with the bundle of its imports (and chunks/ for the lazy ones). */
async function bundleMain() {
  const { rolldown } = await import('rolldown');
  rmSync(join(DIST, CHUNKS), { recursive: true, force: true });
  const build = await rolldown({
    input: join(DIST, 'main.js'),
    platform: 'node',
    external: (id) => !id.startsWith('.') && !isAbsolute(id) && !BUNDLED.test(id),
    logLevel: 'warn',
  });
  try {
    await build.write({ dir: DIST, format: 'esm', chunkFileNames: `${CHUNKS}/[name]-[hash].js` });
  } finally {
    await build.close();
  }
  // tsc's map of the file the bundle replaced would describe code that is no longer there.
  rmSync(join(DIST, 'main.js.map'), { force: true });
}

const event = process.env.npm_lifecycle_event ?? 'build';
const command = process.env.npm_command ?? '';
if (process.argv.includes('--force') || !distIsFresh()) {
  const tsc = typescriptCompiler();
  if (tsc) {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
    await bundleMain();
  } else if (event === 'prepare' && (command === 'install' || command === 'ci')) {
    process.stderr.write(
      'taskgate: TypeScript is not installed (--omit=dev), so dist/ was not built. For a production ' +
        'install, install the tarball `npm pack` makes (see docs/deployment.md#install).\n',
    );
    process.exit(0);
  } else {
    process.stderr.write(
      'taskgate: dist/ is missing or out of date and TypeScript is not installed: run `npm install` ' +
        '(with development dependencies) first.\n',
    );
    process.exit(1);
  }
}
pruneOrphans();
