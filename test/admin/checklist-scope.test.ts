/**
 * Who sees what of the security checklist, names that try to be markup or terminal controls,
 * bad references, and 50 evaluations racing key creation — on both stores.
 */
import { expect, it } from 'vitest';
import { CHECKLIST_ITEM_IDS, type Checklist } from '../../src/admin/index.js';
import { createChecklistFixture } from '../support/checklist-fixture.js';
import { rejection } from '../support/errors.js';
import { describeEachStore } from '../support/stores.js';

const ids = (c: Checklist) => c.items.map((i) => i.id);
/** Markup, C0/C1 controls, bidi controls and line separators: none may reach a finding raw. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
const LIVE = new RegExp(`[<>]|${CONTROL.source}`);

describeEachStore('security checklist scope', (current) => {
  it('gives owners, admins and the command line the whole workspace', async () => {
    const f = await createChecklistFixture(current());
    await f.key('cursor-work-laptop');
    await f.key('claude-desktop-home', { member: f.member.email });
    for (const viewer of [null, f.owner.id, f.admin.id]) {
      const result = await f.checklist.evaluate('acme', viewer);
      expect(result).toMatchObject({ scope: 'workspace', keysEvaluated: 2 });
      expect(ids(result)).toEqual([
        'separate-keys',
        'one-machine-per-key',
        'descriptive-names',
        'rotation',
        'confirm-writes',
        'audit-verified',
        'environments-separated',
        'idle-full-scope',
        'revoke-when-compromised',
        'never-commit-keys',
        'store-keys-securely',
        'monitor-usage',
      ]);
      expect([...ids(result)].sort()).toEqual([...CHECKLIST_ITEM_IDS].sort());
    }
  });

  it("refuses a member a look at other members' keys: only their own keys, no workspace items", async () => {
    const f = await createChecklistFixture(current());
    const theirs = await f.key('claude-desktop-home', { member: f.member.email });
    const owners = await f.key('api-key-1');
    await f.used(owners, { ip: '203.0.113.5', client: 'Cursor' });
    await f.used(owners, { ip: '198.51.100.7', client: 'Claude Desktop' });
    const result = await f.checklist.evaluate('acme', f.member.id);
    expect(result).toMatchObject({ scope: 'own', keysEvaluated: 1 });
    expect(ids(result)).not.toContain('confirm-writes');
    expect(ids(result)).not.toContain('audit-verified');
    expect(result.items.filter((i) => i.status === 'warn' || i.status === 'fail')).toEqual([]);
    const text = JSON.stringify(result);
    expect(text).not.toContain(owners.id);
    expect(text).not.toContain('api-key-1');
    // The workspace view does see the owner's key at fault.
    const all = await f.checklist.evaluate('acme', f.admin.id);
    expect(all.items.find((i) => i.id === 'separate-keys')?.keys).toEqual([
      { id: owners.id, name: 'api-key-1' },
    ]);
    expect(theirs.memberId).toBe(f.member.id);
  });

  it('refuses a member of another workspace as not found, saying nothing of this one', async () => {
    const f = await createChecklistFixture(current());
    const other = await createChecklistFixture(current(), 'production', 'globex');
    const error = await rejection(f.checklist.evaluate('acme', other.owner.id));
    expect(error.code).toBe('not_found');
    expect(error.publicMessage).toBe('workspace acme not found');
  });

  it('refuses a workspace reference with text glued to it, quoting it inert, and writes nothing', async () => {
    const f = await createChecklistFixture(current());
    const before = await current().audit.list(f.workspace.id, { limit: 100 });
    for (const ref of ['acme\u001b[2J', 'acme<script>', 'acme\u202e', "acme' or 1=1"]) {
      const error = await rejection(f.checklist.evaluate(ref, null));
      expect(error.code).toBe('not_found');
      expect(error.publicMessage).not.toMatch(CONTROL);
    }
    const bogusViewer = await rejection(f.checklist.evaluate('acme', 'mbr_<img src=x>'));
    expect(bogusViewer.code).toBe('not_found');
    expect(await current().audit.list(f.workspace.id, { limit: 100 })).toEqual(before);
  });

  it('names a key whose name is markup or terminal controls as one inert quoted token', async () => {
    const f = await createChecklistFixture(current());
    const k = await f.key('cursor-work-laptop');
    const hostile = '<img src=x onerror=alert(1)>\u001b[31mowned\u202e\n"; rm -rf /';
    const legacy = await f.legacyKey(k, { name: hostile });
    await f.used(legacy, { ip: '203.0.113.5', client: '<b>Cursor</b>' });
    await f.used(legacy, { ip: '198.51.100.7', client: 'Claude\u0007Desktop' });
    const result = await f.checklist.evaluate('acme', null);
    const names = result.items.find((i) => i.id === 'descriptive-names')!;
    expect(names.status).toBe('fail');
    for (const item of result.items) {
      expect(item.finding).not.toMatch(LIVE);
    }
    const token = /^1 key break the client-machine naming rule: ("(?:[^"\\]|\\.)*")/.exec(names.finding)?.[1];
    expect(token && JSON.parse(token)).toBe(hostile);
    // The structured list keeps the name as stored: escaping it is each renderer's job.
    expect(names.keys).toContainEqual({ id: legacy.id, name: hostile });
  });

  it('stays consistent through 50 concurrent evaluations while keys are created', async () => {
    const f = await createChecklistFixture(current());
    await f.key('cursor-work-laptop');
    const creating = Promise.all(
      Array.from({ length: 10 }, (_, i) => f.key(`cursor-machine-${i}`, { preset: 'standard' })),
    );
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => f.checklist.evaluate('acme', i % 2 ? f.admin.id : null)),
    );
    await creating;
    for (const result of results) {
      expect(result.keysEvaluated).toBeGreaterThanOrEqual(1);
      expect(result.keysEvaluated).toBeLessThanOrEqual(11);
      expect(result.items).toHaveLength(CHECKLIST_ITEM_IDS.length);
      const total = Object.values(result.summary).reduce((a, b) => a + b, 0);
      expect(total).toBe(result.items.length);
      const names = result.items.find((i) => i.id === 'descriptive-names')!;
      expect(names.finding).toMatch(
        new RegExp(`^every key is named client-machine \\(${result.keysEvaluated} keys?\\)$`),
      );
    }
    const settled = await f.checklist.evaluate('acme', null);
    expect(settled.keysEvaluated).toBe(11);
  });
});
