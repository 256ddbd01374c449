#!/usr/bin/env node
/**
 * Runs a Taskgate cluster on this machine: a private PostgreSQL, three `taskgate serve`
 * instances and HAProxy in front (scripts/lib/cluster.mjs), until Ctrl-C.
 *
 *   npm run build && node scripts/cluster.mjs [--instances N]
 *
 * It prints the load balancer's URL, a `full` key for the demo workspace (shown once, as the
 * CLI does), and how to stop or restart an instance to watch HAProxy take it out. `--drill`
 * runs the drill the cluster test runs (scripts/lib/cluster-drill.mjs) and prints its report.
 * Needs initdb (PostgreSQL's server package) and haproxy on the PATH.
 */
import { parseArgs } from 'node:util';
import { startCluster } from './lib/cluster.mjs';
import { runDrill } from './lib/cluster-drill.mjs';

const { values } = parseArgs({
  options: { instances: { type: 'string', default: '3' }, drill: { type: 'boolean', default: false } },
});
const instances = Number(values.instances);
if (!Number.isInteger(instances) || instances < 1 || instances > 9) {
  process.stderr.write('cluster: --instances must be a whole number from 1 to 9\n');
  process.exit(2);
}

if (values.drill) {
  try {
    process.stdout.write(`${JSON.stringify(await runDrill({ instances }), null, 2)}\n`);
  } catch (error) {
    process.stderr.write(`cluster drill failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  }
} else {
  const cluster = await startCluster({ instances });
  const stopAll = async () => {
    await cluster.destroy();
    process.exit(0);
  };
  process.once('SIGINT', () => void stopAll());
  process.once('SIGTERM', () => void stopAll());
  const key = await cluster.cli([
    'keys',
    'create',
    '--workspace',
    'demo',
    '--name',
    'cluster-operator',
    '--env',
    'development',
    '--preset',
    'full',
  ]);
  process.stdout.write(
    [
      `Taskgate behind HAProxy: ${cluster.url}/mcp (console ${cluster.url}/admin)`,
      `key (shown once): ${key.key}`,
      `database: ${cluster.databaseUrl}`,
      ...cluster.instances.map((i) => `  ${i.name}: ${i.url} (pid ${i.proc.pid})`),
      `logs: ${cluster.dir}`,
      'kill -TERM <pid> drains an instance (watch HAProxy mark it DOWN); Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}
