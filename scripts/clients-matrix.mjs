/**
 * `node scripts/clients-matrix.mjs [--json file]`: connects real third-party MCP clients to a
 * real Taskgate and records what works, for `docs/clients.md`.
 *
 * Each client does four steps against a harness server (`scripts/harness-server.mjs`, demo
 * workspace, a `full` development key, and a policy that asks a confirmation token for
 * creates so the write shows its preview): initialize, tools/list, a read (`list_projects`)
 * and a write (`create_task`, which must come back as a preview with a confirmation, not a
 * created task). A recording proxy in front of the server notes the protocol era each
 * client speaks (the MCP-Protocol-Version header it sends).
 *
 * Clients come from the project (SDK v1 and v2) or from `.cache/clients`
 * (`npm install --prefix .cache/clients …`, never project dependencies); a client that is
 * not installed is reported as skipped.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerPublicClient, signInMember } from './harness-oauth.mjs';
import { root, startHarnessServer } from './harness-server.mjs';

/** The origin of the browser-based client probe (allowed through TASKGATE_CORS_ORIGINS). */
const BROWSER_ORIGIN = 'http://127.0.0.1:5173';

const CLIENTS_DIR = join(root, '.cache', 'clients');
const STEP_TIMEOUT_MS = 60_000;
const READ = { name: 'list_projects', args: {} };
const WRITE = {
  name: 'create_task',
  args: { project: 'APO', title: 'Client matrix check', reason: 'compatibility run' },
};
/** A write answered with a preview and a confirmation token, not executed (policy create: token). */
const isPreview = (text) => /confirm/i.test(text) && !/^Created /m.test(text);

