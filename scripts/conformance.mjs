/**
 * `npm run conformance`: runs the official MCP conformance suite
 * (`@modelcontextprotocol/conformance`) against a real, freshly initialised Taskgate.
 *
 * 1. Installs Node 22 (the suite needs `fs.globSync`; the project stays on Node 20) and the
 *    suite into `.cache/node22` and `.cache/conformance` — separate folders, never project
 *    dependencies — unless they are already there.
 * 2. Builds `dist/` if `dist/main.js` is missing.
 * 3. Creates a workspace and a `full` development key in a temporary SQLite database and
 *    starts `taskgate serve --port 0` on it.
 * 4. Starts the test-only auth proxy (`scripts/auth-proxy.mjs`) that adds the key, because
 *    the suite sends no credentials. Authentication is never switched off.
 * 5. Runs each scenario against `http://localhost:<proxy port>/mcp`, prints one line per
 *    scenario and `conformance: N passed, M failed`; exit code 1 when any failed.
 *
 * Usage: `node scripts/conformance.mjs [scenario …]` (default: the CI scenarios below).
 * Results (checks.json per scenario) go to `.cache/conformance-results/`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAuthProxy } from './auth-proxy.mjs';

/** The server scenarios that apply to Taskgate and must pass in CI. */
const DEFAULT_SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection'];
const SUITE_VERSION = '0.1.16';
const NODE_MAJOR = 22;
const SCENARIO_TIMEOUT_MS = 120_000;
const START_TIMEOUT_MS = 30_000;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.cache');
const resultsDir = join(cache, 'conformance-results');
const rel = (path) => relative(root, path) || '.';

const children = new Set();
let cleanup = async () => undefined;

async function main() {
  const scenarios = process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT_SCENARIOS;

  let started = Date.now();
  const node22 = ensureNode22();
  const suite = ensureSuite();
  const installMs = Date.now() - started;
  ensureBuilt();

  started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'taskgate-conformance-'));
  const env = taskgateEnv(work);
  let server;
  let proxy;
  cleanup = async () => {
    await proxy?.close();
    if (server) await stop(server);
    rmSync(work, { recursive: true, force: true });
  };

  await runCli(['init', '--workspace', 'conf', '--owner', 'conformance@example.com', '--json'], env);
  const created = await runCli(
    [
      'keys',
      'create',
      '--workspace',
      'conf',
      '--name',
      'conformance-runner',
      '--env',
      'development',
      '--preset',
      'full',
      '--json',
    ],
    env,
  );
  // The key goes straight to the proxy; it is never printed.
  const { key } = JSON.parse(created);
  if (typeof key !== 'string') throw new Error('keys create --json returned no key');

  const serving = await startServer(env);
  server = serving.child;
  proxy = await startAuthProxy({ target: serving.url, token: key });
  const url = `http://localhost:${proxy.port}/mcp`;
  console.log(
    `conformance: suite ${SUITE_VERSION} on node ${nodeVersion(node22)} against taskgate ${serving.url} via auth proxy ${url} (install ${ms(installMs)}, start ${ms(Date.now() - started)})`,
  );

  rmSync(resultsDir, { recursive: true, force: true });
  let passed = 0;
  let failed = 0;
  for (const scenario of scenarios) {
    const result = await runScenario(node22, suite, url, scenario);
    if (result.ok) passed++;
    else failed++;
    console.log(
      `${result.ok ? 'PASS' : 'FAIL'} ${scenario} (${result.summary}, ${ms(result.ms)})${result.dir ? ` ${rel(result.dir)}` : ''}`,
    );
    if (!result.ok) {
      for (const check of result.problems) console.log(`  ${check}`);
      if (!result.dir) console.log(indent(result.output.trim().split('\n').slice(-20).join('\n')));
    }
  }
  if (failed > 0) {
    const log = serving.log().split('\n').slice(-20).join('\n');
    if (log) console.log(`taskgate log (last lines):\n${indent(log)}`);
  }
  console.log(`conformance: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

// --- setup --------------------------------------------------------------------------------

/** A Node ≥ 22 binary: this one if it qualifies, else `node-<platform>-<arch>@22` in .cache/node22. */
function ensureNode22() {
  if (Number(process.versions.node.split('.')[0]) >= NODE_MAJOR) return process.execPath;
  const pkg = `node-${process.platform}-${process.arch}`;
  const prefix = join(cache, 'node22');
  const bin = join(prefix, 'node_modules', pkg, 'bin', 'node');
  if (!existsSync(bin)) npmInstall(prefix, `${pkg}@${NODE_MAJOR}`);
  if (!existsSync(bin))
    throw new Error(`no Node ${NODE_MAJOR} binary at ${rel(bin)} after installing ${pkg}`);
  return bin;
}

/** The suite's entry script, installed at the pinned version into .cache/conformance. */
function ensureSuite() {
  const prefix = join(cache, 'conformance');
  const dir = join(prefix, 'node_modules', '@modelcontextprotocol', 'conformance');
  if (readJson(join(dir, 'package.json'))?.version !== SUITE_VERSION) {
    npmInstall(prefix, `@modelcontextprotocol/conformance@${SUITE_VERSION}`);
  }
  const entry = join(dir, 'dist', 'index.js');
  if (!existsSync(entry)) throw new Error(`conformance suite missing at ${rel(entry)}`);
  return entry;
}

function npmInstall(prefix, spec) {
  const started = Date.now();
  console.log(`conformance: installing ${spec} into ${rel(prefix)}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(
    npm,
    ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', spec],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.status !== 0) throw new Error(`npm install ${spec} failed (exit ${result.status})`);
  console.log(`conformance: installed ${spec} in ${ms(Date.now() - started)}`);
}

function ensureBuilt() {
  if (existsSync(join(root, 'dist', 'main.js'))) return;
  console.log('conformance: dist/main.js missing, running npm run build');
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error('npm run build failed');
}

/** A clean Taskgate environment: none of the caller's TASKGATE_* settings leak in. */
function taskgateEnv(work) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('TASKGATE_')),
  );
  return {
    ...env,
    TASKGATE_DATABASE_URL: `sqlite:${join(work, 't.db')}`,
    TASKGATE_DATA_DIR: work,
    TASKGATE_LOG_LEVEL: 'info',
  };
}

