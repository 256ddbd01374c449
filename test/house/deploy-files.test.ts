/**
 * The deployment files Docker would run (it cannot run on these machines), held to what is
 * tested here: the Dockerfile's build stage runs the install steps test/cli/packed-install.test.ts
 * runs, in the same order; its health check command works against a real server; compose.yaml
 * has the cluster's services wired to deploy/haproxy.cfg, which HAProxy itself accepts; the
 * systemd unit keeps its hardening.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedServer, startBinary } from '../support/cli-binary.js';
import { INSTALL_STEPS, matchesStep, ROOT } from '../support/packed-install.js';

const run = promisify(execFile);
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The Dockerfile's stages: instructions with continuation lines joined, comments dropped. */
function dockerStages(): Instruction[][] {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  const stages: Instruction[][] = [];
  for (const line of lines) {
    const [, keyword = '', args = ''] = /^\s*(\w+)\s+(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') stages.push([]);
    stages.at(-1)?.push({ keyword: keyword.toUpperCase(), args: args.trim() });
  }
  return stages;
}

const of = (stage: Instruction[], keyword: string) =>
  stage.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);

/** The keys of a YAML mapping block: the lines indented `indent` spaces under `parent:`. */
function yamlKeys(text: string, parent: string, indent: number): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`${parent}:`);
  const end = lines.findIndex((line, i) => i > start && /^\S/.test(line) && !line.startsWith('#'));
  const pattern = new RegExp(`^ {${indent}}([\\w-]+):`);
  return lines.slice(start + 1, end < 0 ? undefined : end).flatMap((line) => pattern.exec(line)?.[1] ?? []);
}

function haproxyInstalled(): boolean {
  try {
    execFileSync('haproxy', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('Dockerfile', () => {
  const stages = dockerStages();
  const build = stages[0]!;
  const runtime = stages.at(-1)!;

  it('runs the tested install steps in its build stage, in the same order', () => {
    expect(of(build, 'FROM')[0]).toMatch(/\bAS build$/i);
    const commands = of(build, 'RUN').flatMap((line) =>
      line.split('&&').map((part) => part.trim().split(/\s+/)),
    );
    const found = INSTALL_STEPS.map((step) => commands.findIndex((words) => matchesStep(words, step)));
    expect(found.every((index) => index >= 0)).toBe(true);
    expect([...found].sort((a, b) => a - b)).toEqual(found);
  });

  it('runs what the build stage installed, as an unprivileged user, with state in a volume', () => {
    expect(of(runtime, 'COPY')).toContain('--from=build /opt/taskgate /opt/taskgate');
    expect(of(runtime, 'RUN').join('\n')).not.toMatch(/\bnpm\b/);
    expect(of(runtime, 'USER')).toHaveLength(1);
    expect(of(runtime, 'USER')[0]).not.toMatch(/^(root|0)(:|$)/);
    expect(of(runtime, 'VOLUME').join(' ')).toContain('/var/lib/taskgate');
    expect(of(runtime, 'ENV').join(' ')).toContain('TASKGATE_DATA_DIR=/var/lib/taskgate');
    expect(of(runtime, 'ENTRYPOINT')).toEqual(['["taskgate"]']);
  });

  describe('health check', () => {
    const [, json = ''] = /\bCMD\s+(\[.*\])$/.exec(of(runtime, 'HEALTHCHECK')[0] ?? '') ?? [];
    const argv = JSON.parse(json || '[]') as string[];
    let dir: string;
    let server: StartedServer<{ url: string }>;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'taskgate-healthcheck-'));
      server = await startBinary(['serve', '--port', '0', '--json'], {
        cwd: dir,
        env: { TASKGATE_DATA_DIR: join(dir, 'data') },
      });
    });

    afterAll(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const check = (port: string) =>
      run(argv[0]!, argv.slice(1), { env: { ...process.env, TASKGATE_PORT: port } }).then(
        () => 0,
        (error: { code?: number }) => error.code ?? -1,
      );

    it('asks /readyz with node itself, no curl', () => {
      expect(argv[0]).toBe('node');
      expect(argv.join(' ')).toContain('/readyz');
    });

    it('passes against a ready server and fails where nothing listens', async () => {
      const port = new URL(server.info.url).port;
      expect(await check(port)).toBe(0);
      await server.stop();
      expect(await check(port)).toBe(1);
    });
  });

  it('keeps the local state, the build and the dependencies out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.git', 'node_modules', 'dist', 'data', '*.db']) expect(ignored).toContain(entry);
  });
});

