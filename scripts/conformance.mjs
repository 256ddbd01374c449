/**
 * `npm run conformance`: runs the official MCP conformance suite
 * (`@modelcontextprotocol/conformance`) against a real Taskgate, in two versions:
 *
 * - 0.1.16: every server scenario (the 2025 protocol);
 * - 0.2 (SUITE_02 below): the server scenarios each spec revision requires, at that revision's
 *   wire (`--requirements 2025-11-25` and `--requirements 2026-07-28`, which also runs the
 *   scenarios the suite does not score), and the authorization-server scenarios against our
 *   OAuth issuer (a demo member signs in and allows, as a browser would).
 *
 * The server is `scripts/harness-server.mjs`: the built app in this process with the demo
 * workspace, a `full` key, and the suite's fixture tools, resources and prompts registered
 * on the same server factory behind the same key check (a test-only hook; `serve` never
 * registers them). The suite sends no credentials, so `scripts/auth-proxy.mjs` adds the key;
 * authentication is never switched off.
 *
 * Each scenario is PASS (a success and no failure), FAIL, or EMPTY (no check succeeded or
 * failed: warnings or skips only). EXPECTED lists every scenario that may not pass, with the
 * reason; the run fails on any other non-pass (a regression), and reports a listed scenario
 * that now passes so the list can shrink. Node 22 (the suite needs it) and the suites are
 * installed under .cache/ — never project dependencies.
 *
 * Usage: `node scripts/conformance.mjs [--only 0.1|0.2-2025|0.2-2026|auth] [--json file]`.
 * Results (checks.json per scenario) go to `.cache/conformance-results/<run>/`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startAuthProxy } from './auth-proxy.mjs';
import { EXPECTED } from './conformance-expected.mjs';
import { signInMember } from './harness-oauth.mjs';
import { root, startHarnessServer } from './harness-server.mjs';

const SUITE_01 = '0.1.16';
const SUITE_02 = '0.2.0-alpha.12';
const NODE_MAJOR = 22;
/** Per scenario (0.2 only; the suite's default): server-stateless alone takes ~10 s on a busy machine. */
const SCENARIO_TIMEOUT_MS = 30_000;
const RUN_TIMEOUT_MS = 600_000;

const cache = join(root, '.cache');
const resultsRoot = join(cache, 'conformance-results');
const rel = (path) => relative(root, path) || '.';

/** Each run: one suite process over many scenarios. */
const RUNS = [
  { id: '0.1', suite: SUITE_01, args: ['server'] },
  {
    id: '0.2-2025',
    suite: SUITE_02,
    args: ['server', '--requirements', '2025-11-25', '--timeout', String(SCENARIO_TIMEOUT_MS)],
  },
  {
    id: '0.2-2026',
    suite: SUITE_02,
    args: ['server', '--requirements', '2026-07-28', '--timeout', String(SCENARIO_TIMEOUT_MS)],
  },
  { id: 'auth', suite: SUITE_02, args: ['authorization'], authorization: true },
];

const children = new Set();
let cleanup = async () => undefined;

async function main() {
  const only = option('--only');
  const jsonOut = option('--json');
  const runs = RUNS.filter((run) => !only || only.split(',').includes(run.id));
  if (runs.length === 0) throw new Error(`--only names no run (${RUNS.map((r) => r.id).join(', ')})`);

  let started = Date.now();
  const node22 = ensureNode22();
  const suites = new Map([...new Set(runs.map((r) => r.suite))].map((v) => [v, ensureSuite(v)]));
  const installMs = Date.now() - started;
  ensureBuilt();

  started = Date.now();
  const server = await startHarnessServer({ fixtures: true });
  const proxy = await startAuthProxy({ target: server.url, token: server.key });
  cleanup = async () => {
    await proxy.close();
    await server.close();
  };
  const mcpUrl = `http://localhost:${proxy.port}/mcp`;
  console.log(
    `conformance: node ${nodeVersion(node22)}, taskgate ${server.url} via auth proxy ${mcpUrl} (install ${ms(installMs)}, start ${ms(Date.now() - started)})`,
  );

  rmSync(resultsRoot, { recursive: true, force: true });
  const rows = [];
  for (const run of runs) {
    const runStarted = Date.now();
    const outDir = join(resultsRoot, run.id);
    const args = run.authorization ? await authorizationArgs(server) : [...run.args, '--url', mcpUrl];
    const { output, code } = await runSuite(
      node22,
      suites.get(run.suite),
      [...args, '-o', outDir],
      run,
      server,
    );
    const results = readResults(outDir);
    if (results.length === 0) {
      console.log(`FAIL ${run.id}: the suite produced no results (exit ${code})`);
      console.log(indent(output.trim().split('\n').slice(-20).join('\n')));
    }
    console.log(
      `== suite ${run.suite} ${run.id}: ${results.length} scenarios in ${ms(Date.now() - runStarted)}`,
    );
    for (const result of results) {
      const row = judge(run, result);
      rows.push(row);
      console.log(
        `${row.verdict} ${row.status} ${result.scenario} (${result.summary})${row.reason ? ` — ${row.reason}` : ''}`,
      );
      if (row.verdict === 'REGRESSION') for (const problem of result.problems) console.log(`    ${problem}`);
    }
    if (results.length === 0)
      rows.push({ run: run.id, scenario: '(run)', status: 'FAIL', verdict: 'REGRESSION' });
  }

  const count = (verdict) => rows.filter((r) => r.verdict === verdict).length;
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(rows, null, 2)}\n`);
  if (count('REGRESSION') > 0) {
    console.log(`taskgate log (last lines):\n${indent(server.log().split('\n').slice(-15).join('\n'))}`);
  }
  console.log(
    `conformance: ${count('ok')} passed, ${count('expected')} expected failures (listed with reasons), ${count('FIXED?')} listed but passing, ${count('REGRESSION')} unexpected failures`,
  );
  return count('REGRESSION') === 0 ? 0 : 1;
}

/** A scenario's verdict against the EXPECTED list. */
function judge(run, result) {
  const expected = EXPECTED.find((e) => e.runs.includes(run.id) && e.scenarios.includes(result.scenario));
  const base = { run: run.id, scenario: result.scenario, status: result.status, summary: result.summary };
  if (result.status === 'PASS')
    return expected
      ? { ...base, verdict: 'FIXED?', reason: `listed as expected: ${expected.reason}` }
      : { ...base, verdict: 'ok' };
  if (expected) return { ...base, verdict: 'expected', reason: expected.reason };
  return { ...base, verdict: 'REGRESSION', problems: result.problems };
}

// --- the authorization-server run ---------------------------------------------------------

const CALLBACK_PORT_BASE = 39_000;

/** The authorization scenarios need a client registered for the suite's callback port. */
async function authorizationArgs(server) {
  const port = CALLBACK_PORT_BASE + Math.floor(Math.random() * 1000);
  const { registerPublicClient } = await import('./harness-oauth.mjs');
  const clientId = await registerPublicClient(
    server,
    `http://127.0.0.1:${port}/callback`,
    'Conformance suite',
  );
  return [
    'authorization',
    '--url',
    server.url,
    '--client-id',
    clientId,
    '--resource',
    `${server.url}/mcp`,
    '-p',
    String(port),
  ];
}