/** Runs one `taskgate` command to completion; resolves with its stdout (not printed). */
function runCli(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'main.js'), ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      // stdout may hold a key: only stderr is shown.
      else reject(new Error(`taskgate ${args.slice(0, 2).join(' ')} exited ${code}\n${stderr.trim()}`));
    });
  });
}

/**
 * Starts `taskgate serve --port 0 --json` and resolves once it has printed its URL.
 * Its stderr (the JSON log) is kept in memory so a failing run can show the tail.
 */
function startServer(env) {
  const child = spawn(
    process.execPath,
    [join(root, 'dist', 'main.js'), 'serve', '--port', '0', '--host', '127.0.0.1', '--json'],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  const chunks = [];
  child.stderr.on('data', (chunk) => chunks.push(chunk));
  const log = () => Buffer.concat(chunks).toString().trim();

  return new Promise((resolve, reject) => {
    let stdout = '';
    const settle = (error, value) => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      child.stdout.resume();
      if (!error) return resolve(value);
      child.kill('SIGTERM');
      reject(new Error(`${error}\n${log()}`.trim()));
    };
    const onData = (chunk) => {
      stdout += chunk;
      let info;
      try {
        info = JSON.parse(stdout);
      } catch {
        return; // not a complete JSON document yet
      }
      settle(undefined, { child, url: info.url, log });
    };
    const onExit = (code) => settle(`taskgate serve exited ${code} before listening`);
    const timer = setTimeout(() => settle('taskgate serve printed no URL in time'), START_TIMEOUT_MS);
    child.stdout.on('data', onData);
    child.on('exit', onExit);
  });
}

// --- scenarios ----------------------------------------------------------------------------

function runScenario(node22, suite, url, scenario) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(node22, [suite, 'server', '--url', url, '--scenario', scenario, '-o', resultsDir], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), SCENARIO_TIMEOUT_MS);
    const finish = (code) => {
      clearTimeout(timer);
      children.delete(child);
      const dir = /Results saved to (.+)/.exec(output)?.[1]?.trim();
      const absolute = dir ? (dir.startsWith('/') ? dir : join(root, dir)) : undefined;
      const checks = absolute ? (readJson(join(absolute, 'checks.json')) ?? []) : [];
      const count = (status) => checks.filter((c) => c.status === status).length;
      // As the suite scores scenarios itself: no failure and at least one real success. A
      // scenario of warnings only (e.g. SSE polling on a stateless server) did not pass.
      const ok = code === 0 && count('SUCCESS') > 0 && count('FAILURE') === 0;
      const summary =
        code === null
          ? `timed out after ${ms(SCENARIO_TIMEOUT_MS)}`
          : `${count('SUCCESS')}/${checks.length - count('INFO')} checks${count('WARNING') ? `, ${count('WARNING')} warnings` : ''}`;
      const problems = checks
        .filter((c) => c.status !== 'SUCCESS' && c.status !== 'INFO')
        .map((c) =>
          `${c.status} ${c.id}: ${c.errorMessage ?? c.details?.message ?? c.description ?? ''}`.trim(),
        );
      resolve({ ok, summary, problems, dir: absolute, output, ms: Date.now() - started });
    };
    child.on('error', (error) => {
      output += `\n${error.message}`;
      finish(-1);
    });
    child.on('close', finish);
  });
}

// --- helpers ------------------------------------------------------------------------------

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function nodeVersion(bin) {
  if (bin === process.execPath) return process.version;
  return spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

const ms = (n) => (n >= 1000 ? `${(n / 1000).toFixed(1)}s` : `${n}ms`);
const indent = (text) => text.replace(/^/gm, '    ');

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const child of children) child.kill('SIGTERM');
    cleanup().finally(() => process.exit(130));
  });
}

main()
  .catch((error) => {
    console.error(`conformance: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  })
  .then(async (code) => {
    await cleanup().catch(() => undefined);
    process.exitCode = code;
  });
