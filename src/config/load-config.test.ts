import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.js';
import { loadConfig, parseConfig } from './load-config.js';

describe('parseConfig', () => {
  it('applies the defaults and derives publicUrl when nothing is set', () => {
    const result = parseConfig({ env: {} });
    expect(result).toEqual({
      ok: true,
      value: {
        databaseUrl: 'sqlite:./data/taskgate.db',
        host: '127.0.0.1',
        port: 8787,
        publicUrl: 'http://127.0.0.1:8787',
        environment: 'development',
        dataDir: './data',
        secretKey: undefined,
        logLevel: 'info',
        databaseConnectTimeoutMs: 5000,
        databaseStatementTimeoutMs: 5000,
        databaseIdleInTransactionTimeoutMs: 10_000,
        shutdownDrainDelayMs: 0,
        shutdownTimeoutMs: 10_000,
        mcpMaxMessagesPerRequest: 10,
        rateLimitFailedAuthPerMinute: 20,
        rateLimitOauthPerMinute: 120,
        rateLimitLoginPerMinute: 30,
        redisUrl: undefined,
        corsOrigins: [],
        trustedProxies: [],
        trustedProxyHeader: 'x-forwarded-for',
        oauthCimdTestHosts: [],
        oauthCimdTestCaFile: undefined,
        metricsToken: undefined,
        otelExporterUrl: undefined,
        smtpUrl: undefined,
        notifyFrom: 'Taskgate <taskgate@localhost>',
        webhookTestHosts: [],
      },
    });
  });

  it('reads trusted proxies as CIDR blocks, IPv4, IPv6 and single addresses, and the header in any case', () => {
    const result = parseConfig({
      env: {
        TASKGATE_TRUSTED_PROXIES: ' 10.0.0.0/8, 2001:DB8::/32,127.0.0.1 ,::1,10.0.0.0/8,',
        TASKGATE_TRUSTED_PROXY_HEADER: ' Forwarded ',
      },
    });
    expect(result.ok && result.value.trustedProxies).toEqual([
      '10.0.0.0/8',
      '2001:db8::/32',
      '127.0.0.1/32',
      '::1/128',
    ]);
    expect(result.ok && result.value.trustedProxyHeader).toBe('forwarded');
  });

  it('refuses trusted proxies that trust every address, are not addresses, or name a zone', () => {
    for (const bad of [
      '0.0.0.0/0',
      '::/0',
      '10.0.0.0/33',
      'proxy.internal',
      '10.0.0.1/8/1',
      'fe80::1%eth0',
      '*',
    ]) {
      const result = parseConfig({ env: { TASKGATE_TRUSTED_PROXIES: bad } });
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.error[0]!.field).toContain('TASKGATE_TRUSTED_PROXIES');
    }
    const header = parseConfig({ env: { TASKGATE_TRUSTED_PROXY_HEADER: 'x-real-ip' } });
    expect(header.ok).toBe(false);
  });

  it('reads the database timeouts and refuses one that is not a sane number of milliseconds', () => {
    expect(
      loadConfig({
        env: {
          TASKGATE_DATABASE_CONNECT_TIMEOUT_MS: '1500',
          TASKGATE_DATABASE_STATEMENT_TIMEOUT_MS: '30000',
          TASKGATE_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '60000',
        },
      }),
    ).toMatchObject({
      databaseConnectTimeoutMs: 1500,
      databaseStatementTimeoutMs: 30_000,
      databaseIdleInTransactionTimeoutMs: 60_000,
    });
    const result = parseConfig({
      env: { TASKGATE_DATABASE_CONNECT_TIMEOUT_MS: '0', TASKGATE_DATABASE_STATEMENT_TIMEOUT_MS: '5s' },
    });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.error.map((issue) => issue.field)).toEqual([
      'databaseConnectTimeoutMs (TASKGATE_DATABASE_CONNECT_TIMEOUT_MS)',
      'databaseStatementTimeoutMs (TASKGATE_DATABASE_STATEMENT_TIMEOUT_MS)',
    ]);
  });

  it('reads the shutdown settings, 0 included, and refuses a negative or fractional one', () => {
    expect(
      loadConfig({
        env: { TASKGATE_SHUTDOWN_DRAIN_DELAY_MS: '3000', TASKGATE_SHUTDOWN_TIMEOUT_MS: '0' },
      }),
    ).toMatchObject({ shutdownDrainDelayMs: 3000, shutdownTimeoutMs: 0 });
    const result = parseConfig({
      env: { TASKGATE_SHUTDOWN_DRAIN_DELAY_MS: '-1', TASKGATE_SHUTDOWN_TIMEOUT_MS: '1.5' },
    });
    expect(result.ok ? [] : result.error.map((issue) => issue.field)).toEqual([
      'shutdownDrainDelayMs (TASKGATE_SHUTDOWN_DRAIN_DELAY_MS)',
      'shutdownTimeoutMs (TASKGATE_SHUTDOWN_TIMEOUT_MS)',
    ]);
  });

  it('reads the batch cap and refuses one outside 1-100, naming the setting', () => {
    expect(
      loadConfig({ env: { TASKGATE_MCP_MAX_MESSAGES_PER_REQUEST: '25' } }).mcpMaxMessagesPerRequest,
    ).toBe(25);
    for (const bad of ['0', '101', '2.5', 'ten']) {
      const result = parseConfig({ env: { TASKGATE_MCP_MAX_MESSAGES_PER_REQUEST: bad } });
      expect(result.ok ? [] : result.error).toEqual([
        {
          field: 'mcpMaxMessagesPerRequest (TASKGATE_MCP_MAX_MESSAGES_PER_REQUEST)',
          message: 'must be a whole number 1-100',
        },
      ]);
    }
  });

  it('keeps the default SQLite file inside the data directory', () => {
    expect(loadConfig({ env: { TASKGATE_DATA_DIR: '/var/lib/taskgate/' } }).databaseUrl).toBe(
      'sqlite:/var/lib/taskgate/taskgate.db',
    );
    expect(
      loadConfig({ env: { TASKGATE_DATA_DIR: '/srv', TASKGATE_DATABASE_URL: 'postgres://db/x' } })
        .databaseUrl,
    ).toBe('postgres://db/x');
  });

  it('derives a loopback publicUrl when the host is a wildcard address', () => {
    const config = loadConfig({ env: { TASKGATE_HOST: '0.0.0.0', TASKGATE_PORT: '9000' } });
    expect(config.publicUrl).toBe('http://127.0.0.1:9000');
  });

  it('prefers a flag over the environment when both are set', () => {
    const config = loadConfig({
      env: { TASKGATE_PORT: '9000', TASKGATE_DATABASE_URL: 'sqlite:env.db' },
      flags: { port: '9100', databaseUrl: 'sqlite:flag.db' },
    });
    expect(config.port).toBe(9100);
    expect(config.databaseUrl).toBe('sqlite:flag.db');
  });

  it('falls back to the environment when a flag is undefined', () => {
    const config = loadConfig({ env: { TASKGATE_PORT: '9000' }, flags: { port: undefined } });
    expect(config.port).toBe(9000);
  });

  it('treats an empty environment variable as unset', () => {
    const config = loadConfig({ env: { TASKGATE_PORT: '', TASKGATE_ENVIRONMENT: '' } });
    expect(config.port).toBe(8787);
    expect(config.environment).toBe('development');
  });

  it('reports every bad setting at once when several are wrong', () => {
    const result = parseConfig({
      env: {
        TASKGATE_PORT: 'eighty',
        TASKGATE_ENVIRONMENT: 'prod',
        TASKGATE_DATABASE_URL: 'mysql://db/taskgate',
      },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const fields = result.error.map((issue) => issue.field).sort();
    expect(fields).toEqual([
      'databaseUrl (TASKGATE_DATABASE_URL / --db)',
      'environment (TASKGATE_ENVIRONMENT)',
      'port (TASKGATE_PORT / --port)',
    ]);
  });

  it('removes trailing slashes from publicUrl when one is given', () => {
    const config = loadConfig({ env: { TASKGATE_PUBLIC_URL: 'https://tasks.example.com//' } });
    expect(config.publicUrl).toBe('https://tasks.example.com');
  });

  it('refuses a publicUrl whose query would ride along on every emitted URL', () => {
    const result = parseConfig({ env: { TASKGATE_PUBLIC_URL: 'https://tasks.example.com/?next=evil' } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toEqual([
      {
        field: 'publicUrl (TASKGATE_PUBLIC_URL / --public-url)',
        message: 'must be an absolute http(s) URL without query or fragment',
      },
    ]);
  });

  it('refuses a secret key shorter than 32 characters', () => {
    const result = parseConfig({ env: { TASKGATE_SECRET_KEY: 'short' } });
    expect(result.ok).toBe(false);
  });
});

describe('CORS allow-list', () => {
  it('reads the listed origins when they are in the form browsers send', () => {
    const config = loadConfig({
      env: { TASKGATE_CORS_ORIGINS: ' https://app.example.com, http://localhost:5173 ,' },
    });
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it('refuses `*` with an error that says to list each origin (a wildcard would open /mcp to every page)', () => {
    const result = parseConfig({ env: { TASKGATE_CORS_ORIGINS: '*' } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toEqual([
      {
        field: 'corsOrigins (TASKGATE_CORS_ORIGINS)',
        message:
          '`*` is refused: list each origin that may call Taskgate from a browser, e.g. https://app.example.com',
      },
    ]);
  });

  it.each([
    ['https://*.example.com', 'https://*.example.com: wildcards are refused; list each origin'],
    ['null', 'null: not an http(s) origin such as https://app.example.com'],
    ['file:///tmp/x.html', 'file:///tmp/x.html: not an http(s) origin such as https://app.example.com'],
    [
      'https://app.example.com/',
      'https://app.example.com/: write the origin exactly as browsers send it: https://app.example.com',
    ],
    [
      'https://App.Example.com',
      'https://App.Example.com: write the origin exactly as browsers send it: https://app.example.com',
    ],
    [
      'https://app.example.com:443',
      'https://app.example.com:443: write the origin exactly as browsers send it: https://app.example.com',
    ],
  ])('refuses the entry %j, which no browser would send as an Origin', (entry, message) => {
    const result = parseConfig({ env: { TASKGATE_CORS_ORIGINS: `https://ok.example, ${entry}` } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toEqual([{ field: 'corsOrigins (TASKGATE_CORS_ORIGINS)', message }]);
  });
});

describe('CIMD test escape hatches', () => {
  it('reads the test hosts as canonical host:port pairs when they are listed', () => {
    const config = loadConfig({
      env: {
        TASKGATE_OAUTH_CIMD_TEST_HOSTS: ' 127.1:8443, [0::1]:9443 ,',
        TASKGATE_OAUTH_CIMD_TEST_CA_FILE: '/tmp/ca.pem',
      },
    });
    expect(config.oauthCimdTestHosts).toEqual(['127.0.0.1:8443', '[::1]:9443']);
    expect(config.oauthCimdTestCaFile).toBe('/tmp/ca.pem');
  });

  it('refuses a test host without a port or with a path', () => {
    const result = parseConfig({
      env: { TASKGATE_OAUTH_CIMD_TEST_HOSTS: 'localhost,127.0.0.1:8443/x,ok:1' },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toEqual([
      {
        field: 'oauthCimdTestHosts (TASKGATE_OAUTH_CIMD_TEST_HOSTS)',
        message:
          'must be a comma-separated list of host:port (e.g. 127.0.0.1:8443); not: localhost, 127.0.0.1:8443/x',
      },
    ]);
  });

  it('refuses to start in production when the SSRF escape hatches are set', () => {
    const result = parseConfig({
      env: {
        TASKGATE_ENVIRONMENT: 'production',
        TASKGATE_OAUTH_CIMD_TEST_HOSTS: '127.0.0.1:8443',
        TASKGATE_OAUTH_CIMD_TEST_CA_FILE: '/tmp/ca.pem',
      },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const message = 'is test-only and must not be set when environment is production';
    expect(result.error).toEqual([
      { field: 'oauthCimdTestHosts (TASKGATE_OAUTH_CIMD_TEST_HOSTS)', message },
      { field: 'oauthCimdTestCaFile (TASKGATE_OAUTH_CIMD_TEST_CA_FILE)', message },
    ]);
  });

  it('starts in production when the escape hatches are empty', () => {
    const config = loadConfig({
      env: { TASKGATE_ENVIRONMENT: 'production', TASKGATE_OAUTH_CIMD_TEST_HOSTS: '' },
    });
    expect(config.oauthCimdTestHosts).toEqual([]);
  });
});

describe('loadConfig', () => {
  it('returns a frozen config when the settings are valid', () => {
    const config = loadConfig({ env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('throws one invalid_input error naming each setting when several are wrong', () => {
    let caught: unknown;
    try {
      loadConfig({ env: { TASKGATE_PORT: '70000', TASKGATE_LOG_LEVEL: 'loud' } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    const error = caught as AppError;
    expect(error.code).toBe('invalid_input');
    expect(error.fields).toHaveLength(2);
    expect(error.publicMessage).toContain('port (TASKGATE_PORT / --port): must be 0-65535');
    expect(error.publicMessage).toContain('logLevel (TASKGATE_LOG_LEVEL)');
  });
});
