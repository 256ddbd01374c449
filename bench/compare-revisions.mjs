#!/usr/bin/env node
/**
 * Same-run comparison of the call pipeline at two revisions (`npm run bench:compare -- <rev>`):
 * the working tree's dist/ against `<rev>` (default HEAD~1) built in a temporary git worktree.
 * A refactor claims "no regression"; numbers from different days on this shared machine are
 * too noisy to show it, so both builds run here, in alternating rounds, on the same load.
 *
 * Each round and revision: `dist/main.js demo` on a fresh SQLite file, a `full` development
 * key, a write budget large enough not to refuse, then autocannon (16 connections, 2 s warm-up,
 * 6 s measured) on three calls — a read (`get_task`), a dry-run write (`create_task` with
 * `dry_run`: policy, plan in a rolled-back transaction, budget, audit) and a real write
 * (`create_task`, tier none in the demo policy: the change, its ledger entry and its audit
 * event in one transaction). The median req/s per call and revision goes to docs/benchmarks.md
 * between the compare-revisions markers.
 *
 * Flags: --rounds <n> (3), --duration <s> (6), --connections <n> (16), --no-write.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { expect, fail, log, runJson, startChild, stop } from './lib/children.mjs';
import { writeDocSection } from './lib/doc-section.mjs';
import { raiseLimits } from './lib/taskgate-target.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
const call = (name, args) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
const WORKLOADS = [
  {
    id: 'read',
    label: '`get_task`',
    body: call('get_task', { task: 'APO-1' }),
    marker: 'Freeze the release',
  },
  {
    id: 'dry-run',
    label: '`create_task` dry run',
    body: call('create_task', { project: 'APO', title: 'bench', dry_run: true }),
    marker: 'DRY RUN',
  },
  {
    id: 'write',
    label: '`create_task`',
    body: call('create_task', { project: 'APO', title: 'bench' }),
    marker: 'Created',
  },
];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '6' },
    connections: { type: 'string', default: '16' },
    'no-write': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const duration = Number(values.duration);
const connections = Number(values.connections);
if (![rounds, duration, connections].every((n) => Number.isInteger(n) && n > 0))
  fail('--rounds, --duration and --connections take positive whole numbers');
const baseRev = positionals[0] ?? 'HEAD~1';

const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
const baseCommit = git('rev-parse', '--short', `${baseRev}^{commit}`);
const headCommit = git('rev-parse', '--short', 'HEAD');
const dirty = git('status', '--porcelain', '--', 'src').length > 0;
if (!existsSync(join(ROOT, 'dist', 'main.js'))) fail('dist/main.js is missing: npm run build');

const { default: autocannon } = await import('autocannon');
const baseDir = await mkdtemp(join(tmpdir(), 'taskgate-base-'));
const results = {
  base: Object.fromEntries(WORKLOADS.map((w) => [w.id, []])),
  head: Object.fromEntries(WORKLOADS.map((w) => [w.id, []])),
};
try {
  log(`building ${baseCommit} in ${baseDir}`);
  git('worktree', 'add', '--detach', baseDir, baseCommit);
  symlinkSync(join(ROOT, 'node_modules'), join(baseDir, 'node_modules'));
  // Each revision's own build (tsc alone before the bundle, scripts/build.mjs after).
  execFileSync('npm', ['run', 'build'], { cwd: baseDir, stdio: 'inherit' });
  const builds = { base: baseDir, head: ROOT };
  for (let round = 1; round <= rounds; round++) {
    // Alternate which build goes first, so a trend in the machine's load hits both alike.
    const order = round % 2 ? ['base', 'head'] : ['head', 'base'];
    for (const which of order) {
      const rps = await measureBuild(builds[which]);
      for (const [id, value] of Object.entries(rps)) results[which][id].push(value);
      log(
        `round ${round} ${which}: ${Object.entries(rps)
          .map(([id, v]) => `${id} ${v.toFixed(0)}`)
          .join(', ')} req/s`,
      );
    }
  }
} finally {
  try {
    git('worktree', 'remove', '--force', baseDir);
  } catch {
    await rm(baseDir, { recursive: true, force: true });
  }
}

const section = render();
process.stdout.write(`\n${section}\n`);
if (!values['no-write']) {
  await writeDocSection(DOC, 'compare-revisions', section);
  log(`wrote ${DOC}`);
}

/** One build: fresh demo database, one key, each workload measured once. */
async function measureBuild(root) {
  const dir = await mkdtemp(join(tmpdir(), 'taskgate-compare-'));
  const db = `sqlite:${join(dir, 'taskgate.db')}`;
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, TASKGATE_DATA_DIR: dir };
  const main = join(root, 'dist', 'main.js');
  const cli = (...args) =>
    runJson(process.execPath, [main, ...args, '--json', '--db', db], { cwd: root, env });
  const child = startChild(process.execPath, [main, 'demo', '--port', '0', '--json', '--db', db], {
    cwd: root,
    env,
  });
  try {
    const served = await child.ready;
    const key = await cli(
      'keys',
      'create',
      '--workspace',
      'demo',
      '--name',
      'bench-compare',
      '--env',
      'development',
      '--preset',
      'full',
    );
    // The flood is measured, not rate limited. Revisions before the request limits (issue 16)
    // have no `limits` command and nothing to raise.
    await raiseLimits(cli).catch((error) => {
      if (!/unknown command/.test(String(error.message))) throw error;
    });
    // The demo's 60 writes per 10 minutes would refuse the measured writes after a second.
    await cli('policy', 'set', '--workspace', 'demo', '--write-budget', '10000', '--budget-window', '1m');
    const headers = { ...HEADERS, authorization: `Bearer ${key.key}` };
    const url = `${served.url}/mcp`;
    const rps = {};
    for (const w of WORKLOADS) {
      const check = await fetch(url, { method: 'POST', headers, body: w.body });
      const text = await check.text();
      expect(
        check.status === 200 && text.includes(w.marker),
        `${w.id}: HTTP ${check.status} ${text.slice(0, 200)}`,
      );
      const options = { url, method: 'POST', headers, body: w.body, connections, pipelining: 1 };
      await autocannon({ ...options, duration: 2 });
      const result = await autocannon({ ...options, duration });
      expect(
        result.non2xx + result.errors === 0,
        `${w.id}: ${result.non2xx} non-2xx, ${result.errors} errors`,
      );
      rps[w.id] = result.requests.average;
    }
    return rps;
  } finally {
    await stop(child);
    await rm(dir, { recursive: true, force: true });
  }
}

