/**
 * A Taskgate deployment on one machine, as docs/deployment.md describes it: a private
 * PostgreSQL cluster, `taskgate serve` instances sharing its database and secret, and HAProxy
 * (Debian's package) in front with deploy/haproxy.cfg — the file compose.yaml mounts —
 * health-checking each instance's `/readyz` and passing the client address in
 * `X-Forwarded-For` to instances that trust it. Used by scripts/cluster.mjs (a person's
 * cluster), test/cluster/ (the drill) and bench/cluster-scaling.mjs (sizing).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, startPrivatePostgres } from './private-postgres.mjs';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
/** deploy/haproxy.cfg: the load balancer compose.yaml runs, run here as it is. */
export const HAPROXY_CONFIG = fileURLToPath(new URL('../../deploy/haproxy.cfg', import.meta.url));

/**
 * The health check deploy/haproxy.cfg sets, read from it so the drain delay below keeps in
 * step: an instance told to stop answers `/readyz` 503 for the drain delay, which must outlast
 * `fall` failed checks `inter` apart, plus one interval, before its listener closes.
 */
export function healthCheckOf(config) {
  const match = /default-server check inter (\d+)(ms|s) fall (\d+)/.exec(config);
  if (!match) throw new Error('deploy/haproxy.cfg: no "default-server check inter … fall …" line');
  const interMs = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
  const fall = Number(match[3]);
  return { interMs, fall, drainDelayMs: interMs * (fall + 2) };
}

/**
 * What only this machine's run adds to deploy/haproxy.cfg (a second `-f` file): the runtime API
 * socket (to take an instance out of rotation) and the stats page (HAProxy's view of each).
 */
function localAdditions({ socket, statsPort }) {
  return `global
  stats socket ${socket} mode 600 level admin

listen stats
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /stats
`;
}