/**
 * The suite prints the authorization URL for a human and waits up to 5 minutes for the
 * callback: sign in as a demo member, allow, and deliver the redirect. When the flow stops
 * before the callback (an error page), the suite is stopped and the reason kept.
 */
async function driveAuthorization(child, server, output, onError) {
  const url = await new Promise((resolve) => {
    const onData = () => {
      const found = /^(https?:\/\/\S+\/oauth\/authorize\?\S+)$/m.exec(output());
      if (found) {
        child.stdout.off('data', onData);
        resolve(found[1]);
      }
    };
    child.stdout.on('data', onData);
    child.once('close', () => resolve(undefined));
  });
  if (!url) return;
  try {
    const member = await signInMember(server);
    const callback = await member.approve(url);
    await fetch(callback);
  } catch (error) {
    onError(error instanceof Error ? error.message : String(error));
    child.kill('SIGTERM');
  }
}

// --- running the suite --------------------------------------------------------------------

function runSuite(node22, entry, args, run, server) {
  return new Promise((resolve) => {
    const child = spawn(node22, [entry, ...args], {
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
    if (run.authorization)
      void driveAuthorization(
        child,
        server,
        () => output,
        (reason) => {
          output += `\nharness: ${reason}`;
          writeFileSync(join(resultsRoot, 'auth-driver-error.txt'), reason);
        },
      );
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ output, code });
    });
  });
}

/** One entry per scenario directory the suite wrote (`<kind>-<scenario>-<timestamp>`). */
function readResults(dir) {
  if (!existsSync(dir)) return [];
  const driverError = readText(join(resultsRoot, 'auth-driver-error.txt'));
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const scenario = d.name
        .replace(/^(authorization-server|server)-/, '')
        .replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
      const checks = readJson(join(dir, d.name, 'checks.json')) ?? [];
      const count = (status) => checks.filter((c) => c.status === status).length;
      // A flow the harness had to stop (an error page instead of the callback) left no checks.
      const stopped = driverError && scenario === 'authorization-code-grant' && count('SUCCESS') === 0;
      const failed = count('FAILURE') + (stopped ? 1 : 0);
      const status = failed > 0 ? 'FAIL' : count('SUCCESS') > 0 ? 'PASS' : 'EMPTY';
      const problems = checks
        .filter((c) => c.status === 'FAILURE' || c.status === 'WARNING')
        .map((c) => `${c.status} ${c.id}: ${c.errorMessage ?? c.details?.message ?? ''}`.trim());
      if (driverError && scenario === 'authorization-code-grant') problems.push(`harness: ${driverError}`);
      const warnings = count('WARNING') ? `, ${count('WARNING')} warnings` : '';
      return { scenario, status, problems, summary: `${count('SUCCESS')} ok, ${failed} failed${warnings}` };
    })
    .sort((a, b) => a.scenario.localeCompare(b.scenario));
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

/** A suite version's entry script, in its own folder (0.1.16 keeps the historical one). */
function ensureSuite(version) {
  const prefix = join(cache, version === SUITE_01 ? 'conformance' : 'conformance-0.2');
  const dir = join(prefix, 'node_modules', '@modelcontextprotocol', 'conformance');
  if (readJson(join(dir, 'package.json'))?.version !== version) {
    npmInstall(prefix, `@modelcontextprotocol/conformance@${version}`);
  }
  const entry = join(dir, 'dist', 'index.js');
  if (!existsSync(entry)) throw new Error(`conformance suite missing at ${rel(entry)}`);
  return entry;
}

function npmInstall(prefix, spec) {
  const started = Date.now();
  console.log(`conformance: installing ${spec} into ${rel(prefix)}`);
  const result = spawnSync(
    'npm',
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

// --- helpers ------------------------------------------------------------------------------

function option(name) {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function readText(file) {
  try {
    return readFileSync(file, 'utf8');
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
    console.error(`conformance: ${error instanceof Error ? error.stack : String(error)}`);
    return 1;
  })
  .then(async (code) => {
    await cleanup().catch(() => undefined);
    process.exit(code);
  });