function render() {
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = WORKLOADS.map((w) => {
    const base = median(results.base[w.id]);
    const head = median(results.head[w.id]);
    return `| ${w.label} | ${Math.round(base)} | ${Math.round(head)} | ${(head / base).toFixed(2)} | ${results.base[w.id].map(Math.round).join(', ')} / ${results.head[w.id].map(Math.round).join(', ')} |`;
  });
  return [
    '## Call pipeline: two revisions in one run',
    '',
    `\`npm run bench:compare -- ${baseRev}\` (\`bench/compare-revisions.mjs\`) on ${new Date().toISOString().slice(0, 10)}, Node.js ${process.version}, ${availableParallelism()} CPUs, load ${loadavg()[0].toFixed(1)} at the end: ${baseCommit} (built in a temporary worktree) against ${headCommit}${dirty ? ' with uncommitted changes in src/' : ''}, ${rounds} alternating rounds, each a fresh demo database and key, autocannon with ${connections} connections, a 2 s warm-up and ${duration} s measured per call. Median req/s; the ratio is after / before, so below 1 is slower.`,
    '',
    `| call | ${baseCommit} req/s | ${headCommit} req/s | ratio | every round (before / after) |`,
    '| --- | --: | --: | --: | --- |',
    ...rows,
    '',
  ].join('\n');
}
