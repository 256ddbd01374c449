/**
 * What the security contract costs a secured call, against issue 17's "≥ 2× the SDK example":
 * SQLite `get_task` as built, and with parts of the contract cut out of a throwaway copy of the
 * build — the call's audit event (neither built nor written), the request limits, the anomaly
 * watch, and all three — beside the SDK example, at 32 connections in interleaved rounds. If a
 * build without them comes no further than 2×, the build with them cannot get there.
 *
 * Nothing in the product can switch these off. The copy is the unbundled TypeScript output in a
 * temporary directory, each cut a one-line edit of its JavaScript (`CUTS` below: an edit whose
 * anchor is not found exactly once stops the bench), taking effect only in a process whose
 * preload sets `globalThis.__taskgateAblate`. Each cell is checked: one audit row per request
 * where the audit is kept and none where it is cut; a `RateLimit` header only where limits are.
 * Writes the section `contract-ablation` of docs/benchmarks.md.
 *
 *   npm run bench:contract-ablation [-- --rounds 5 --duration 6 --warmup 2 --connections 32]
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { expect, loadSummary, log, positiveInteger, roundSettings, stop } from './lib/children.mjs';
import { writeDocSection } from './lib/doc-section.mjs';
import { pkgVersion } from './lib/net.mjs';
import { cpuMs, totalCpuMs } from './lib/proc.mjs';
import { SDK_EXAMPLE_URL, SDK_RESOURCE_BODY, startSdkExample } from './lib/sdk-example.mjs';
import { MCP_HEADERS, startTaskgate, toolCall } from './lib/taskgate-target.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
  },
});
const { rounds, duration, warmup } = roundSettings(values);
const connections = positiveInteger(values.connections, 'connections');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** file (under dist/), anchor, what replaces it; `A` is the process's set of cuts. */
const A = 'globalThis.__taskgateAblate';
const CUTS = {
  audit: [
    'audit/audit-log.js',
    '        append(draft) {\n',
    `        append(draft) {\n            if (${A}?.audit) return Promise.resolve({ id: 'ablated' });\n`,
  ],
  limits: [
    'http/mcp-route.js',
    'const check = await limits?.checkCall(',
    `const check = ${A}?.limits ? undefined : await limits?.checkCall(`,
  ],
  anomaly: [
    'guard/watch.js',
    "if (!anomaly || ran.record.audit !== 'written')",
    `if (${A}?.anomaly || !anomaly || ran.record.audit !== 'written')`,
  ],
};
const VARIANTS = [
  { name: 'Taskgate SQLite `get_task`, as built', cut: [] },
  { name: 'without the audit event', cut: ['audit'] },
  { name: 'without request limits', cut: ['limits'] },
  { name: 'without the anomaly watch', cut: ['anomaly'] },
  { name: 'without all three', cut: ['audit', 'limits', 'anomaly'] },
];

/** The unbundled build (one file per module, so each cut is a line in a known file). */
async function ablatableCopy() {
  const dir = await mkdtemp(join(tmpdir(), 'taskgate-ablation-'));
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  for (const name of ['node_modules', 'package.json', 'bench'])
    await symlink(join(ROOT, name), join(dir, name));
  for (const [file, anchor, replacement] of Object.values(CUTS)) {
    const path = join(dir, 'dist', file);
    const text = await readFile(path, 'utf8');
    expect(text.split(anchor).length === 2, `${file}: the cut's anchor is not there exactly once`);
    await writeFile(path, text.replace(anchor, replacement));
  }
  return dir;
}