const fromClients = createRequire(join(CLIENTS_DIR, 'package.json'));
const fromProject = createRequire(join(root, 'package.json'));
const load = async (require, spec) => import(pathToFileURL(require.resolve(spec)).href);
const versionOf = (base, pkg) => {
  try {
    return JSON.parse(readFileSync(join(base, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
};

const textOf = (result) =>
  (result?.content ?? [])
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');

/** Every client: a name, its package and version, and `run(ctx)` returning the four steps. */
const CLIENTS = [
  {
    name: 'MCP TypeScript SDK v1 client',
    pkg: '@modelcontextprotocol/sdk',
    require: fromProject,
    base: root,
    auth: 'API key (Authorization header)',
    async run({ url, key, step }) {
      const { Client } = await load(fromProject, '@modelcontextprotocol/sdk/client/index.js');
      const { StreamableHTTPClientTransport } = await load(
        fromProject,
        '@modelcontextprotocol/sdk/client/streamableHttp.js',
      );
      const client = new Client({ name: 'matrix-sdk-v1', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { Authorization: `Bearer ${key}` } },
      });
      await step('initialize', () => client.connect(transport));
      return sdkSteps(client, step, () => client.close());
    },
  },
  {
    name: 'MCP TypeScript SDK v1 client, OAuth',
    pkg: '@modelcontextprotocol/sdk',
    require: fromProject,
    base: root,
    auth: 'OAuth (SDK auth provider, dynamic registration, PKCE)',
    direct: '2025-11-25',
    async run({ url, step, server, row }) {
      const { Client } = await load(fromProject, '@modelcontextprotocol/sdk/client/index.js');
      const { StreamableHTTPClientTransport } = await load(
        fromProject,
        '@modelcontextprotocol/sdk/client/streamableHttp.js',
      );
      const { UnauthorizedError } = await load(fromProject, '@modelcontextprotocol/sdk/client/auth.js');
      const member = await signInMember(server);
      let callback;
      const provider = memoryOAuthProvider('http://127.0.0.1:1/callback', async (authUrl) => {
        callback = await member.approve(authUrl.href);
      });
      const connect = async () => {
        const client = new Client({ name: 'matrix-sdk-v1-oauth', version: '1.0.0' });
        const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
        try {
          await client.connect(transport);
          return client;
        } catch (error) {
          if (!(error instanceof UnauthorizedError) || !callback) throw error;
          const error_ = callback.searchParams.get('error');
          if (error_)
            throw new Error(
              `authorization answered ${error_}: ${callback.searchParams.get('error_description')}`,
            );
          await transport.finishAuth(callback.searchParams.get('code'));
          const again = new Client({ name: 'matrix-sdk-v1-oauth', version: '1.0.0' });
          await again.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }));
          return again;
        }
      };
      const client = await step('initialize', connect);
      // Issue 13 point 9: a client registered for refresh_token gets one when the member consents.
      row.info.push(
        `refresh token issued: ${provider.tokens()?.refresh_token ? 'yes' : 'no (issue 13 point 9)'}`,
      );
      await step('tools/list', () => client.listTools());
      await step('read', () => client.callTool({ name: READ.name, arguments: READ.args }));
      // create_task needs tasks:write, which the first consent (the challenge's scopes) lacks:
      // the server answers 403 insufficient_scope and the SDK asks for a new consent (step-up).
      // SDK 1.32 tries its refresh token first; the server refuses that refresh while the
      // step-up is pending (a refresh cannot widen scope), so the SDK authorizes again.
      await step('write', async () => {
        callback = undefined;
        let out;
        try {
          out = await client.callTool({ name: WRITE.name, arguments: WRITE.args });
        } catch (error) {
          if (!(error instanceof UnauthorizedError) || !callback) throw error;
          const error_ = callback.searchParams.get('error');
          if (error_)
            throw new Error(`step-up answered ${error_}: ${callback.searchParams.get('error_description')}`);
          await new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }).finishAuth(
            callback.searchParams.get('code'),
          );
          const stepped = new Client({ name: 'matrix-sdk-v1-oauth', version: '1.0.0' });
          await stepped.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }));
          out = await stepped.callTool({ name: WRITE.name, arguments: WRITE.args });
        }
        if (!isPreview(textOf(out))) throw new Error(`no preview: ${textOf(out).slice(0, 200)}`);
      });
      await client.close();
    },
  },
  {
    name: 'MCP TypeScript SDK v2 client',
    pkg: '@modelcontextprotocol/client',
    require: fromProject,
    base: root,
    auth: 'API key (Authorization header)',
    async run({ url, key, step }) {
      const { Client, StreamableHTTPClientTransport } = await load(
        fromProject,
        '@modelcontextprotocol/client',
      );
      const client = new Client(
        { name: 'matrix-sdk-v2', version: '2.0.0' },
        { versionNegotiation: { mode: 'auto' } },
      );
      const transport = new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { Authorization: `Bearer ${key}` } },
      });
      await step('initialize', () => client.connect(transport));
      return sdkSteps(client, step, () => client.close());
    },
  },
  {
    name: 'MCP Inspector CLI',
    pkg: '@modelcontextprotocol/inspector',
    require: fromClients,
    base: CLIENTS_DIR,
    auth: 'API key (--header)',
    async run({ url, key, step }) {
      const bin = fromClients.resolve('@modelcontextprotocol/inspector/clients/launcher/build/index.js');
      const cli = (...args) =>
        runProcess(process.execPath, [
          bin,
          '--cli',
          url,
          '--transport',
          'http',
          '--header',
          `Authorization: Bearer ${key}`,
          ...args,
        ]);
      const list = await step('tools/list', async () =>
        JSON.parse((await cli('--method', 'tools/list')).stdout),
      );
      await step('initialize', async () => (list.tools?.length ? 'implied by tools/list' : 'no tools'));
      await step('read', async () => {
        const out = JSON.parse((await cli('--method', 'tools/call', '--tool-name', READ.name)).stdout);
        if (out.isError) throw new Error(textOf(out));
      });
      await step('write', async () => {
        const args = Object.entries(WRITE.args).map(([k, v]) => `${k}=${v}`);
        const out = JSON.parse(
          (await cli('--method', 'tools/call', '--tool-name', WRITE.name, '--tool-arg', ...args)).stdout,
        );
        if (!isPreview(textOf(out))) throw new Error(`no preview: ${textOf(out).slice(0, 200)}`);
      });
    },
  },
  {
    name: 'Vercel AI SDK MCP client',
    pkg: '@ai-sdk/mcp',
    require: fromClients,
    base: CLIENTS_DIR,
    auth: 'API key (transport headers)',
    async run({ url, key, step }) {
      const { createMCPClient } = await load(fromClients, '@ai-sdk/mcp');
      const client = await step('initialize', () =>
        createMCPClient({ transport: { type: 'http', url, headers: { Authorization: `Bearer ${key}` } } }),
      );
      const tools = await step('tools/list', () => client.tools());
      const call = async (tool) =>
        tools[tool.name].execute(tool.args, { toolCallId: 'matrix', messages: [] });
      await step('read', async () => {
        const out = await call(READ);
        if (out.isError) throw new Error(textOf(out));
      });
      await step('write', async () => {
        const out = await call(WRITE);
        if (!isPreview(textOf(out))) throw new Error(`no preview: ${textOf(out).slice(0, 200)}`);
      });
      await client.close();
    },
  },
  {
    name: 'LangChain MCP adapters',
    pkg: '@langchain/mcp-adapters',
    require: fromClients,
    base: CLIENTS_DIR,
    auth: 'API key (headers)',
    async run({ url, key, step }) {
      const { MultiServerMCPClient } = await load(fromClients, '@langchain/mcp-adapters');
      const client = new MultiServerMCPClient({
        mcpServers: { taskgate: { transport: 'http', url, headers: { Authorization: `Bearer ${key}` } } },
        useStandardContentBlocks: false,
      });
      const tools = await step('tools/list', () => client.getTools());
      await step('initialize', async () => 'implied by tools/list');
      const byName = (name) => tools.find((t) => t.name === name || t.name.endsWith(`__${name}`));
      await step('read', () => byName(READ.name).invoke(READ.args));
      await step('write', async () => {
        const out = await byName(WRITE.name).invoke(WRITE.args);
        const text = typeof out === 'string' ? out : JSON.stringify(out);
        if (!isPreview(text)) throw new Error(`no preview: ${text.slice(0, 200)}`);
      });
      await client.close();
    },
  },
  {
    name: 'mcp-use',
    pkg: 'mcp-use',
    require: fromClients,
    base: CLIENTS_DIR,
    auth: 'API key (headers)',
    async run({ url, key, step }) {
      // The package root also loads its LangChain agent (a peer dependency): the client entry does not.
      const { MCPClient } = await import(
        pathToFileURL(join(CLIENTS_DIR, 'node_modules/mcp-use/dist/src/client.js')).href
      );
      const client = MCPClient.fromDict({
        mcpServers: { taskgate: { url, headers: { Authorization: `Bearer ${key}` } } },
      });
      const session = await step('initialize', () => client.createSession('taskgate'));
      await step('tools/list', async () => session.connector.tools ?? session.tools);
      await step('read', async () => {
        const out = await session.callTool(READ.name, READ.args);
        if (out.isError) throw new Error(textOf(out));
      });
      await step('write', async () => {
        const out = await session.callTool(WRITE.name, WRITE.args);
        if (!isPreview(textOf(out))) throw new Error(`no preview: ${textOf(out).slice(0, 200)}`);
      });
      await client.closeAllSessions();
    },
  },
  {
    name: 'mcp-remote (stdio bridge) + SDK v1 stdio client',
    pkg: 'mcp-remote',
    require: fromClients,
    base: CLIENTS_DIR,
    auth: 'API key (--header)',
    async run({ url, key, step }) {
      const { Client } = await load(fromProject, '@modelcontextprotocol/sdk/client/index.js');
      const { StdioClientTransport } = await load(fromProject, '@modelcontextprotocol/sdk/client/stdio.js');
      const bin = fromClients.resolve('mcp-remote/dist/proxy.js');
      const client = new Client({ name: 'matrix-mcp-remote', version: '1.0.0' });
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [bin, url, '--header', `Authorization:Bearer ${key}`, '--transport', 'http-only'],
        stderr: 'pipe',
      });
      await step('initialize', () => client.connect(transport));
      return sdkSteps(client, step, () => client.close());
    },
  },
  {
    name: 'oauth4webapi (authorization code + PKCE) + fetch',
    pkg: 'oauth4webapi',
    require: fromClients,
    base: CLIENTS_DIR,
    auth: 'OAuth (discovery from the 401, dynamic registration, PKCE, scope from the challenge)',
    direct: '2025-11-25 (as sent by the script)',
    async run({ url, step, server }) {
      const oauth = await load(fromClients, 'oauth4webapi');
      const redirectUri = 'http://127.0.0.1:1/callback';
      const token = await step('initialize', async () => {
        const challenge = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        const header = challenge.headers.get('www-authenticate') ?? '';
        const scope = /scope="([^"]+)"/.exec(header)?.[1];
        const issuer = new URL(server.url);
        const as = await oauth.processDiscoveryResponse(
          issuer,
          await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }),
        );
        const clientId = await registerPublicClient(server, redirectUri, 'oauth4webapi matrix');
        const client = { client_id: clientId };
        const verifier = oauth.generateRandomCodeVerifier();
        const authUrl = new URL(as.authorization_endpoint);
        authUrl.search = new URLSearchParams({
          response_type: 'code',
          client_id: clientId,
          redirect_uri: redirectUri,
          code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          resource: url,
          state: 'matrix',
          ...(scope && { scope: `${scope} tasks:write` }),
        }).toString();
        const member = await signInMember(server);
        const callback = await member.approve(authUrl.href);
        if (callback.searchParams.get('error'))
          throw new Error(
            `authorization answered ${callback.searchParams.get('error')}: ${callback.searchParams.get('error_description')}`,
          );
        const params = oauth.validateAuthResponse(as, client, callback, 'matrix');
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          oauth.None(),
          params,
          redirectUri,
          verifier,
          {
            [oauth.allowInsecureRequests]: true,
            additionalParameters: { resource: url },
          },
        );
        return (await oauth.processAuthorizationCodeResponse(as, client, response)).access_token;
      });
      const rpc = async (method, params) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': '2025-11-25',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
        });
        const body = await response.json();
        if (body.error || !response.ok)
          throw new Error(`HTTP ${response.status}: ${JSON.stringify(body.error ?? body)}`);
        return body.result;
      };
      await step('tools/list', () => rpc('tools/list', {}));
      await step('read', () => rpc('tools/call', { name: READ.name, arguments: READ.args }));
      await step('write', async () => {
        const out = await rpc('tools/call', { name: WRITE.name, arguments: WRITE.args });
        if (!isPreview(textOf(out))) throw new Error(`no preview: ${textOf(out).slice(0, 200)}`);
      });
    },
  },
  // --- known gaps (issue 13): each probe states the client behaviour; it is expected to fail
  // until the named point lands, and reports when it passes.
  {
    name: 'SDK v2 client pinned to 2026-07-28 via `taskgate connect` (stdio bridge)',
    pkg: '@modelcontextprotocol/client',
    require: fromProject,
    base: root,
    auth: 'API key (TASKGATE_API_KEY for the bridge)',
    gap: 'issue 13 point 8',
    async run({ url, key, step }) {
      const { Client } = await load(fromProject, '@modelcontextprotocol/client');
      const { StdioClientTransport } = await load(fromProject, '@modelcontextprotocol/client/stdio');
      const client = new Client(
        { name: 'matrix-bridge-2026', version: '2.0.0' },
        { versionNegotiation: { mode: { pin: '2026-07-28' } } },
      );
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [join(root, 'dist', 'main.js'), 'connect', '--url', url],
        env: { ...process.env, TASKGATE_API_KEY: key },
        stderr: 'pipe',
      });
      await step('initialize', () => client.connect(transport));
      return sdkSteps(client, step, () => client.close());
    },
  },
  {
    name: 'MCP Inspector CLI `--strict` schema portability check',
    pkg: '@modelcontextprotocol/inspector',
    require: fromClients,
    base: CLIENTS_DIR,
    auth: 'API key (--header)',
    gap: 'issue 13 point 12',
    async run({ url, key, step }) {
      const bin = fromClients.resolve('@modelcontextprotocol/inspector/clients/launcher/build/index.js');
      await step('tools/list', async () => {
        const args = ['--cli', url, '--transport', 'http', '--header', `Authorization: Bearer ${key}`];
        const out = await runProcess(process.execPath, [
          bin,
          ...args,
          '--method',
          'tools/list',
          '--strict',
        ]).catch((error) => ({ failed: error.message }));
        if (out.failed) throw new Error(out.failed);
        const warnings = out.stderr.split('\n').filter((line) => line.startsWith('Warning: tool '));
        const typeArrays = (out.stderr.match(/`type` is an array/g) ?? []).length;
        if (warnings.length)
          throw new Error(`${warnings.length} portability warnings (${typeArrays} about \`type\` arrays)`);
      });
    },
  },
  {
    name: 'oauth4webapi, authorization request without scope (RFC 6749 §3.3)',
    pkg: 'oauth4webapi',
    require: fromClients,
    base: CLIENTS_DIR,
    auth: 'OAuth without scope',
    direct: '-',
    gap: 'issue 13 point 10',
    async run({ url, step, server }) {
      await step('initialize', async () => {
        const clientId = await registerPublicClient(server, 'http://127.0.0.1:1/callback', 'no-scope matrix');
        const authUrl = new URL(`${server.url}/oauth/authorize`);
        authUrl.search = new URLSearchParams({
          response_type: 'code',
          client_id: clientId,
          redirect_uri: 'http://127.0.0.1:1/callback',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
          resource: url,
          state: 'matrix',
        }).toString();
        const callback = await (await signInMember(server)).approve(authUrl.href);
        if (!callback.searchParams.get('code')) throw new Error(`no code: ${callback.search}`);
      });
    },
  },
  {
    name: 'plain HTTP client, 2025-era POST with `Accept: application/json`',
    pkg: '(fetch)',
    version: process.version,
    auth: 'API key',
    gap: 'issue 13 point 11',
    async run({ url, key, step }) {
      await step('initialize', async () => {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            accept: 'application/json',
            'mcp-protocol-version': '2025-11-25',
          },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'initialize',
            params: {
              protocolVersion: '2025-11-25',
              capabilities: {},
              clientInfo: { name: 'fetch', version: '1' },
            },
          }),
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      });
    },
  },
  {
    name: 'browser-based client: CORS preflight `OPTIONS /mcp`',
    pkg: '(fetch)',
    version: process.version,
    auth: '-',
    direct: '-',
    gap: 'issue 13 point 13',
    async run({ url, step }) {
      await step('initialize', async () => {
        const response = await fetch(url, {
          method: 'OPTIONS',
          headers: {
            origin: BROWSER_ORIGIN,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization, content-type, mcp-protocol-version',
          },
        });
        if (!response.ok || !response.headers.get('access-control-allow-origin'))
          throw new Error(`HTTP ${response.status}, no Access-Control-Allow-Origin`);
      });
    },
  },
];

