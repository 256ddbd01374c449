#!/usr/bin/env node
/**
 * Batch amplification (issue 13 point 7), in one run on one machine (`npm run bench:mcp-batch`;
 * needs `npm run build` first). What one POST /mcp costs the server and sends back:
 *
 *   - the attack: a JSON-RPC batch of 100 `list_tasks {limit: 100}` (2025-03-26 framing),
 *     against a server whose cap is raised to 100 (the SDK's own hard cap, i.e. the behaviour
 *     before the cap existed) and against the default cap of 10;
 *   - the largest batch the default allows (10 such calls) and a single call, for scale.
 *
 * Each server runs `dist/` in its own child process on 127.0.0.1 (a fresh SQLite file, the
 * seeded demo workspace, one `full` development key) and reports its own `process.cpuUsage()`
 * (every thread, the audit writer included) over IPC before and after each request. Each row
 * is the median of --runs requests (default 7) after 2 warm-ups. The table goes to
 * docs/benchmarks.md between the mcp-batch markers (--no-write prints only). Internal:
 * --server runs one server child.
 */
import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, platform, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeDocSection } from './lib/doc-section.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const SETTING = 'TASKGATE_MCP_MAX_MESSAGES_PER_REQUEST';

const listTasks = (id) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'list_tasks', arguments: { limit: 100 } },
});
const batch = (n) => JSON.stringify(Array.from({ length: n }, (_, i) => listTasks(i + 1)));

async function server() {
  const dist = (path) => import(join(ROOT, 'dist', path));
  const [{ createApp, listen }, { loadConfig }, { seedDemoWorkspace }, { createSeededRandom, systemClock }] =
    await Promise.all([
      dist('app.js'),
      dist('config/index.js'),
      dist('domain/index.js'),
      dist('core/index.js'),
    ]);
  const { pino } = await import('pino');
  const dir = process.env.BENCH_DIR;
  const config = loadConfig({
    env: {
      TASKGATE_DATABASE_URL: `sqlite:${join(dir, 'taskgate.db')}`,
      TASKGATE_DATA_DIR: dir,
      TASKGATE_PORT: '0',
      TASKGATE_SECRET_KEY: 'bench-'.repeat(8),
      ...(process.env[SETTING] && { [SETTING]: process.env[SETTING] }),
    },
  });
  const app = await createApp(config, { logger: pino({ level: 'silent' }), database: { create: true } });
  await seedDemoWorkspace(app.domain, systemClock, createSeededRandom(1));
  const { secret } = await app.keys.create({
    workspace: 'demo',
    name: 'bench-batch',
    environment: 'development',
    preset: 'full',
  });
  const running = await listen(app);
  process.on('message', (message) => {
    if (message === 'cpu') process.send({ cpu: process.cpuUsage() });
    if (message === 'stop')
      running
        .close()
        .then(() => app.close())
        .then(() => process.exit(0));
  });
  process.send({ url: running.url, key: secret });
}

