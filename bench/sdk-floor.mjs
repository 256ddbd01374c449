/**
 * How far above the SDK example a secured call could go on this stack (issue 17's "≥ 2× the
 * SDK v1 stateless example"): the example, the floor of Taskgate's stack with nothing of ours
 * (bench/lib/sdk-floor-server.mjs: Hono and the official SDK v2 transport with a pooled server,
 * one constant tool) and node:http answering the same JSON (no SDK), each in its own process,
 * driven by autocannon at 32 connections in interleaved rounds; req/s and CPU per request.
 * Writes the section `sdk-floor` of docs/benchmarks.md.
 *
 *   npm run build && npm run bench:sdk-floor [-- --rounds 5 --duration 6]
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { log, positiveInteger, startChild, stop } from './lib/children.mjs';
import { writeDocSection } from './lib/doc-section.mjs';
import { freePort, pkgVersion } from './lib/net.mjs';
import { cpuMs } from './lib/proc.mjs';
import { SDK_EXAMPLE_URL, SDK_RESOURCE_BODY, startSdkExample } from './lib/sdk-example.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '6' },
    connections: { type: 'string', default: '32' },
  },
});
const rounds = positiveInteger(values.rounds, 'rounds');
const duration = positiveInteger(values.duration, 'duration');
const connections = positiveInteger(values.connections, 'connections');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const headers = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
const callBody = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'get_task', arguments: { task: 'APO-1' } },
});

async function startFloor(kind) {
  const port = await freePort();
  const child = startChild(process.execPath, [join(ROOT, 'bench/lib/sdk-floor-server.mjs')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), FLOOR: kind },
  });
  await child.ready;
  return { child, url: `http://127.0.0.1:${port}/mcp` };
}

const example = await startSdkExample(ROOT);
const sdkFloor = await startFloor('sdk');
const rawFloor = await startFloor('raw');
const rows = [
  {
    name: 'SDK v1 stateless example, `resources/read`',
    child: example,
    url: SDK_EXAMPLE_URL,
    body: SDK_RESOURCE_BODY,
  },
  { name: 'floor: Hono + SDK v2 transport, pooled server, constant tool', ...sdkFloor, body: callBody },
  { name: 'floor: node:http, the same JSON-RPC answer, no SDK', ...rawFloor, body: callBody },
];
const results = new Map(rows.map((r) => [r.name, []]));
try {
  for (let round = 1; round <= rounds; round++) {
    for (const row of rows) {
      const options = { url: row.url, method: 'POST', headers, body: row.body, connections, pipelining: 1 };
      await autocannon({ ...options, duration: 2 });
      const cpu0 = cpuMs(row.child.pid);
      const r = await autocannon({ ...options, duration });
      const cpu = (cpuMs(row.child.pid) - cpu0) / r.requests.total;
      results.get(row.name).push({ rps: r.requests.average, cpu, bad: r.non2xx + r.errors + r.timeouts });
      log(
        `round ${round} ${row.name}: ${Math.round(r.requests.average)} req/s, ${cpu.toFixed(3)} ms CPU/request`,
      );
    }
  }
} finally {
  for (const row of rows) await stop(row.child);
}
const base = median(results.get(rows[0].name).map((x) => x.rps));
const table = rows.map((row) => {
  const xs = results.get(row.name);
  const rps = median(xs.map((x) => x.rps));
  return `| ${row.name} | ${Math.round(rps)} | ${(rps / base).toFixed(2)} | ${median(xs.map((x) => x.cpu)).toFixed(3)} | ${xs.map((x) => Math.round(x.rps)).join(', ')} | ${xs.reduce((s, x) => s + x.bad, 0)} |`;
});
await writeDocSection(
  join(ROOT, 'docs', 'benchmarks.md'),
  'sdk-floor',
  [
    '## The floor under a secured call (issue 17)',
    '',
    `Run on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node.js ${process.version}, 2 CPUs shared with autocannon ${pkgVersion(ROOT, 'autocannon')}; @modelcontextprotocol/sdk ${pkgVersion(ROOT, '@modelcontextprotocol/sdk')} (the example), @modelcontextprotocol/server ${pkgVersion(ROOT, '@modelcontextprotocol/server')} (the floor).`,
    `Method: \`npm run bench:sdk-floor\` (\`bench/sdk-floor.mjs\`): each server in its own process, ${connections} connections, pipelining 1, 2 s warm-up and ${duration} s measured per cell, ${rounds} interleaved rounds, medians; CPU is the server process's user + system time over the measured run per request.`,
    '',
    '| server | req/s | × example | CPU ms/request | every round req/s | not 2xx |',
    '| --- | --: | --: | --: | --: | --: |',
    ...table,
  ].join('\n'),
);
