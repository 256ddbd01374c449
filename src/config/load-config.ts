/**
 * Turns raw inputs (environment variables and CLI flags, flags winning) into one frozen
 * Config, or a list of every problem at once. Pure: the caller passes the environment in.
 */
import { err, type FieldIssue, invalidInput, ok, type Result } from '../core/index.js';
import { configSchema, type Environment, type ProxyHeader, SETTINGS, type SettingName } from './settings.js';

export interface Config {
  readonly databaseUrl: string;
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string;
  readonly environment: Environment;
  readonly dataDir: string;
  readonly secretKey: string | undefined;
  readonly logLevel: string;
  /** PostgreSQL timeouts (ignored on SQLite). */
  readonly databaseConnectTimeoutMs: number;
  readonly databaseStatementTimeoutMs: number;
  readonly databaseIdleInTransactionTimeoutMs: number;
  /** Graceful shutdown: /readyz answers 503 this long first, then in-flight requests get this long. */
  readonly shutdownDrainDelayMs: number;
  readonly shutdownTimeoutMs: number;
  /** The most JSON-RPC messages one POST /mcp may carry. */
  readonly mcpMaxMessagesPerRequest: number;
  /** Per client address and minute, before a workspace is known (issue 16). */
  readonly rateLimitFailedAuthPerMinute: number;
  readonly rateLimitOauthPerMinute: number;
  readonly rateLimitLoginPerMinute: number;
  /** Redis for the shared rate-limit counters; unset: PostgreSQL or memory. */
  readonly redisUrl: string | undefined;

  /** Origins whose web pages may call /mcp and the OAuth endpoints from a browser (CORS). */
  readonly corsOrigins: readonly string[];
  /** CIDR blocks of the reverse proxies whose forwarding header names the client address. */
  readonly trustedProxies: readonly string[];
  /** The header those proxies append the client address to; the other is never read. */
  readonly trustedProxyHeader: ProxyHeader;
  /** Bearer token of `/metrics`; undefined: no `/metrics` (404). */
  readonly metricsToken: string | undefined;
  /** OTLP/HTTP traces endpoint; undefined: no tracing. */
  readonly otelExporterUrl: string | undefined;
  /** Test only (refused in production): `host:port` pairs exempt from the CIMD address check. */
  readonly oauthCimdTestHosts: readonly string[];
  /** Test only (refused in production): CA file trusted for `oauthCimdTestHosts`. */
  readonly oauthCimdTestCaFile: string | undefined;
  /** Notification email: the SMTP server (unset: no email) and the sender. */
  readonly smtpUrl: string | undefined;
  readonly notifyFrom: string;
  /** Test only (refused in production): `host:port` pairs webhooks may reach despite the SSRF check. */
  readonly webhookTestHosts: readonly string[];
}

export type ConfigFlags = Partial<Record<SettingName, string | number | undefined>>;

export interface ConfigSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly flags?: ConfigFlags;
  /**
   * The data dir when neither the environment nor a flag names one. The CLI passes `data/`
   * in the project root (it may read the file system; this module does not).
   */
  readonly defaultDataDir?: string;
}

export function parseConfig(sources: ConfigSources): Result<Config, FieldIssue[]> {
  const raw: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const fromFlag = sources.flags?.[name as SettingName];
    const fromEnv = sources.env[setting.env];
    const value = fromFlag ?? (fromEnv === '' ? undefined : fromEnv);
    if (value !== undefined) raw[name] = value;
  }
  if (raw.dataDir === undefined && sources.defaultDataDir !== undefined) raw.dataDir = sources.defaultDataDir;
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    return err(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'config') as SettingName;
        const setting = SETTINGS[name];
        const source = setting
          ? `${name} (${setting.env}${'flag' in setting ? ` / ${setting.flag}` : ''})`
          : name;
        return { field: source, message: issue.message };
      }),
    );
  }
  const value = parsed.data;
  const publicUrl = value.publicUrl ?? `http://${hostForUrl(value.host)}:${value.port}`;
  const databaseUrl = value.databaseUrl ?? `sqlite:${value.dataDir.replace(/\/+$/, '')}/taskgate.db`;
  return ok(
    Object.freeze({
      ...value,
      databaseUrl,
      publicUrl,
      secretKey: value.secretKey,
      corsOrigins: Object.freeze([...value.corsOrigins]),
      trustedProxies: Object.freeze([...value.trustedProxies]),
      oauthCimdTestHosts: Object.freeze([...value.oauthCimdTestHosts]),
      oauthCimdTestCaFile: value.oauthCimdTestCaFile,
      redisUrl: value.redisUrl,
      metricsToken: value.metricsToken,
      otelExporterUrl: value.otelExporterUrl,
      smtpUrl: value.smtpUrl,
      webhookTestHosts: Object.freeze([...value.webhookTestHosts]),
    }),
  );
}

/** Like parseConfig, but throws one `invalid_input` AppError that lists every problem. */
export function loadConfig(sources: ConfigSources): Config {
  const result = parseConfig(sources);
  if (!result.ok) throw invalidInput(result.error);
  return result.value;
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
