/**
 * Sizing a cluster (issue 18, docs/deployment.md): the cluster of scripts/lib/cluster.mjs (a
 * private PostgreSQL, three `taskgate serve` instances, HAProxy), driven by autocannon through
 * HAProxy with 1, 2 and 3 instances in rotation (the others put in maintenance through
 * HAProxy's runtime API), and one instance without HAProxy, in interleaved rounds of one run.
 * Writes the section `cluster-scaling` of docs/benchmarks.md.
 *
 *   npm run build && npm run bench:cluster-scaling [-- --rounds 3 --duration 8 --connections 32]
 */
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startCluster } from '../scripts/lib/cluster.mjs';
import { setLimits } from '../scripts/lib/cluster-drill.mjs';
import { log, positiveInteger } from './lib/children.mjs';
import { writeDocSection } from './lib/doc-section.mjs';
import { pkgVersion } from './lib/net.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
  },
});
const rounds = positiveInteger(values.rounds, 'rounds');
const duration = positiveInteger(values.duration, 'duration');
const warmup = positiveInteger(values.warmup, 'warmup');
const connections = positiveInteger(values.connections, 'connections');

const cluster = await startCluster({ instances: 3 });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  await setLimits(cluster.cli, 100_000);
  await cluster.cli(['alerts', 'rules', 'set', '--workspace', 'demo', 'callBurst.enabled=false']);
  const key = await cluster.cli([
    'keys',
    'create',
    '--workspace',
    'demo',
    '--name',
    'bench-cluster',
    '--env',
    'development',
  ]);
  const request = {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key.key}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'get_task', arguments: { task: 'APO-1' } },
    }),
  };
  // Settings are re-read by each instance within seconds.
  await new Promise((r) => setTimeout(r, 6000));
  const rows = [
    { name: 'one instance, no HAProxy', url: cluster.instances[0].url, inRotation: 1 },
    { name: 'HAProxy, 1 instance', url: cluster.url, inRotation: 1 },
    { name: 'HAProxy, 2 instances', url: cluster.url, inRotation: 2 },
    { name: 'HAProxy, 3 instances', url: cluster.url, inRotation: 3 },
  ];
  const results = new Map(rows.map((r) => [r.name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const row of rows) {
      for (const [i, instance] of cluster.instances.entries()) {
        await cluster.setEnabled(instance.name, i < row.inRotation);
      }
      const options = { url: `${row.url}/mcp`, connections, pipelining: 1, ...request };
      await autocannon({ ...options, duration: warmup });
      const before = loadavg()[0];
      const r = await autocannon({ ...options, duration });
      const bad = r.non2xx + r.errors + r.timeouts;
      results.get(row.name).push({
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        bad,
        load: [before, loadavg()[0]],
      });
      log(
        `round ${round} ${row.name}: ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms, ${bad} not 2xx`,
      );
    }
  }
  const base = median(results.get('HAProxy, 1 instance').map((x) => x.rps));
  const table = rows.map((row) => {
    const xs = results.get(row.name);
    const rps = median(xs.map((x) => x.rps));
    return `| ${row.name} | ${Math.round(rps)} | ${median(xs.map((x) => x.p50))} / ${median(xs.map((x) => x.p99))} | ${(rps / base).toFixed(2)} | ${xs.reduce((s, x) => s + x.bad, 0)} |`;
  });
  const loads = rows.flatMap((row) =>
    results
      .get(row.name)
      .map((x, i) => `${row.name} r${i + 1} ${x.load[0].toFixed(1)} → ${x.load[1].toFixed(1)}`),
  );
  await writeDocSection(
    join(ROOT, 'docs', 'benchmarks.md'),
    'cluster-scaling',
    [
      '## A cluster behind HAProxy: 1 to 3 instances',
      '',
      `Run on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node.js ${process.version}, HAProxy from Debian, 2 CPUs shared by PostgreSQL, HAProxy, every instance and autocannon ${pkgVersion(ROOT, 'autocannon')}.`,
      `Method: \`npm run bench:cluster-scaling\` (\`bench/cluster-scaling.mjs\`) starts the cluster of \`scripts/cluster.mjs\` (a private PostgreSQL with its default durability, three \`taskgate serve\`, HAProxy round-robin) and drives \`get_task\` with one \`standard\` key, ${connections} connections, pipelining 1, ${warmup} s warm-up and ${duration} s measured per cell, ${rounds} interleaved rounds, medians; instances beyond the row's count are in HAProxy maintenance (still running). Limits raised to 100000/min and the call-burst rule off so the flood is served.`,
      '',
      '| setup | req/s | p50 / p99 ms | × HAProxy with 1 | not 2xx |',
      '| --- | --: | --: | --: | --: |',
      ...table,
      '',
      `Load (1-minute average before → after each measured run): ${loads.join('; ')}.`,
      '',
      'Read: on two CPUs the instances, PostgreSQL, HAProxy and the load generator compete for the same cores, so more instances cannot add CPU here: the 2- and 3-instance rows show what spreading costs or gains on one machine, not how a cluster of machines scales. On separate machines each instance brings its own cores; PostgreSQL is then the shared part to size.',
    ].join('\n'),
  );
} finally {
  await cluster.destroy();
}