/** tools/list, a read and a write through an SDK-shaped client (`listTools`, `callTool`). */
async function sdkSteps(client, step, close) {
  await step('tools/list', () => client.listTools());
  await step('read', async () => {
    const out = await client.callTool({ name: READ.name, arguments: READ.args });
    if (out.isError) throw new Error(textOf(out));
  });
  await step('write', async () => {
    const out = await client.callTool({ name: WRITE.name, arguments: WRITE.args });
    if (!isPreview(textOf(out))) throw new Error(`no preview: ${textOf(out).slice(0, 200)}`);
  });
  await close();
}

/** The SDK's OAuthClientProvider, in memory; `redirect` plays the browser. */
function memoryOAuthProvider(redirectUrl, redirect) {
  let info;
  let tokens;
  let verifier;
  return {
    get redirectUrl() {
      return redirectUrl;
    },
    get clientMetadata() {
      return {
        client_name: 'SDK v1 matrix',
        redirect_uris: [redirectUrl],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      };
    },
    clientInformation: () => info,
    saveClientInformation: (value) => {
      info = value;
    },
    tokens: () => tokens,
    saveTokens: (value) => {
      tokens = value;
    },
    redirectToAuthorization: (url) => redirect(url),
    saveCodeVerifier: (value) => {
      verifier = value;
    },
    codeVerifier: () => verifier,
    // What an MCP host does when the server refuses its tokens (a step-up refuses the refresh).
    invalidateCredentials: (scope) => {
      if (scope === 'all' || scope === 'tokens') tokens = undefined;
      if (scope === 'all' || scope === 'client') info = undefined;
    },
  };
}

