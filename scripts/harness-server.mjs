/**
 * A real Taskgate for the scripts that drive third-party MCP software against it
 * (`conformance.mjs`, `clients-matrix.mjs`): the built app (`dist/`) in this process on
 * 127.0.0.1, a temporary SQLite database seeded with the demo workspace, and a `full`
 * development key minted through the key service. Authentication is the real one.
 *
 * `fixtures: true` registers the conformance suite's fixture tools, resources and prompts
 * on the same server factory (`extendMcpServer`), behind the same key check — a test-only
 * hook that `taskgate serve` never sets.
 *
 *   const server = await startHarnessServer({ fixtures: true });
 *   // server.url, server.mcpUrl, server.key, server.app, server.log(), await server.close()
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `dist/` modules, loaded only once the build exists. */
async function loadDist() {
  const load = (path) => import(pathToFileURL(join(root, 'dist', path)).href);
  if (!existsSync(join(root, 'dist', 'main.js'))) throw new Error('dist/ missing: run npm run build');
  const [app, config, domain, core] = await Promise.all([
    load('app.js'),
    load('config/index.js'),
    load('domain/index.js'),
    load('core/index.js'),
  ]);
  return { ...app, ...config, ...domain, ...core };
}

/**
 * @param {{ fixtures?: boolean, policy?: Record<string, unknown>, env?: Record<string, string> }} [options]
 *   `policy`: a safe-write policy patch for the demo workspace (as `taskgate policy set`).
 */
export async function startHarnessServer(options = {}) {
  const dist = await loadDist();
  const work = mkdtempSync(join(tmpdir(), 'taskgate-harness-'));
  const lines = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      if (lines.length > 200) lines.shift();
      done();
    },
  });
  const pino = (await import('pino')).pino;
  const config = dist.loadConfig({
    env: {
      TASKGATE_DATABASE_URL: `sqlite:${join(work, 't.db')}`,
      TASKGATE_HOST: '127.0.0.1',
      // A fixed free port, so the public URL (issuer, resource, Host check) is the real one.
      TASKGATE_PORT: String(await freePort()),
      TASKGATE_LOG_LEVEL: 'info',
      ...options.env,
    },
  });
  const fixtures = options.fixtures
    ? (await import('./conformance-fixtures.mjs')).registerConformanceFixtures
    : undefined;
  const app = await dist.createApp(config, {
    logger: pino({ level: 'info' }, logStream),
    database: { create: true },
    ...(fixtures && { extendMcpServer: fixtures }),
  });
  await dist.seedDemoWorkspace(app.domain, app.clock, app.random);
  if (options.policy) await app.policy.set(null, dist.DEMO_WORKSPACE, options.policy);
  const issued = await app.keys.create({
    workspace: dist.DEMO_WORKSPACE,
    name: 'harness-runner',
    environment: 'development',
    preset: 'full',
  });
  const running = await dist.listen(app);
  return {
    app,
    url: running.url,
    mcpUrl: `${running.url}/mcp`,
    key: issued.secret,
    log: () => lines.join(''),
    async close() {
      await running.close();
      await app.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
