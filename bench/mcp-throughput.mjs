#!/usr/bin/env node
/**
 * MCP throughput, in one run on one machine (`npm run bench`; needs `npm run build` first):
 *
 *   1. raw Hono JSON echo            — the floor: Hono + @hono/node-server, no MCP at all
 *   2. the SDK's stateless example   — @modelcontextprotocol/sdk v1
 *                                      examples/server/simpleStatelessStreamableHttp.js, run
 *                                      as shipped (it hardcodes port 3000)
 *   3. Taskgate `get_task`           — dist/main.js demo on a fresh SQLite file, one API key,
 *                                      one audit row per request
 *
 * Every target runs in its own child process on 127.0.0.1; autocannon (32 connections,
 * pipelining 1) runs here: a 3 s warm-up, then a 10 s measurement, targets one after the
 * other. The table goes to docs/benchmarks.md between the mcp-throughput markers; the rest
 * of that file is left alone. Speed targets live here, never as timed assertions in tests.
 *
 * Flags: --duration <s> (10), --warmup <s> (3), --connections <n> (32),
 * --only <hono,sdk-tool,sdk-resource,taskgate>, --no-write (print only),
 * --cpu-prof <dir> (run Taskgate under `node --cpu-prof`, write its profile there; implies
 * --no-write). NODE_OPTIONS reaches the Taskgate process (for experiments with a preloaded
 * patch); no TASKGATE_* variable does. Internal: --hono-echo-server runs the echo server.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, platform, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { expect, fail, log, settled, startChild, stop } from './lib/children.mjs';
import { writeDocSection } from './lib/doc-section.mjs';
import { pkgVersion } from './lib/net.mjs';
import { SDK_EXAMPLE_URL, SDK_RESOURCE_BODY, SDK_TOOL_BODY, startSdkExample } from './lib/sdk-example.mjs';
import { startTaskgate } from './lib/taskgate-target.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const PROTOCOL_VERSION = '2025-11-25';
const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': PROTOCOL_VERSION,
};
const rpc = (method, params) => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
const GET_TASK_BODY = rpc('tools/call', { name: 'get_task', arguments: { task: 'APO-1' } });

const TARGETS = ['hono', 'sdk-tool', 'sdk-resource', 'taskgate'];

/** Target 1, run in a child process so it does not share a thread with autocannon. */
async function honoEchoServer() {
  const { Hono } = await import('hono');
  const { serve } = await import('@hono/node-server');
  const app = new Hono();
  app.post('/echo', async (c) => c.json(await c.req.json()));
  serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}\n`);
  });
  process.once('SIGTERM', () => process.exit(0));
}

async function main() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
      only: { type: 'string', default: TARGETS.join(',') },
      'no-write': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
    },
  });
  const settings = {
    duration: positive(values.duration, 'duration'),
    warmup: Number(values.warmup),
    connections: positive(values.connections, 'connections'),
    cpuProf: values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined,
  };
  const only = new Set(values.only.split(',').map((s) => s.trim()));
  for (const name of only) if (!TARGETS.includes(name)) fail(`--only: unknown target ${name}`);
  const write = !values['no-write'] && !settings.cpuProf && only.size === TARGETS.length;

  await readFile(join(ROOT, 'dist', 'main.js')).catch(() => fail('dist/main.js is missing: npm run build'));
  const { default: autocannon } = await import('autocannon');
  const children = new Set();
  const cleanup = async () => Promise.all([...children].map((child) => stop(child)));
  process.once('SIGINT', () => cleanup().then(() => process.exit(130)));

  const rows = [];
  let audit;
  try {
    /** Warm-up, then `beforeMeasure()`, then the measured run. */
    const measure = async (name, url, body, headers, beforeMeasure = async () => undefined) => {
      const options = {
        url,
        method: 'POST',
        headers,
        body,
        connections: settings.connections,
        pipelining: 1,
      };
      if (settings.warmup > 0) {
        log(`${name}: warm-up ${settings.warmup} s`);
        await autocannon({ ...options, duration: settings.warmup });
      }
      await beforeMeasure();
      log(`${name}: measuring ${settings.duration} s`);
      const load = loadavg()[0];
      const result = await autocannon({ ...options, duration: settings.duration });
      const row = { ...summarize(result), load: [load, loadavg()[0]] };
      log(
        `${name}: ${row.rps.toFixed(0)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, non-2xx ${row.non2xx}`,
      );
      return row;
    };

    if (only.has('hono')) {
      const child = startChild(process.execPath, [fileURLToPath(import.meta.url), '--hono-echo-server'], {
        cwd: ROOT,
      });
      children.add(child);
      const { url } = await child.ready;
      const echo = await fetch(`${url}/echo`, { method: 'POST', headers: MCP_HEADERS, body: GET_TASK_BODY });
      expect(echo.status === 200 && (await echo.text()) === GET_TASK_BODY, 'the Hono echo did not echo');
      rows.push({
        id: 'hono',
        target: 'raw Hono JSON echo',
        what: 'POST /echo: parse the JSON body (the Taskgate `get_task` body) and send it back',
        ...(await measure('hono', `${url}/echo`, GET_TASK_BODY, MCP_HEADERS)),
      });
      await stop(child);
      children.delete(child);
    }

    if (only.has('sdk-tool') || only.has('sdk-resource')) {
      const child = await startSdkExample(ROOT);
      children.add(child);
      const url = SDK_EXAMPLE_URL;
      const runs = [
        {
          id: 'sdk-tool',
          body: SDK_TOOL_BODY,
          marker: 'Started sending periodic notifications',
          what: '`tools/call` `start-notification-stream` `{interval: 0, count: 1}` (its only tool: one logging notification, a 0 ms timer, a text result); new McpServer + transport per request, SSE response',
        },
        {
          id: 'sdk-resource',
          body: SDK_RESOURCE_BODY,
          marker: 'Hello, world!',
          what: '`resources/read` of its static `greeting-resource` (no timer); new McpServer + transport per request, SSE response',
        },
      ];
      for (const run of runs) {
        if (!only.has(run.id)) continue;
        const check = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: run.body });
        const text = await check.text();
        expect(check.status === 200 && text.includes(run.marker), `SDK example ${run.id}: ${check.status}`);
        rows.push({
          id: run.id,
          target: 'SDK v1 stateless example',
          what: run.what,
          ...(await measure(run.id, url, run.body, MCP_HEADERS)),
        });
      }
      await stop(child);
      children.delete(child);
    }

    if (only.has('taskgate')) {
      const result = await benchTaskgate(settings, children, measure);
      rows.push(result.row);
      audit = result.audit;
    }
  } finally {
    await cleanup();
  }

  const section = render(rows, audit, settings);
  process.stdout.write(`\n${section}\n`);
  if (write) {
    await writeDocSection(DOC, 'mcp-throughput', section);
    log(`wrote ${DOC}`);
  } else {
    log('docs/benchmarks.md not written (partial run, --no-write or --cpu-prof)');
  }
}

async function benchTaskgate(settings, children, measure) {
  const nodeFlags = settings.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${settings.cpuProf}`] : [];
  if (settings.cpuProf) await mkdir(settings.cpuProf, { recursive: true });
  // The demo workspace on a fresh SQLite file, set up so the flood is served, not rate limited.
  const target = await startTaskgate(ROOT, 'sqlite', { nodeFlags });
  children.add(target.child);
  try {
    const key = await target.newKey();
    // The secret stays in memory: never printed, never written.
    const headers = { ...MCP_HEADERS, authorization: `Bearer ${key.secret}` };
    await target.waitForLimits(headers, GET_TASK_BODY);
    const check = await fetch(target.url, { method: 'POST', headers, body: GET_TASK_BODY });
    const text = await check.text();
    expect(
      check.status === 200 && text.includes('Freeze the release branch'),
      `Taskgate get_task: HTTP ${check.status}`,
    );
    // Count around the measured run only, after in-flight requests have settled.
    let start = 0;
    const row = await measure('taskgate', target.url, GET_TASK_BODY, headers, async () => {
      start = await settled(() => target.auditRows(key.id));
    });
    const end = await settled(() => target.auditRows(key.id));
    return {
      row: {
        id: 'taskgate',
        target: 'Taskgate',
        what: '`tools/call` `get_task` `{task: "APO-1"}` with an API key: authenticate the key, rate limits, scope check, look up project and task in SQLite, append one audit row (group commit with concurrent requests, `synchronous = FULL`, durable before the response leaves), the anomaly rules',
        ...row,
      },
      audit: { start, end, notOk: target.auditNotOk(key.id), completed: row.total, sent: row.sent },
    };
  } finally {
    children.delete(target.child);
    await target.close();
  }
}

