/**
 * Composition root: the one place that wires configuration, storage, domain and HTTP
 * together. Everything below receives its collaborators from here; nothing is global.
 */
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import {
  type ChecklistService,
  createChecklistService,
  createMemberService,
  createPolicyService,
  createTrashPurge,
  type MemberService,
  type PolicyService,
  type TrashPurge,
} from './admin/index.js';
import { CONSENT_PATH } from './admin-ui/index.js';
import { createAppTracing, createMonitoring, type Monitoring } from './app-monitoring.js';
import {
  type ActivityService,
  type AuditLog,
  type AuditSigner,
  assertSigningKey,
  CHECKPOINT_EVERY_MS,
  type Checkpointer,
  createActivityService,
  createAuditLog,
  createAuditMasks,
  createAuditSigner,
  createCheckpointer,
  createLogger,
  createUsageService,
  type SigningKeyCheck,
} from './audit/index.js';
import type { Config } from './config/index.js';
import {
  type Clock,
  createCryptoRandom,
  createIdGenerator,
  deriveKey,
  ed25519FromSeed,
  type IdGenerator,
  type Random,
  systemClock,
} from './core/index.js';
import {
  type ConnectionService,
  createAccessTokenVerifier,
  createConnectionService,
  createKeyService,
  createMemberAccounts,
  createPasswordHasher,
  createPrincipalCache,
  createSignInService,
  type KeyService,
  type MemberAccounts,
  type ScryptCost,
  type SignInService,
} from './credentials/index.js';
import { createDomain, type Domain } from './domain/index.js';
import { createActionService, createToolRunner, createWritePipeline } from './guard/index.js';
import { createDrainSwitch, createHttpApp, type DrainSwitch } from './http/index.js';
import { createIncidentService, type IncidentService } from './incident/index.js';
import { VERSION } from './installation.js';
import {
  createMcpEndpoint,
  createWriteSpecs,
  type McpServerExtension,
  TOOLS,
  WRITE_TOOLS,
} from './mcp/index.js';
import type { Workspace } from './model/index.js';
import { type AuthorizationServer, createAuthorizationServer, createSafeFetch } from './oauth/index.js';
import { isDatabaseOutage, type OpenStoreOptions, openStore, type Store } from './storage/index.js';

export { MAIN_MODULE, VERSION } from './installation.js';
/** `taskgate migrate` and `backup` open no app: the command line reaches storage only through here. */
export { backupDatabase, type MigrationOutcome, migrateDatabase } from './storage/index.js';

export interface AppOverrides {
  readonly clock?: Clock;
  readonly random?: Random;
  readonly logger?: Logger;
  /** How to open the database: whether a missing SQLite file may be created, and who is told. */
  readonly database?: Pick<OpenStoreOptions, 'create' | 'onCreated'>;
  /** How to treat a database whose checkpoints another key signed (a lost or replaced secret). */
  readonly signingKey?: SigningKeyCheck;
  /** Test harnesses only: more registrations on every MCP server (see `ServerDeps.extend`). */
  readonly extendMcpServer?: McpServerExtension;
  /** Test harnesses only: a cheaper scrypt, so hundreds of sign-ins do not dominate the suite. */
  readonly passwordCost?: ScryptCost;
  /** Tests only: a rate-limit window shorter than a minute. */
  readonly rateLimitWindowSeconds?: number;
  /** Benchmarks only (bench/monitoring-cost.mjs): no request limits and no anomaly rules. */
  readonly withoutMonitoring?: boolean;
}

