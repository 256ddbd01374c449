/**
 * Issue 13 point 4 through the real CLI: a workspace, member, OAuth client name or a freeze
 * reason carrying a control character, bidi control or line separator is refused with an
 * error naming the field (exit 2), and nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliSandbox, createCliSandbox } from '../support/cli.js';
import { FORGED, glued, UNSAFE_CLASSES } from '../support/control-characters.js';

let sandbox: CliSandbox;

beforeAll(async () => {
  sandbox = createCliSandbox();
  expect((await sandbox.run('init', '--workspace', 'acme', '--owner', 'ada@acme.test')).code).toBe(0);
});
afterAll(() => sandbox.remove());

const refusals: [string, (bad: string) => string[], RegExp][] = [
  [
    'init --name',
    (bad) => ['init', '--workspace', 'evil', '--owner', 'eve@evil.test', '--name', bad],
    /name: must be a single line/,
  ],
  [
    'init --owner-name',
    (bad) => ['init', '--workspace', 'evil', '--owner', 'eve@evil.test', '--owner-name', bad],
    /ownerName: must be a single line/,
  ],
  [
    'members add --name',
    (bad) => ['members', 'add', '--workspace', 'acme', '--email', 'eve@acme.test', '--name', bad],
    /name: must be a single line/,
  ],
  [
    'freeze --reason',
    (bad) => ['freeze', '--workspace', 'acme', '--reason', bad],
    /reason: must be a single line/,
  ],
  [
    'oauth clients add --name',
    (bad) => ['oauth', 'clients', 'add', '--name', bad, '--redirect-uri', 'http://127.0.0.1:9/cb'],
    /name: must be a single line/,
  ],
];

describe('single-line CLI inputs refuse control characters, naming the field', () => {
  it.each(refusals)('%s refuses every class, glued at the start, middle or end', async (_, argv, message) => {
    for (const [name, c] of Object.entries(UNSAFE_CLASSES)) {
      // NUL cannot travel in a real argv; the other classes can.
      if (c === '\u0000') continue;
      for (const bad of Object.values(glued(c))) {
        const result = await sandbox.run(...argv(bad));
        expect(result.code, name).toBe(2);
        expect(result.stderr, name).toMatch(message);
      }
    }
  });

  it('wrote nothing for the refused inputs', async () => {
    const members = await sandbox.run('members', 'list', '--workspace', 'acme', '--json');
    expect(members.stdout).not.toContain('eve@acme.test');
    const policy = await sandbox.run('policy', 'show', '--workspace', 'acme', '--json');
    expect(policy.stdout).not.toContain(FORGED);
    expect((await sandbox.run('oauth', 'clients', 'list', '--json')).stdout).not.toContain(FORGED);
    expect((await sandbox.run('policy', 'show', '--workspace', 'evil')).code).not.toBe(0);
  });
});
