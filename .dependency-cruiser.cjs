/**
 * The layer rules of docs/architecture.md (DESIGN.md §2), checked in CI. Each layer lists
 * the layers it may import; arrows point down only. Entry layers never import each other,
 * except http mounting mcp, oauth and admin-ui. Another folder is entered only through its
 * index.ts. test/house/boundaries.test.ts proves a violation fails.
 */
const LOWER = {
  core: [],
  config: ['core'],
  model: ['core', 'config'],
  chain: ['core'],
  storage: ['core', 'config', 'model', 'chain'],
  domain: ['core', 'config', 'model', 'storage'],
  audit: ['core', 'config', 'model', 'chain', 'storage', 'domain'],
  credentials: ['core', 'config', 'model', 'storage', 'domain', 'audit'],
  // Monitoring (rate limits, anomaly rules, alerts, notifications, jobs, metrics) sits under
  // the call pipeline: guard's rate-limit and anomaly steps use it; it never sees a call's entry.
  monitoring: ['core', 'config', 'model', 'storage', 'domain', 'audit', 'credentials'],
  guard: ['core', 'config', 'model', 'storage', 'domain', 'audit', 'credentials', 'monitoring'],
  // Incident response and workspace administration sit beside the call pipeline: the entry
  // layers use them, guard never does, so neither can pull an entry concern into a call.
  incident: ['core', 'model', 'storage', 'domain', 'audit', 'credentials'],
  // admin takes credentials for members (a removal revokes their keys and connections, an
  // invitation is a login link) and for the security checklist (the naming rule, rotation).
  admin: ['core', 'model', 'storage', 'domain', 'audit', 'credentials', 'guard', 'monitoring'],
  oauth: ['core', 'config', 'model', 'domain', 'audit', 'credentials', 'guard', 'monitoring'],
  mcp: ['core', 'config', 'model', 'domain', 'audit', 'credentials', 'guard', 'monitoring'],
  'admin-ui': [
    'core',
    'config',
    'model',
    'domain',
    'audit',
    'credentials',
    'guard',
    'monitoring',
    'incident',
    'admin',
  ],
  http: [
    'core',
    'config',
    'model',
    'domain',
    'audit',
    'credentials',
    'guard',
    'monitoring',
    'incident',
    'admin',
    'mcp',
    'oauth',
    'admin-ui',
  ],
  cli: [
    'core',
    'config',
    'model',
    'chain',
    'domain',
    'audit',
    'credentials',
    'guard',
    'monitoring',
    'incident',
    'admin',
  ],
};

const layerRules = Object.entries(LOWER).map(([layer, allowed]) => ({
  name: `layer-${layer}`,
  comment: `src/${layer}/ may import only ${allowed.length ? allowed.join(', ') : 'nothing else in src'}`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/(${[layer, ...allowed].join('|')})/`, ...(layer === 'cli' ? ['^src/app\\.ts$'] : [])],
  },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'entry-layers-do-not-import-storage',
      comment:
        'entry layers declare the ports they need (e.g. oauth/ports.ts), which the store fits as it is; app.ts hands it to them',
      severity: 'error',
      from: { path: '^src/(http|mcp|oauth|admin-ui|cli)/' },
      to: { path: '^src/storage/' },
    },
    {
      name: 'only-through-index',
      comment: "another folder's public surface is its index.ts",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'composition-root-is-not-imported',
      comment: 'only main.ts and cli/ may import the composition root',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main\\.ts$', '^src/cli/'] },
      to: { path: '^src/app\\.ts$' },
    },
    {
      name: 'core-imports-nothing',
      comment: 'src/core/ depends on Node built-ins only',
      severity: 'error',
      from: { path: '^src/core/', pathNot: '\\.test\\.ts$' },
      to: { pathNot: '^src/core/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'chain-is-a-leaf',
      comment: 'src/chain/ (the audit chain rule) depends on core and Node built-ins only',
      severity: 'error',
      from: { path: '^src/chain/', pathNot: '\\.test\\.ts$' },
      to: { pathNot: '^src/(chain|core)/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'chain-hash-only-in-chain',
      comment:
        "the chain's digest is computed in src/chain/ alone: storage (its writers, workers and " +
        'scans) imports the rule instead of hashing rows itself',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: '^(node:)?crypto$' },
    },
    {
      name: 'no-transport-below-entry-layers',
      comment: 'domain, storage, config and core never see HTTP, MCP, CLI or logging frameworks',
      severity: 'error',
      from: { path: '^src/(core|config|model|storage|domain)/' },
      to: { path: 'node_modules/(hono|@hono|@modelcontextprotocol|commander|pino|oidc-provider)/' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
    {
      name: 'not-to-dev-dependencies',
      comment: 'shipped code never needs a devDependency; unit tests next to the code may',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
