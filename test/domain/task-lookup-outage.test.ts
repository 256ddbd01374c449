/**
 * A task lookup that fails because the database went away must say so, never "not found":
 * an assistant told a task does not exist during an outage would act on a lie (for example,
 * create it again). Found by the PostgreSQL pause test, where a get_task in flight answered
 * "task APO-1 not found" instead of 503.
 */
import { expect, it } from 'vitest';
import { createDomainFixture } from '../support/domain-fixture.js';
import { describeEachStore } from '../support/stores.js';

describeEachStore('task lookup during an outage', (current) => {
  it('does not disguise a database failure as task not found', async () => {
    const store = current();
    const { domain, members, actor } = await createDomainFixture(store);
    const task = await domain.tasks.create(actor(members.owner), { project: 'APO', title: 'Exists' });
    await store.close();
    for (const ref of [task.key, task.id]) {
      const error = await domain.tasks.get(actor(members.owner), ref).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, ref).toBeDefined();
      expect((error as { code?: string }).code, ref).not.toBe('not_found');
    }
  });

  it('still hides a task in a project the actor may not read as not found', async () => {
    const { domain, members, actor } = await createDomainFixture(current());
    const task = await domain.tasks.create(actor(members.owner), { project: 'APO', title: 'Hidden' });
    const outsider = { ...actor(members.owner), projectIds: ['prj_none'] };
    await expect(domain.tasks.get(outsider, task.key)).rejects.toMatchObject({
      code: 'not_found',
      message: `task ${task.key} not found`,
    });
  });
});