const copy = await ablatableCopy();
const body = toolCall('get_task', { task: 'APO-1' });
const rows = [];
try {
  const example = await startSdkExample(ROOT);
  rows.push({ name: 'SDK v1 stateless example, `resources/read`', child: example, url: SDK_EXAMPLE_URL });
  for (const variant of VARIANTS) {
    const preload = join(copy, `ablate-${rows.length}.cjs`);
    const cuts = Object.fromEntries(variant.cut.map((c) => [c, true]));
    await writeFile(preload, `${A} = ${JSON.stringify(cuts)};\n`);
    const target = await startTaskgate(copy, 'sqlite', { nodeFlags: ['--require', preload] });
    rows.push({ ...variant, target, child: target.child, url: target.url });
  }
  const results = new Map(rows.map((r) => [r.name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const row of rows) {
      let headers = MCP_HEADERS;
      let key;
      if (row.target) {
        key = await row.target.newKey();
        headers = { ...MCP_HEADERS, authorization: `Bearer ${key.secret}` };
        if (!row.cut.includes('limits')) await row.target.waitForLimits(headers, body);
      }
      const options = { url: row.url, method: 'POST', headers, body: row.target ? body : SDK_RESOURCE_BODY };
      await autocannon({ ...options, connections, pipelining: 1, duration: warmup });
      const pid = row.child.pid;
      const pids = row.target ? row.target.pids() : [pid];
      const [all0, main0] = [totalCpuMs(pids), cpuMs(pid, pid)];
      const r = await autocannon({ ...options, connections, pipelining: 1, duration });
      const n = r.requests.total;
      const cell = {
        ...loadSummary(r),
        cpu: (totalCpuMs(pids) - all0) / n,
        main: (cpuMs(pid, pid) - main0) / n,
      };
      if (row.target) await checkCell(row, key, headers);
      results.get(row.name).push(cell);
      log(`round ${round} ${row.name}: ${Math.round(cell.rps)} req/s, ${cell.cpu.toFixed(3)} ms CPU/request`);
    }
  }
  await writeTable(results);
} finally {
  for (const row of rows) await (row.target ? row.target.close() : stop(row.child));
  await rm(copy, { recursive: true, force: true });
}

/** The cut took effect, and nothing else did: audit rows and the RateLimit header as expected. */
async function checkCell(row, key, headers) {
  const res = await fetch(row.url, { method: 'POST', headers, body });
  await res.text();
  expect(res.status === 200, `${row.name}: a call answered ${res.status}`);
  const limited = res.headers.get('ratelimit') !== null;
  expect(
    limited !== row.cut.includes('limits'),
    `${row.name}: RateLimit header ${limited ? 'sent' : 'missing'}`,
  );
  // The last call's row is durable before its answer; the flood's rows came before it.
  const audited = row.target.auditRows(key.id) > 0;
  expect(audited !== row.cut.includes('audit'), `${row.name}: audit rows ${audited ? 'written' : 'missing'}`);
}

async function writeTable(results) {
  const sdk = results.get(rows[0].name);
  const ratio = (xs) => xs.map((x, i) => (x.rps / sdk[i].rps).toFixed(2));
  const line = (name) => {
    const xs = results.get(name);
    const rps = median(xs.map((x) => x.rps));
    return `| ${name} | ${Math.round(rps)} | ${(rps / median(sdk.map((x) => x.rps))).toFixed(2)} | ${ratio(xs).join(', ')} | ${median(xs.map((x) => x.cpu)).toFixed(3)} | ${median(xs.map((x) => x.main)).toFixed(3)} | ${xs.map((x) => Math.round(x.rps)).join(', ')} | ${xs.reduce((s, x) => s + x.bad, 0)} |`;
  };
  await writeDocSection(
    join(ROOT, 'docs', 'benchmarks.md'),
    'contract-ablation',
    [
      '## What the security contract costs a secured call (issue 17)',
      '',
      `Run on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node.js ${process.version}, 2 CPUs shared with autocannon ${pkgVersion(ROOT, 'autocannon')}; @modelcontextprotocol/sdk ${pkgVersion(ROOT, '@modelcontextprotocol/sdk')} (the example).`,
      `Method: \`npm run bench:contract-ablation\` (\`bench/contract-ablation.mjs\`): \`get_task\` on a fresh SQLite \`demo\` per build, set up as in the secured-call table (limits raised, flood rules off), a fresh key per cell; the cuts are made in a throwaway copy of the build, never in the product. ${connections} connections, pipelining 1, ${warmup} s warm-up and ${duration} s measured per cell, ${rounds} interleaved rounds, medians. CPU is the server process's user + system time per request, all threads and the main thread alone. Each cell was checked: audit rows where the audit is kept and none where it is cut, a \`RateLimit\` header only where limits are.`,
      '',
      '| build | req/s | × sdk | × sdk, every round | CPU ms/request | main thread | every round req/s | not 2xx |',
      '| --- | --: | --: | --- | --: | --: | --- | --: |',
      ...rows.map((row) => line(row.name)),
    ].join('\n'),
  );
}