function child(command, args, { env, logFile, stdinText } = {}) {
  const proc = spawn(command, args, {
    env,
    stdio: [stdinText === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  let out = '';
  let err = '';
  proc.stdout.on('data', (c) => {
    out += c;
    log?.write(c);
  });
  proc.stderr.on('data', (c) => {
    err = (err + c).slice(-8000);
    log?.write(c);
  });
  if (stdinText !== undefined) proc.stdin.end(stdinText);
  proc.exited = new Promise((done) =>
    proc.once('exit', (code, signal) => {
      log?.end();
      done({ code, signal, out, err });
    }),
  );
  return proc;
}

async function waitFor(what, check, timeoutMs = READY_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const answers = async (url, status = 200) => {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status === status;
};

/**
 * Starts PostgreSQL, `instances` Taskgate instances (all at once: one migrates, the others
 * wait on the migration lock), seeds the demo workspace through the first, and HAProxy.
 * `env` adds settings to every instance. Returns handles to stop and start instances, run
 * the CLI against the shared database, read HAProxy's view, and tear it all down.
 */
export async function startCluster({ instances = 3, env = {}, durable = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'taskgate-cluster-'));
  const postgres = await startPrivatePostgres({ durable, maxConnections: 100 });
  const cleanup = [() => postgres.destroy(), () => rmSync(dir, { recursive: true, force: true })];
  const cluster = { dir, postgres, instances: [] };
  try {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('CREATE DATABASE taskgate');
    await admin.end();
    const databaseUrl = postgres.url.replace(/\/postgres$/, '/taskgate');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // Generated per cluster, never written anywhere but the instances' environment.
    const secret = randomBytes(32).toString('base64url');
    const baseEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TASKGATE_DATABASE_URL: databaseUrl,
      TASKGATE_SECRET_KEY: secret,
      TASKGATE_PUBLIC_URL: url,
      TASKGATE_TRUSTED_PROXIES: '127.0.0.1/32',
      TASKGATE_SHUTDOWN_DRAIN_DELAY_MS: String(
        healthCheckOf(readFileSync(HAPROXY_CONFIG, 'utf8')).drainDelayMs,
      ),
      TASKGATE_LOG_LEVEL: 'warn',
      ...env,
    };
    Object.assign(cluster, { url, databaseUrl, env: baseEnv });

    cluster.cli = async (args, stdinText) => {
      const run = child(process.execPath, [MAIN, ...args, '--json'], {
        env: { ...baseEnv, TASKGATE_DATA_DIR: join(dir, 'cli') },
        stdinText,
      });
      const { code, out, err } = await run.exited;
      if (code !== 0) throw new Error(`taskgate ${args.slice(0, 2).join(' ')} exited ${code}: ${err}`);
      return JSON.parse(out);
    };

    for (let i = 0; i < instances; i++) {
      const instance = { name: `taskgate-${i + 1}`, port: await freePort(), starts: 0 };
      instance.url = `http://127.0.0.1:${instance.port}`;
      instance.start = async (command = 'serve') => {
        mkdirSync(join(dir, instance.name), { recursive: true });
        instance.starts += 1;
        instance.proc = child(
          process.execPath,
          [MAIN, command, '--port', String(instance.port), '--host', '127.0.0.1', '--json'],
          {
            env: { ...baseEnv, TASKGATE_DATA_DIR: join(dir, instance.name) },
            logFile: join(dir, `${instance.name}.log`),
          },
        );
        const exited = instance.proc.exited.then(({ code, err }) => {
          throw new Error(`${instance.name} exited (${code}) before it was ready: ${err}`);
        });
        await Promise.race([
          waitFor(`${instance.name} /readyz`, () => answers(`${instance.url}/readyz`)),
          exited,
        ]);
        exited.catch(() => undefined);
      };
      /** SIGTERM (a graceful stop) or SIGKILL; resolves with how the process ended. */
      instance.stop = async (signal = 'SIGTERM') => {
        const proc = instance.proc;
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) return proc && (await proc.exited);
        proc.kill(signal);
        return proc.exited;
      };
      cluster.instances.push(instance);
    }
    cleanup.unshift(() => Promise.all(cluster.instances.map((i) => i.stop('SIGKILL'))));
    // All at once: the schema is migrated by one while the others wait for its lock.
    await Promise.all(cluster.instances.map((instance, i) => instance.start(i === 0 ? 'demo' : 'serve')));

    const statsPort = await freePort();
    const extraFile = join(dir, 'haproxy-local.cfg');
    const socket = join(dir, 'haproxy.sock');
    writeFileSync(extraFile, localAdditions({ socket, statsPort }));
    const haproxy = child('haproxy', ['-f', HAPROXY_CONFIG, '-f', extraFile, '-db'], {
      env: {
        PATH: process.env.PATH,
        TASKGATE_LB_BIND: `127.0.0.1:${port}`,
        ...Object.fromEntries(cluster.instances.map((i, n) => [`TASKGATE_${n + 1}`, `127.0.0.1:${i.port}`])),
      },
      logFile: join(dir, 'haproxy.log'),
    });
    cleanup.unshift(async () => {
      haproxy.kill('SIGKILL');
      await haproxy.exited;
    });
    cluster.haproxy = haproxy;
    /** HAProxy's view of each instance: `UP`, `DOWN`, `UP 1/2`, `NOLB`, … by instance name. */
    cluster.backendStatus = async () => {
      const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
      const status = {};
      for (const line of csv.split('\n')) {
        const cols = line.split(',');
        if (cols[0] === 'taskgate' && cols[1]?.startsWith('taskgate-')) status[cols[1]] = cols[17];
      }
      return status;
    };
    /** Takes an instance out of rotation (`MAINT`) or puts it back, through HAProxy's runtime API. */
    cluster.setEnabled = (name, enabled) =>
      new Promise((resolve, reject) => {
        const conn = createConnection(socket, () =>
          conn.end(`${enabled ? 'enable' : 'disable'} server taskgate/${name}\n`),
        );
        let answer = '';
        conn.on('data', (c) => {
          answer += c;
        });
        conn.once('error', reject);
        conn.once('close', () =>
          answer.trim() === '' ? resolve() : reject(new Error(`haproxy: ${answer.trim()}`)),
        );
      });
    cluster.waitForStatus = (name, want, timeoutMs = 20_000) =>
      waitFor(
        `HAProxy sees ${name} ${want}`,
        async () => (await cluster.backendStatus())[name] === want,
        timeoutMs,
      );
    const failed = haproxy.exited.then(({ code, err }) => {
      throw new Error(`haproxy exited (${code}): ${err}`);
    });
    failed.catch(() => undefined);
    await Promise.race([waitFor('HAProxy up', () => answers(`${url}/readyz`)), failed]);
    for (const instance of cluster.instances) await cluster.waitForStatus(instance.name, 'UP');

    cluster.destroy = async () => {
      for (const step of cleanup) await Promise.resolve(step()).catch(() => undefined);
    };
    return cluster;
  } catch (error) {
    for (const step of cleanup) await Promise.resolve(step()).catch(() => undefined);
    throw error;
  }
}
