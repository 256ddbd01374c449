/**
 * The production install, end to end: `npm pack` this checkout, install the tarball into a
 * fresh prefix without development dependencies, and run the `taskgate` it puts on the PATH —
 * `init`, a key, `serve` on a SQLite file, one call from the official MCP SDK client. What the
 * tarball must hold (every compiled module, worker threads and migrations included) and must
 * not (tests, sources, source maps) is checked on the packed list.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BinaryMirror,
  INSTALL_STEPS,
  ROOT,
  startBinaryMirror,
  withPaths,
} from '../support/packed-install.js';

const run = promisify(execFile);
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const START_TIMEOUT_MS = 30_000;
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};

interface PackedFile {
  readonly path: string;
}

let dir: string;
let installed: string;
let packed: string[];
let mirror: BinaryMirror;
let server: ChildProcess | undefined;
const timings: Record<string, number> = {};

/** Our environment without npm's script variables or Taskgate settings: a person's shell. */
function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(
    ([name]) => !name.startsWith('npm_') && !name.startsWith('TASKGATE_') && name !== 'INIT_CWD',
  );
  return { ...Object.fromEntries(kept), ...extra };
}

async function timed<T>(step: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[step] = Math.round(performance.now() - started);
  }
}

/** The installed `taskgate`, found on the PATH as a person's shell finds it. */
function taskgateEnv(): NodeJS.ProcessEnv {
  const path = [join(dir, 'prefix', 'bin'), dirname(process.execPath), process.env.PATH].join(delimiter);
  return shellEnv({ PATH: path, TASKGATE_DATA_DIR: join(dir, 'data') });
}

async function taskgate(args: string[]): Promise<string> {
  const { stdout } = await run('taskgate', args, { cwd: join(dir, 'work'), env: taskgateEnv() });
  return stdout;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-packed-'));
  mkdirSync(join(dir, 'work'));
  mirror = await startBinaryMirror();
  const [, pack, install] = INSTALL_STEPS;
  const paths = { 'pack dir': dir, prefix: join(dir, 'prefix') };
  const [npm, ...packArgs] = withPaths(pack!, paths);
  const { stdout } = await timed('pack', () =>
    run(npm!, [...packArgs, '--json'], { cwd: ROOT, env: shellEnv(), maxBuffer: 64 * 1024 * 1024 }),
  );
  const [summary] = JSON.parse(stdout) as [{ filename: string; files: PackedFile[] }];
  packed = summary.files.map((file) => file.path);
  const tarball = join(dir, summary.filename);
  // --prefer-offline: the registry answers, but npm's cache already holds every dependency.
  const [, ...installArgs] = withPaths(install!, { ...paths, tarball });
  await timed('install', () =>
    run('npm', [...installArgs, '--prefer-offline'], { cwd: dir, env: shellEnv(mirror.env) }),
  );
  installed = join(dir, 'prefix', 'lib', 'node_modules', 'taskgate');
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await mirror?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.stderr.write(`packed install timings (ms): ${JSON.stringify(timings)}\n`);
});

/** Every `.ts`/`.tsx` module of src/, tests left out, as the `.js` path tsc writes. */
function compiledModules(): string[] {
  return readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name))
    .map((entry) => `dist/${relative(join(ROOT, 'src'), join(entry.parentPath, entry.name))}`)
    .map((path) => path.replace(/\.tsx?$/, '.js'));
}

const STATEMENTS = [
  /^(?:import|export)\b[^;'"]*?\bfrom\s*'([^']+)';/gm,
  /^import\s*'([^']+)';/gm,
  /\b(?:import|require)\(\s*'([^']+)'\s*\)/g,
  /\bcreateRequire\([^)]*\)\(\s*'([^']+)'/g,
];
const PACKAGE_NAME = /^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*/;

/** The packages a compiled file imports by name (`import … from`, `import()`, `require()`). */
function packagesImportedBy(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return STATEMENTS.flatMap((statement) => [...text.matchAll(statement)].map((match) => match[1]!))
    .filter((spec) => !spec.startsWith('.') && !spec.startsWith('node:') && !builtinModules.includes(spec))
    .map((spec) => PACKAGE_NAME.exec(spec)?.[0] ?? spec);
}

describe('the packed tarball', () => {
  it('holds every compiled module, worker threads and migrations among them', () => {
    const missing = compiledModules().filter((path) => !packed.includes(path));
    expect(missing).toEqual([]);
    expect(packed).toContain('dist/storage/sqlite-audit-writer-worker.js');
    expect(packed.some((path) => path.startsWith('dist/storage/migrations/'))).toBe(true);
  });

  it('holds no tests, sources, source maps or benchmarks', () => {
    const stray = packed.filter(
      (path) =>
        !(path.startsWith('dist/') && path.endsWith('.js')) &&
        path !== 'package.json' &&
        path !== 'README.md',
    );
    expect(stray).toEqual([]);
    expect(packed.filter((path) => /\.test\.js$/.test(path))).toEqual([]);
  });

  it('imports at run time only packages it declares as dependencies, all installed', () => {
    const files = readdirSync(join(installed, 'dist'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
      .map((entry) => join(entry.parentPath, entry.name));
    const imported = [...new Set(files.flatMap(packagesImportedBy))].sort();
    expect(imported.length).toBeGreaterThan(5);
    expect(imported.filter((name) => !(name in PACKAGE.dependencies))).toEqual([]);
    expect(
      imported.filter((name) => !existsSync(join(installed, 'node_modules', name, 'package.json'))),
    ).toEqual([]);
  });

  it('installs no development dependency', () => {
    for (const name of ['typescript', 'vitest', '@biomejs/biome', '@modelcontextprotocol/sdk'])
      expect(existsSync(join(installed, 'node_modules', name))).toBe(false);
  });
});

describe('the installed taskgate', () => {
  it('runs from the PATH at the packed version', async () => {
    expect((await taskgate(['--version'])).trim()).toBe(PACKAGE.version);
  });

  it('creates a workspace and a key, serves them and answers an MCP client', async () => {
    const db = `sqlite:${join(dir, 'data', 'taskgate.db')}`;
    await taskgate(['init', '--workspace', 'acme', '--owner', 'owner@example.com', '--db', db, '--json']);
    const created = JSON.parse(
      await taskgate(
        ['keys', 'create', '--workspace', 'acme', '--env', 'development', '--name', 'claude-ci'].concat([
          '--preset',
          'standard',
          '--db',
          db,
          '--json',
        ]),
      ),
    ) as { key: string };

    const url = await timed('serve', () => serve(['serve', '--port', '0', '--db', db, '--json']));
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const client = new Client({ name: 'packed-install-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${created.key}` } },
    });
    await client.connect(transport);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    await client.close();
    expect(result.isError).not.toBe(true);
    expect(JSON.stringify(result.content)).toContain('claude-ci');

    server!.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => server!.once('exit', resolve));
    expect(code).toBe(0);
  });
});

/** Starts the installed `serve --json` and resolves with the URL it prints once listening. */
function serve(args: string[]): Promise<string> {
  const child = spawn('taskgate', args, { cwd: join(dir, 'work'), env: taskgateEnv() });
  server = child;
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(
      () => reject(new Error(`not listening within ${START_TIMEOUT_MS} ms\n${stderr}`)),
      START_TIMEOUT_MS,
    );
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      try {
        const info = JSON.parse(stdout) as { url: string };
        clearTimeout(timer);
        resolve(info.url);
      } catch {
        // Not one whole document yet.
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}\n${stderr}`));
    });
  });
}