// --- running ------------------------------------------------------------------------------

/** A proxy that forwards everything and notes the protocol versions each client announces. */
function startRecorder(target) {
  const seen = new Set();
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const version = req.headers['mcp-protocol-version'];
    if (version) seen.add(String(version));
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const initialize = /"method"\s*:\s*"initialize"[\s\S]*?"protocolVersion"\s*:\s*"([^"]+)"/.exec(
        body.toString(),
      );
      if (initialize) seen.add(`${initialize[1]} (initialize)`);
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (incoming) => {
          res.writeHead(incoming.statusCode ?? 502, incoming.headers);
          incoming.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}/mcp`,
        take: () => {
          const list = [...seen];
          seen.clear();
          return list;
        },
        close: () => new Promise((done) => server.close(() => done()) && server.closeAllConnections()),
      }),
    ),
  );
}

function runProcess(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`exit ${code}: ${(stderr || stdout).trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

const withTimeout = (promise, what) =>
  Promise.race([
    promise,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`${what} timed out`)), STEP_TIMEOUT_MS).unref(),
    ),
  ]);

async function runClient(client, server, recorder) {
  const version = client.version ?? versionOf(client.base, client.pkg);
  const row = {
    client: client.name,
    pkg: client.pkg,
    version,
    auth: client.auth,
    gap: client.gap,
    steps: {},
    notes: [],
    info: [],
  };
  if (!version) {
    row.skipped = `not installed (npm install --prefix .cache/clients ${client.pkg})`;
    return row;
  }
  const step = async (name, fn) => {
    try {
      const value = await withTimeout(Promise.resolve().then(fn), name);
      row.steps[name] = 'ok';
      return value;
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error))
        .replace(/\s+/g, ' ')
        .slice(0, 300);
      row.steps[name] = 'FAIL';
      row.notes.push(`${name}: ${message}`);
      throw Object.assign(new Error(message), { recorded: true });
    }
  };
  try {
    // OAuth clients talk to the server itself: the token is bound to its resource URL.
    await client.run({
      url: client.direct ? server.mcpUrl : recorder.url,
      key: server.key,
      step,
      server,
      row,
    });
  } catch (error) {
    // A step's failure is recorded by step(); anything else (loading the client) here.
    if (!error?.recorded) row.notes.push(`setup: ${error instanceof Error ? error.message : String(error)}`);
  }
  row.protocol = client.direct ? [client.direct] : recorder.take();
  return row;
}

