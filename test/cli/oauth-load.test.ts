/**
 * The authorization server (oidc-provider) loads after the listener is up, not before: a
 * quarter of start-up. What that must not cost, through the built binary: OAuth requests
 * that arrive the moment the server listens are answered by oidc-provider (they wait for the
 * load, never a 500), and an install where it cannot be loaded stops the server with exit 1
 * instead of leaving an instance that is ready but can never issue a token.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBinary, startBinary } from '../support/cli-binary.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'taskgate-oauth-load-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({
  TASKGATE_DATA_DIR: join(dir, 'data'),
  TASKGATE_SECRET_KEY: randomBytes(32).toString('base64url'),
});

/**
 * A broken install, made real with Node's own module hooks (no hook in the product):
 * resolving `oidc-provider` fails as it does when the package is missing.
 */
function withoutOidcProvider(): Record<string, string> {
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `export async function resolve(specifier, context, next) {
  if (specifier === 'oidc-provider') {
    throw Object.assign(new Error("Cannot find package 'oidc-provider' (removed by the test)"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}\n`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  return { NODE_OPTIONS: `--import=${pathToFileURL(register).href}` };
}

describe('the authorization server, loaded once the server listens', () => {
  it('answers 50 token requests fired the moment the server listens from oidc-provider, none with a 500', async () => {
    const server = await startBinary<{ url: string }>(['serve', '--port', '0', '--json'], {
      cwd: dir,
      env: env(),
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          fetch(`${server.info.url}/oauth/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'grant_type=authorization_code&code=nope&client_id=nobody',
          }).then(async (response) => ({
            status: response.status,
            body: (await response.json()) as { error?: string },
          })),
        ),
      );
      // oidc-provider's own refusal of an unknown client: only a loaded provider says this.
      expect(new Set(answers.map((a) => `${a.status} ${a.body.error}`))).toEqual(
        new Set(['401 invalid_client']),
      );
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('stops with exit 1 and says why when oidc-provider cannot be loaded, instead of serving without OAuth', async () => {
    const result = await runBinary(['serve', '--port', '0', '--json'], {
      cwd: dir,
      env: { ...env(), ...withoutOidcProvider() },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('taskgate: could not load the OAuth authorization server');
    expect(result.stderr).toContain("Cannot find package 'oidc-provider' (removed by the test)");
  });
});
