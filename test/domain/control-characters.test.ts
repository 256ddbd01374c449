/**
 * Issue 13 point 4 in the domain, where MCP, the CLI and the console all pass: every
 * single-line field refuses control characters, bidi controls and line separators with an
 * error naming it, multi-line fields keep tab and newline only, and nothing is written.
 */
import { expect, it } from 'vitest';
import { FORGED, glued, UNSAFE_CLASSES } from '../support/control-characters.js';
import { createDomainFixture } from '../support/domain-fixture.js';
import { rejection } from '../support/errors.js';
import { describeEachStore } from '../support/stores.js';

const SINGLE_LINE_REFUSED = Object.values(UNSAFE_CLASSES);
const MULTI_LINE_REFUSED = SINGLE_LINE_REFUSED.filter((c) => c !== '\n' && c !== '\t');

describeEachStore('control characters in domain fields', (current) => {
  it('refuses each class in a task title, glued at the start, middle or end, and creates nothing', async () => {
    const store = current();
    const { domain, members, actor, workspace } = await createDomainFixture(store);
    for (const c of SINGLE_LINE_REFUSED) {
      for (const title of Object.values(glued(c))) {
        const error = await rejection(domain.tasks.create(actor(members.owner), { project: 'APO', title }));
        expect(error.code).toBe('invalid_input');
        expect(error.fields).toEqual([
          {
            field: 'title',
            message: expect.stringMatching(
              /^must be a single line: .* \(found U\+[0-9A-F]{4} at position \d+\)$/,
            ),
          },
        ]);
      }
    }
    expect(await store.tasks.list(workspace.id, {}, { limit: 10 })).toEqual([]);
  });

  it('names the field for project, member, workspace and owner names and the search text', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const owner = actor(members.owner);
    const bad = `Ops\n${FORGED}`;
    const cases: [Promise<unknown>, string][] = [
      [domain.projects.create(owner, { key: 'OPS', name: bad }), 'name'],
      [domain.projects.update(owner, 'APO', { name: `Apollo\u202e` }), 'name'],
      [domain.workspaces.addMember(owner, { email: 'eve@acme.test', name: bad, role: 'member' }), 'name'],
      [domain.workspaces.create({ workspace: 'evil', owner: 'eve@evil.test', name: bad }), 'name'],
      [
        domain.workspaces.create({ workspace: 'evil', owner: 'eve@evil.test', ownerName: `Eve\u2028` }),
        'ownerName',
      ],
      [domain.tasks.list(owner, { text: `x\u001b[2J` }), 'text'],
      [
        domain.tasks.create(owner, { project: 'APO', title: 'ok', assignee: `owner@acme.test\n` }),
        'assignee',
      ],
    ];
    for (const [attempt, field] of cases) {
      const error = await rejection(attempt);
      expect(error.code).toBe('invalid_input');
      expect(error.fields.map((f) => f.field)).toEqual([field]);
      expect(error.fields[0]!.message).toMatch(/^must be a single line/);
    }
    expect((await domain.workspaces.listMembers(owner)).map((m) => m.email)).not.toContain('eve@acme.test');
  });

  it('keeps tab and newline in descriptions, comments and notes, and refuses every other class', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const owner = actor(members.owner);
    const task = await domain.tasks.create(owner, { project: 'APO', title: 'T', description: 'a\r\n\tb\nc' });
    expect(task.description).toBe('a\n\tb\nc');
    const comment = await domain.comments.add(owner, { task: task.key, body: `looks fine\n${FORGED}` });
    expect(comment.body).toBe(`looks fine\n${FORGED}`);
    for (const c of MULTI_LINE_REFUSED) {
      for (const [attempt, field] of [
        [domain.tasks.update(owner, task.key, { description: `a${c}b` }), 'description'],
        [domain.comments.add(owner, { task: task.key, body: `a${c}b` }), 'body'],
        [domain.projects.create(owner, { key: 'DOC', name: 'Docs', description: `a${c}b` }), 'description'],
        [
          domain.timeEntries.log(owner, { task: task.key, date: '2026-11-02', minutes: 5, note: `a${c}` }),
          'note',
        ],
      ] as const) {
        const error = await rejection(attempt);
        expect(error.fields.map((f) => f.field)).toEqual([field]);
        expect(error.fields[0]!.message).toMatch(/^may hold tabs and newlines but no other/);
      }
    }
    expect((await domain.tasks.get(owner, task.key)).version).toBe(1);
  });
});