async function main() {
  const at = process.argv.indexOf('--json');
  const jsonOut = at > 0 ? process.argv[at + 1] : undefined;
  if (!existsSync(CLIENTS_DIR))
    console.log(`clients-matrix: ${CLIENTS_DIR} missing; only the project's SDKs run`);
  // The browser probe's origin is allowed, as an operator would allow a web client's origin.
  const server = await startHarnessServer({
    policy: { create: 'token' },
    env: { TASKGATE_CORS_ORIGINS: BROWSER_ORIGIN },
  });
  const recorder = await startRecorder(server.url);
  const rows = [];
  try {
    for (const client of CLIENTS) {
      const started = Date.now();
      const row = await runClient(client, server, recorder);
      rows.push(row);
      const steps = ['initialize', 'tools/list', 'read', 'write']
        .map((s) => `${s}:${row.steps[s] ?? '-'}`)
        .join(' ');
      const failed = row.notes.length > 0;
      const verdict = row.skipped
        ? 'SKIP'
        : row.gap
          ? failed
            ? `GAP (${row.gap})`
            : `PASS, ${row.gap} closed`
          : failed
            ? 'FAIL'
            : 'PASS';
      console.log(
        `${verdict} ${row.client} ${row.version ?? ''} [${(row.protocol ?? []).join(', ')}] ${steps} (${Date.now() - started} ms)`,
      );
      for (const note of [...row.notes, ...row.info]) console.log(`    ${note}`);
      if (row.skipped) console.log(`    ${row.skipped}`);
    }
  } finally {
    await recorder.close();
    await server.close();
  }
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(rows, null, 2)}\n`);
  return rows.some((r) => !r.skipped && !r.gap && r.notes.length) ? 1 : 0;
}

main()
  .catch((error) => {
    console.error(`clients-matrix: ${error instanceof Error ? error.stack : String(error)}`);
    return 1;
  })
  .then((code) => process.exit(code));
