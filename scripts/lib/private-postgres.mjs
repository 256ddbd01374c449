/**
 * A private PostgreSQL cluster: initdb into a temporary directory, its own port and unix
 * socket directory, never the shared server at 5432 — so a fault test may stop, crash or pause
 * it, and the cluster script (scripts/cluster.mjs) may run a deployment on it, without touching
 * anyone else. As root (the CI container), initdb and the server run as the `postgres` OS user,
 * which must own the data. Types: private-postgres.d.mts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const START_TIMEOUT_S = 30;

function binDir() {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  try {
    const initdb = execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim();
    return initdb ? initdb.replace(/\/initdb$/, '') : undefined;
  } catch {
    return undefined;
  }
}

export function privatePostgresAvailable() {
  const available = binDir() !== undefined;
  if (!available && process.env.CI)
    throw new Error('CI is set but initdb was not found: the private PostgreSQL fault tests must run in CI.');
  return available;
}

/** Who runs the server: ourselves, or `postgres` when we are root (initdb refuses root). */
function serverUser() {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

function run(bin, args, user) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      ...(user && { uid: user.uid, gid: user.gid }),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk) => {
      output += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${bin} ${args.join(' ')} exited ${code}\n${output}`)),
    );
  });
}

/** The pids of `pid`'s children, read from /proc. */
function childrenOf(pid) {
  const children = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return children;
}

export async function startPrivatePostgres({ durable = false, maxConnections = 60 } = {}) {
  const bin = binDir();
  if (!bin) throw new Error('initdb not found: cannot make a private PostgreSQL cluster');
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'taskgate-pg-'));
  const data = join(dir, 'data');
  const socketDir = join(dir, 'sock');
  const logFile = join(dir, 'server.log');
  if (user) chownSync(dir, user.uid, user.gid);
  await run(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', ...(durable ? [] : ['--no-sync']), '-E', 'UTF8'],
    user,
  );
  await run('mkdir', ['-p', socketDir], user);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${socketDir}`,
    "-c listen_addresses='127.0.0.1'",
    `-c max_connections=${maxConnections}`,
    // Fault tests crash Taskgate and PostgreSQL, never the machine, and a crashed server still
    // recovers from its WAL: they trade the cluster's own durability for speed. A deployment
    // (the cluster script) keeps PostgreSQL's defaults.
    ...(durable ? [] : ['-c fsync=off', '-c full_page_writes=off', '-c shared_buffers=16MB']),
  ].join(' ');
  const pgCtl = (args) => run(join(bin, 'pg_ctl'), ['-D', data, ...args], user);
  let paused = false;
  const postmasterPid = () => {
    try {
      return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  };
  const signalAll = (signal) => {
    const pid = postmasterPid();
    if (!pid) return;
    // The postmaster first on stop (no new children behind our back), last on resume.
    const order = signal === 'SIGSTOP' ? [pid, ...childrenOf(pid)] : [...childrenOf(pid), pid];
    for (const p of order) {
      try {
        process.kill(p, signal);
      } catch {
        // Exited meanwhile.
      }
    }
  };

  const cluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await pgCtl(['-l', logFile, '-w', '-t', String(START_TIMEOUT_S), '-o', options, 'start']);
    },
    async stop(mode) {
      await pgCtl(['-m', mode, '-w', '-t', String(START_TIMEOUT_S), 'stop']);
    },
    pause() {
      signalAll('SIGSTOP');
      paused = true;
    },
    resume() {
      signalAll('SIGCONT');
      paused = false;
    },
    async terminateBackends() {
      const client = new pg.Client({ connectionString: cluster.url });
      await client.connect();
      try {
        const { rows } = await client.query(
          `select count(*) filter (where pg_terminate_backend(pid)) as n from pg_stat_activity
           where pid <> pg_backend_pid() and backend_type = 'client backend'`,
        );
        return Number(rows[0]?.n ?? 0);
      } finally {
        await client.end();
      }
    },
    async destroy() {
      if (paused) cluster.resume();
      if (postmasterPid()) await cluster.stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
    log() {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    const log = cluster.log();
    await cluster.destroy();
    throw new Error(`the private PostgreSQL cluster did not start: ${String(error)}\n${log}`);
  }
  return cluster;
}