function summarize(result) {
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    total: result.requests.total,
    sent: result.requests.sent,
    seconds: result.duration,
  };
}

function render(rows, audit, settings) {
  const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  const versions = {
    autocannon: pkgVersion(ROOT, 'autocannon'),
    hono: pkgVersion(ROOT, 'hono'),
    'node-server': pkgVersion(ROOT, '@hono/node-server'),
    sdk: pkgVersion(ROOT, '@modelcontextprotocol/sdk'),
    server: pkgVersion(ROOT, '@modelcontextprotocol/server'),
  };
  const lines = [
    '## MCP throughput',
    '',
    `Machine: ${availableParallelism()} CPUs (\`nproc\`), ${cpu}, ${platform()} ${release()}; Node.js ${process.version}; run on ${new Date().toISOString().slice(0, 10)}.`,
    `Method: \`npm run bench\` (\`bench/mcp-throughput.mjs\`) starts each target in its own Node.js process on 127.0.0.1 and drives it with autocannon ${versions.autocannon} from the bench process: ${settings.connections} connections, pipelining 1, a ${settings.warmup} s warm-up, then ${settings.duration} s measured; targets run one after the other. req/s is autocannon's average per second; p50/p99 are its latency percentiles (whole milliseconds, 2xx responses only); non-2xx counts non-2xx responses plus socket errors and timeouts.`,
    `Versions: hono ${versions.hono}, @hono/node-server ${versions['node-server']}, @modelcontextprotocol/sdk ${versions.sdk} (the example), @modelcontextprotocol/server ${versions.server} (Taskgate). Every request sends \`mcp-protocol-version: ${PROTOCOL_VERSION}\`.`,
    '',
    'These numbers come from one run on a shared machine and are noisy: compare the ratios within this table, not absolute numbers across runs or machines.',
    '',
    '| target | what one request does | req/s | p50 ms | p99 ms | non-2xx |',
    '| --- | --- | --: | --: | --: | --: |',
    ...rows.map(
      (r) =>
        `| ${r.target} | ${r.what} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.non2xx + r.errors + r.timeouts} |`,
    ),
    '',
    `System load (1-minute average before → after each measurement, ${availableParallelism()} CPUs): ${rows
      .map((r) => `${r.id} ${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)}`)
      .join(', ')}. The bench itself keeps about 2 busy; much more means other work shared the machine.`,
    '',
  ];
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  const tg = byId.taskgate;
  const sdkRows = [byId['sdk-tool'], byId['sdk-resource']].filter(Boolean);
  if (tg && sdkRows.length) {
    const fastest = sdkRows.reduce((a, b) => (b.rps > a.rps ? b : a));
    const ratio = tg.rps / fastest.rps;
    const ratios = sdkRows.map((r) => `${(tg.rps / r.rps).toFixed(2)}× its ${label(r.id)}`).join(', ');
    const met = ratio >= 2 && tg.p99 <= 10;
    lines.push(
      `Taskgate / SDK example: ${ratios}. Target (≥ 2× the SDK example's req/s, judged against its faster row, with Taskgate p99 ≤ 10 ms): **${met ? 'met' : 'not met'}** (${ratio.toFixed(2)}×, p99 ${tg.p99} ms).`,
    );
    lines.push(
      `With ${settings.connections} connections and pipelining 1, req/s ≈ ${settings.connections} / mean latency (Little's law), so p99 ≤ 10 ms (hence mean ≤ 10 ms) needs at least ${Math.round((settings.connections * 1000) / 10)} req/s: that bound, not the 2×, is the harder half of the target.`,
    );
    if (byId.hono)
      lines.push(`Taskgate reaches ${((100 * tg.rps) / byId.hono.rps).toFixed(0)}% of the raw Hono echo.`);
    lines.push('');
  }
  if (audit) {
    const added = audit.end - audit.start;
    const kinds = audit.notOk.map((k) => `${k.n} × ${k.action}${k.tool ? ` ${k.tool}` : ''} ${k.outcome}`);
    const oneEach = added >= audit.completed && added <= audit.sent;
    lines.push(
      `Audit: the measured ${settings.duration} s added ${added} rows to \`audit_events\` for the bench key; autocannon completed ${audit.completed} requests and sent ${audit.sent} (those still in flight when it stopped may or may not have reached the server) — ${oneEach ? 'one row per request' : 'MISMATCH: not one row per request'}. Rows of the key with another outcome than ok over the whole run (verification request, warm-up, measurement): ${kinds.join(', ') || 'none'}.`,
      '',
    );
  }
  lines.push(
    'Notes: the SDK example hardcodes port 3000 and listens on every interface (load still goes to 127.0.0.1); it builds a new `McpServer`, registers its prompt, tool and resource and connects a new transport on every request, answers as an SSE stream, and logs a line per request (its stdout is discarded). It registers no simple read-only tool, so both of its calls are shown. Taskgate runs `dist/main.js demo` on a fresh SQLite file (WAL) in a temp dir with a `full`-preset development key, answers JSON, and writes one audit row per tool call before the result leaves (reads are group-committed: concurrent requests share one transaction and one disk sync). SQLite statements are cached by SQL text and MCP servers are pooled per role, so nothing the SDK example rebuilds per request is rebuilt here.',
  );
  return lines.join('\n');
}

const label = (id) => (id === 'sdk-tool' ? '`tools/call`' : '`resources/read`');

function positive(value, name) {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name}: must be a positive number`);
  return n;
}

// Last, so every module-level constant above is initialised first.
if (process.argv[2] === '--hono-echo-server') {
  await honoEchoServer();
} else {
  await main();
}