describe('compose.yaml and deploy/haproxy.cfg', () => {
  const compose = read('compose.yaml');
  const haproxy = read('deploy/haproxy.cfg');

  it('runs PostgreSQL, a migration, three instances and HAProxy', () => {
    expect(yamlKeys(compose, 'services', 2)).toEqual([
      'postgres',
      'migrate',
      'taskgate-1',
      'taskgate-2',
      'taskgate-3',
      'haproxy',
    ]);
    expect(compose).toContain('./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    expect(compose).toMatch(/^ {2}read_only: true$/m);
  });

  it('balances over the three instances, checking /readyz', () => {
    const servers = [...haproxy.matchAll(/^\s*server (\S+) "\$\{TASKGATE_\d-([\w-]+):(\d+)\}"/gm)];
    expect(servers.map((match) => match[1])).toEqual(['taskgate-1', 'taskgate-2', 'taskgate-3']);
    expect(servers.map((match) => match[2])).toEqual(['taskgate-1', 'taskgate-2', 'taskgate-3']);
    expect(new Set(servers.map((match) => match[3]))).toEqual(new Set(['8787']));
    for (const line of ['balance roundrobin', 'option httpchk GET /readyz', 'http-check expect status 200'])
      expect(haproxy).toContain(line);
    expect(haproxy).toMatch(/^\s*option forwardfor$/m);
  });

  it('drains an instance for longer than HAProxy takes to notice it going', () => {
    const check = /default-server check inter (\d+)s fall (\d+)/.exec(haproxy);
    const drain = /TASKGATE_SHUTDOWN_DRAIN_DELAY_MS: "(\d+)"/.exec(compose);
    expect(check && drain).toBeTruthy();
    // fall failed checks `inter` apart, plus one interval for the check in progress.
    expect(Number(drain![1])).toBeGreaterThan(Number(check![1]) * 1000 * (Number(check![2]) + 1));
  });

  it.skipIf(!haproxyInstalled())(
    'is a configuration HAProxy accepts, for Docker and for a host',
    async () => {
      await run('haproxy', ['-c', '-f', join(ROOT, 'deploy/haproxy.cfg')]);
      const host = {
        TASKGATE_1: '127.0.0.1:18781',
        TASKGATE_2: '127.0.0.1:18782',
        TASKGATE_3: '127.0.0.1:18783',
      };
      await run('haproxy', ['-c', '-f', join(ROOT, 'deploy/haproxy.cfg')], {
        env: { ...process.env, ...host },
      });
    },
  );
});

describe('deploy/taskgate.service', () => {
  const unit = read('deploy/taskgate.service');

  it('runs the installed taskgate as its own user, able to write only its state directory', () => {
    expect(unit).toMatch(/^ExecStart=\/opt\/taskgate\/bin\/taskgate serve$/m);
    expect(unit).toMatch(/^User=taskgate$/m);
    for (const line of [
      'ProtectSystem=strict',
      'StateDirectory=taskgate',
      'Environment=TASKGATE_DATA_DIR=/var/lib/taskgate',
      'NoNewPrivileges=yes',
      'CapabilityBoundingSet=',
      'PrivateTmp=yes',
      'ProtectHome=yes',
    ])
      expect(unit.split('\n')).toContain(line);
  });
});