export interface App {
  readonly config: Config;
  readonly store: Store;
  readonly domain: Domain;
  readonly keys: KeyService;
  readonly audit: AuditLog;
  readonly activity: ActivityService;
  readonly http: Hono;
  readonly clock: Clock;
  readonly random: Random;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  readonly auditSigner: AuditSigner;
  readonly checkpointer: Checkpointer;
  readonly policy: PolicyService;
  readonly purgeTrash: TrashPurge;
  readonly checklist: ChecklistService;
  readonly incident: IncidentService;
  readonly signIn: SignInService;
  readonly memberAccounts: MemberAccounts;
  readonly members: MemberService;
  readonly connections: ConnectionService;
  readonly oauth: AuthorizationServer;
  readonly monitoring: Monitoring;
  readonly drain: DrainSwitch;
  close(): Promise<void>;
}
/** The process logger, which redacts secrets (audit/logger.ts); the CLI makes its own. */
export { createLogger };

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const clock = overrides.clock ?? systemClock;
  const random = overrides.random ?? createCryptoRandom();
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const ids = createIdGenerator(clock, random);
  const tracing = createAppTracing(config, VERSION);
  const store = await openStore(config.databaseUrl, {
    ...(tracing && { onQuery: tracing.queryRan }),
    timeouts: {
      connectMs: config.databaseConnectTimeoutMs,
      statementMs: config.databaseStatementTimeoutMs,
      idleInTransactionMs: config.databaseIdleInTransactionTimeoutMs,
    },
    logger,
    ...overrides.database,
  });
  const domain = createDomain({ store, clock, ids });
  // Without a configured secret (tests, one-off commands) the keys live as long as the process.
  const secret = config.secretKey ?? Buffer.from(random.bytes(32)).toString('base64url');
  const auditSigner = createAuditSigner(deriveKey(secret, 'audit-signing'));
  const checkpointer = createCheckpointer({ store, signer: auditSigner, clock, logger });
  const audit = createAuditLog({
    store,
    clock,
    ids,
    onWritten: (count) => checkpointer.noteEvents(count),
    masks: createAuditMasks(secret),
  });
  try {
    const key = await assertSigningKey(
      { store, signer: auditSigner, audit, clock },
      overrides.signingKey ?? {},
    );
    // A checkpoint of the new key pins the event that vouches for the old ones, at once.
    if (key === 'accepted') await checkpointer.checkpointAll();
    // Sign what a crashed predecessor left unsigned before this process adds to it; a live
    // server's fresh tail is left to it, so a plan-only command changes nothing.
    if (!overrides.signingKey?.readOnly) await checkpointer.signStale(CHECKPOINT_EVERY_MS);
  } catch (error) {
    await store.close();
    throw error;
  }
  const keys = createKeyService({ store, clock, random, ids, audit });
  const monitoring = createMonitoring({
    config,
    store,
    audit,
    clock,
    ids,
    logger,
    ...(overrides.rateLimitWindowSeconds && { rateLimitWindowSeconds: overrides.rateLimitWindowSeconds }),
    incident: () => incident,
    secret,
  });
  const activity = createActivityService({
    store,
    audit,
    signer: auditSigner,
    clock,
    cursorKey: deriveKey(secret, 'activity-cursor'),
    productVersion: VERSION,
  });
  const policy = createPolicyService({ store, audit, clock });
  const purgeTrash = createTrashPurge({ store, tasks: domain.tasks, audit });
  const runTool = createToolRunner({
    audit,
    clock,
    logger,
    onCall: monitoring.metrics.callEnded,
    ...(!overrides.withoutMonitoring && { anomaly: monitoring.anomaly }),
  });
  const policyFor = (workspace: Workspace) => policy.forWorkspace(workspace);
  const checklist = createChecklistService({ store, clock, policyFor });
  const usage = createUsageService({ store, clock });
  const incident = createIncidentService({ store, domain, audit, clock, ids });
  const pipeline = createWritePipeline({
    store,
    audit,
    clock,
    ids,
    logger,
    policyFor,
    tokenKey: deriveKey(secret, 'confirmation-token'),
    publicUrl: config.publicUrl,
    onCall: monitoring.metrics.callEnded,
    ...(!overrides.withoutMonitoring && { anomaly: monitoring.anomaly }),
  });
  const specs = createWriteSpecs(domain);
  const actions = createActionService({
    store,
    logger,
    audit,
    clock,
    tokenKey: deriveKey(secret, 'confirmation-token'),
    pipeline,
    specs,
  });
  const endpoint = createMcpEndpoint({
    domain,
    runTool,
    version: VERSION,
    pipeline,
    actions,
    specs,
    policyFor,
    requestStateKey: deriveKey(secret, 'mcp-request-state'),
    ...(overrides.extendMcpServer && { extend: overrides.extendMcpServer }),
  });
  const mcpUrl = `${config.publicUrl}/mcp`;
  const oauthSigningKey = ed25519FromSeed(deriveKey(secret, 'oauth-token-signing'));
  const connections = createConnectionService({ store, clock, ids, random, audit });
  const oauth = createAuthorizationServer({
    publicUrl: config.publicUrl,
    mcpUrl,
    consentPath: CONSENT_PATH,
    signingKey: oauthSigningKey,
    cookieKey: deriveKey(secret, 'oauth-cookies').toString('base64url'),
    store,
    audit,
    clock,
    ids,
    random,
    connections,
    isDatabaseOutage,
    fetch: createSafeFetch({ testHosts: config.oauthCimdTestHosts, testCaFile: config.oauthCimdTestCaFile }),
    logger,
  });
  const principals = createPrincipalCache(store);
  const authenticate = principals.authenticator({
    store,
    clock,
    audit,
    accessTokens: createAccessTokenVerifier({
      issuer: config.publicUrl,
      audience: mcpUrl,
      publicKey: oauthSigningKey.publicKey,
      clock,
    }),
  });
  const toolScopes = new Map<string, readonly string[]>(
    [...TOOLS, ...WRITE_TOOLS].map((tool) => [tool.name, tool.scopes]),
  );
  const writeToolNames = new Set<string>(WRITE_TOOLS.map((tool) => tool.name));
  const passwords = createPasswordHasher({
    random,
    ...(overrides.passwordCost && { cost: overrides.passwordCost }),
  });
  const signIn = createSignInService({ store, clock, random, audit, passwords });
  const memberAccounts = createMemberAccounts({
    store,
    clock,
    audit,
    passwords,
    workspaces: domain.workspaces,
  });
  const members = createMemberService({
    store,
    audit,
    clock,
    workspaces: domain.workspaces,
    loginLinks: { create: signIn.createLoginLink },
  });
  // The console shows members by email; a removed member's connections and decisions still name them.
  const memberDirectory = (workspaceId: string) => store.members.list(workspaceId, { includeRemoved: true });
  const drain = createDrainSwitch();
  const http = createHttpApp({
    database: store,
    drain,
    version: VERSION,
    logger,
    publicUrl: config.publicUrl,
    corsOrigins: config.corsOrigins,
    trustedProxies: { blocks: config.trustedProxies, header: config.trustedProxyHeader },
    auditKeys: [auditSigner.publicKey],
    ...(monitoring.metricsEndpoint && { metrics: monitoring.metricsEndpoint }),
    mcp: {
      endpoint,
      authenticate,
      audit,
      store: principals.keyUse,
      clock,
      ids,
      toolScopes: (name) => toolScopes.get(name),
      maxMessagesPerRequest: config.mcpMaxMessagesPerRequest,
      ...(!overrides.withoutMonitoring && { rateLimits: monitoring.rateLimits }),
      isWriteTool: (name) => writeToolNames.has(name),
      ...(tracing && { tracer: tracing }),
    },
    oauth,
    adminUi: {
      signIn,
      listWorkspaces: () => store.workspaces.list(),
      secretKey: secret,
      random,
      clock,
      audit,
      members,
      policy,
      usage,
      notifications: monitoring.notifications,
      overview: { checklist, keys, activity, alerts: monitoring.alerts },
      incident: { incident },
      approvals: { actions, policyFor, members: memberDirectory },
      activity: { activity },
      keys: { keys, activity, usage, mcpUrl, suspensions: monitoring.suspensions },
      consent: {
        consent: oauth.consent,
        projectsFor: (member) =>
          domain.projects.list({
            workspaceId: member.workspaceId,
            memberId: member.id,
            role: member.role,
            via: 'web',
          }),
      },
      connections: {
        connections,
        revokeConnection: (workspaceId, ref, actor) => oauth.revokeConnection(workspaceId, ref, actor),
        members: memberDirectory,
      },
      oauthClients: oauth.clients,
      rateLimits: monitoring.rateLimits,
      alerts: monitoring.alerts,
      alertRules: monitoring.settings,
    },
  });
  const close = async () => {
    await endpoint.close();
    // A command's events are signed before it ends (the server's also on its way down).
    await checkpointer
      .flush()
      .catch((error: unknown) => logger.error({ err: error }, 'audit checkpoint failed'));
    await monitoring
      .close()
      .catch((error: unknown) => logger.error({ err: error }, 'monitoring close failed'));
    await store.close();
    await tracing?.shutdown();
  };
  return {
    config,
    store,
    domain,
    keys,
    audit,
    activity,
    http,
    clock,
    random,
    ids,
    logger,
    policy,
    purgeTrash,
    checklist,
    incident,
    signIn,
    memberAccounts,
    members,
    connections,
    oauth,
    monitoring,
    auditSigner,
    checkpointer,
    drain,
    close,
  };
}

export { listen, type RunningServer } from './app-listen.js';
