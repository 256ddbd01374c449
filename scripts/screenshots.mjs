#!/usr/bin/env node
/**
 * `npm run screenshots`: every console page of a fresh demo, photographed by Debian's chromium
 * into docs/screenshots/ for docs/console.md. It runs what a reader would: `taskgate demo` on
 * a throwaway SQLite file, a few MCP calls with the demo's first key through the official SDK
 * client (so Activity, Usage and Approvals have something to show), then the one-time sign-in
 * link. A page that answers anything but 200 fails the run: the docs never show a page that
 * does not exist. Secrets never reach an image: nothing here shows a key once.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'docs', 'screenshots');
const MAIN = join(ROOT, 'dist', 'main.js');
const VIEWPORT = { width: 1280, height: 860 };

/** A free port: the printed sign-in link must carry the real one (port 0 would not). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `taskgate demo` and resolves with the JSON it prints once listening. */
async function startDemo(dir) {
  const port = String(await freePort());
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TASKGATE_')));
  const child = spawn(process.execPath, [MAIN, 'demo', '--port', port, '--json'], {
    cwd: dir,
    env: { ...env, TASKGATE_DATA_DIR: dir, TASKGATE_DATABASE_URL: `sqlite:${join(dir, 'demo.db')}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      try {
        resolve({ child, info: JSON.parse(stdout) });
      } catch {
        // Not the whole document yet.
      }
    });
    child.once('exit', (code) => reject(new Error(`demo exited with ${code}\n${stderr}`)));
  });
}

/** A little of what an assistant does, so the pages are not empty (refusals included). */
async function useTheFirstKey(url, key) {
  const client = new Client({ name: 'claude-code', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  const call = async (name, args = {}) => {
    const result = await client.callTool({ name, arguments: args });
    return result.structuredContent ?? {};
  };
  await call('whoami');
  const { projects = [] } = await call('list_projects');
  await call('list_tasks', {});
  const reason = 'The user asked for a launch checklist';
  const created = await call('create_task', {
    project: projects[0]?.key ?? 'WEB',
    title: 'Draft the launch checklist',
    reason,
  });
  const task = created.result?.task; // the new task's key, e.g. WEB-51
  if (task) {
    await call('get_task', { task });
    await call('update_task', { task, status: 'in_progress', reason: 'Work started' });
    await call('delete_task', { task, reason: 'A duplicate, says the user' });
  }
  await client.close();
}

async function shoot(page, base, name, path) {
  const response = await page.goto(`${base}${path}`);
  const status = response?.status();
  if (status !== 200) throw new Error(`${path} answered ${status}: not photographed`);
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
  console.log(`docs/screenshots/${name}.png  ${path}`);
}

/** The first link on the page whose path matches `pattern`, e.g. a key's own page. */
async function firstLink(page, pattern) {
  const hrefs = await page
    .locator('main a[href]')
    .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  const href = hrefs.find((h) => pattern.test(h));
  if (!href) throw new Error(`no link matching ${pattern} on ${page.url()}`);
  return href;
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'taskgate-shots-'));
  const { child, info } = await startDemo(dir);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    await useTheFirstKey(info.url, info.seeded.firstKey.key);
    const context = await browser.newContext({ viewport: VIEWPORT, timezoneId: 'Europe/London' });
    const page = await context.newPage();
    await page.goto(info.seeded.loginLink.url);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/admin$/);
    const base = info.url;

    await shoot(page, base, '01-overview', '/admin');
    await shoot(page, base, '02-keys', '/admin/keys');
    const keyPage = await firstLink(page, /^\/admin\/keys\/(?!new$)[^/]+$/);
    await shoot(page, base, '03-key-create', '/admin/keys/new');
    await shoot(page, base, '04-key', keyPage);
    await shoot(page, base, '05-key-rotate', `${keyPage}/rotate`);
    await shoot(page, base, '06-key-narrow', `${keyPage}/narrow`);
    await shoot(page, base, '07-key-revoke', `${keyPage}/revoke`);
    await shoot(page, base, '08-incident', `${keyPage}/incident`);
    await shoot(page, base, '09-connections', '/admin/connections');
    await shoot(page, base, '10-activity', '/admin/activity');
    const eventPage = await firstLink(page, /^\/admin\/activity\/(?!verify$|export)[^/?]+$/);
    await shoot(page, base, '11-activity-event', eventPage);
    await shoot(page, base, '12-usage', '/admin/usage');
    await shoot(page, base, '13-approvals', '/admin/approvals');
    await shoot(page, base, '14-members', '/admin/members');
    await shoot(page, base, '15-policy', '/admin/policy');
    await page.emulateMedia({ media: 'print' });
    await shoot(page, base, '16-overview-print', '/admin');
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