function startServer(cap) {
  return new Promise((resolveStart, reject) => {
    mkdtemp(join(tmpdir(), 'taskgate-batch-')).then((dir) => {
      const env = { ...process.env, BENCH_DIR: dir, ...(cap && { [SETTING]: String(cap) }) };
      const child = fork(fileURLToPath(import.meta.url), ['--server'], { cwd: ROOT, env, stdio: 'pipe' });
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
      child.once('message', ({ url, key }) => {
        const cpu = () =>
          new Promise((r) => {
            child.once('message', (m) => r((m.cpu.user + m.cpu.system) / 1000));
            child.send('cpu');
          });
        const stop = async () => {
          child.removeAllListeners('exit');
          await new Promise((r) => {
            child.once('exit', r);
            child.send('stop');
          });
          await rm(dir, { recursive: true, force: true });
        };
        resolveStart({ url, key, cpu, stop });
      });
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(target, body, runs) {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-03-26',
    authorization: `Bearer ${target.key}`,
  };
  const samples = [];
  for (let i = 0; i < runs + 2; i++) {
    const before = await target.cpu();
    const started = performance.now();
    const response = await fetch(`${target.url}/mcp`, { method: 'POST', headers, body });
    const bytes = Buffer.byteLength(await response.text());
    const wall = performance.now() - started;
    const cpu = (await target.cpu()) - before;
    if (i >= 2) samples.push({ status: response.status, bytes, cpu, wall });
  }
  return {
    status: samples[0].status,
    requestBytes: Buffer.byteLength(body),
    bytes: median(samples.map((s) => s.bytes)),
    cpu: median(samples.map((s) => s.cpu)),
    wall: median(samples.map((s) => s.wall)),
  };
}

async function main() {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '7' }, 'no-write': { type: 'boolean', default: false } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number ≥ 1');
  await readFile(join(ROOT, 'dist', 'app.js')).catch(() => {
    throw new Error('dist/app.js is missing: npm run build');
  });
  const load = loadavg()[0];
  const rows = [];
  const raised = await startServer(100);
  try {
    rows.push({
      what: '100 × `list_tasks {limit: 100}` in one batch, cap raised to 100 (as before the cap)',
      ...(await measure(raised, batch(100), runs)),
    });
  } finally {
    await raised.stop();
  }
  const capped = await startServer(undefined);
  try {
    rows.push({
      what: 'the same batch, default cap (10): refused before anything runs',
      ...(await measure(capped, batch(100), runs)),
    });
    rows.push({
      what: '10 × `list_tasks {limit: 100}`: the largest batch the default allows',
      ...(await measure(capped, batch(10), runs)),
    });
    rows.push({
      what: 'one `list_tasks {limit: 100}` (no batch), for scale',
      ...(await measure(capped, JSON.stringify(listTasks(1)), runs)),
    });
  } finally {
    await capped.stop();
  }
  const section = render(rows, runs, [load, loadavg()[0]]);
  process.stdout.write(`\n${section}\n`);
  if (!values['no-write']) {
    await writeDocSection(DOC, 'mcp-batch', section);
    process.stderr.write(`wrote ${DOC}\n`);
  }
}

function render(rows, runs, load) {
  const kb = (bytes) => (bytes >= 10_000 ? `${(bytes / 1024).toFixed(0)} KiB` : `${bytes} B`);
  const [attack, refused, allowed, single] = rows;
  return [
    '## MCP batch amplification',
    '',
    `Machine: ${availableParallelism()} CPUs (\`nproc\`), ${cpus()[0]?.model.trim() ?? '?'}, ${platform()} ${release()}; Node.js ${process.version}; run on ${new Date().toISOString().slice(0, 10)}.`,
    `Method: \`npm run bench:mcp-batch\` (\`bench/mcp-batch.mjs\`). Each server is \`dist/\` in its own Node.js process on 127.0.0.1 (fresh SQLite file, seeded demo workspace, a \`full\` development API key), POSTed to over HTTP with \`mcp-protocol-version: 2025-03-26\`. Server CPU is the server process's own \`process.cpuUsage()\` (user + system, all threads) across one request; each row is the median of ${runs} requests after 2 warm-ups. "Before" is the same build with \`${SETTING}=100\`, the SDK's own hard cap, which is what the server did before the cap existed.`,
    '',
    '| one request | HTTP | request | response | server CPU ms | wall ms |',
    '| --- | --: | --: | --: | --: | --: |',
    ...rows.map(
      (r) =>
        `| ${r.what} | ${r.status} | ${kb(r.requestBytes)} | ${kb(r.bytes)} | ${r.cpu.toFixed(1)} | ${r.wall.toFixed(1)} |`,
    ),
    '',
    `The attack batch: ${kb(attack.bytes)} and ${attack.cpu.toFixed(0)} ms of server CPU before; ${kb(refused.bytes)} and ${refused.cpu.toFixed(1)} ms once refused (${(attack.bytes / refused.bytes).toFixed(0)}× fewer bytes, ${(attack.cpu / refused.cpu).toFixed(0)}× less CPU). The largest batch the default allows costs ${(allowed.cpu / single.cpu).toFixed(1)}× the CPU and ${(allowed.bytes / single.bytes).toFixed(1)}× the bytes of one call. System load (1-minute average, ${availableParallelism()} CPUs, before → after): ${load[0].toFixed(1)} → ${load[1].toFixed(1)}; these numbers come from one run on a shared machine, so compare ratios, not absolute values across runs.`,
  ].join('\n');
}

if (process.argv.includes('--server')) await server();
else await main();
