/**
 * Time tracking: a member logs minutes against a task they may edit, for today or a past
 * day. Entries are append-only.
 */
import { z } from 'zod';
import type { Clock, IdGenerator } from '../core/index.js';
import type { TimeEntry } from '../model/index.js';
import type { Repositories, TimeEntryFilter } from '../storage/index.js';
import { canSeeAllProjects } from './access.js';
import { type Actor, type DomainStore, inTransaction } from './actor.js';
import { findMemberByRef } from './member-lookup.js';
import { decodeCursor, type Page, toPage } from './pagination.js';
import { assertCanWriteTasks, visibleProjects } from './projects.js';
import { findTask } from './task-lookup.js';
import { fieldError, isoDate, multiLine, pageLimit, parseInput, reference } from './validation.js';

export interface TimeEntryDeps {
  readonly store: DomainStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

const MINUTES_PER_DAY = 24 * 60;

const logTimeInput = z
  .object({
    task: reference(64),
    date: isoDate,
    minutes: z
      .number({ message: 'must be a number' })
      .int('must be a whole number of minutes')
      .min(1, `must be 1-${MINUTES_PER_DAY}`)
      .max(MINUTES_PER_DAY, `must be 1-${MINUTES_PER_DAY}`),
    billable: z.boolean({ message: 'must be true or false' }).default(false),
    note: multiLine(0, 1000).nullable().default(null),
  })
  .strict();

const listTimeInput = z
  .object({
    task: z.string().trim().min(1).optional(),
    member: z.string().trim().min(1).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    cursor: z.string().max(200).optional(),
    limit: pageLimit,
  })
  .strict();

export type LogTimeInput = z.input<typeof logTimeInput>;
export type ListTimeInput = z.input<typeof listTimeInput>;

export function createTimeEntryService(deps: TimeEntryDeps) {
  const { store, clock, ids } = deps;
  return {
    async log(actor: Actor, input: LogTimeInput, tx?: Repositories): Promise<TimeEntry> {
      const data = parseInput(logTimeInput, input);
      const today = clock.now().toISOString().slice(0, 10);
      if (data.date > today) {
        throw fieldError('date', 'must not be in the future');
      }
      return inTransaction(store, tx, async (repos) => {
        const { task, project } = await findTask(repos, actor, data.task);
        await assertCanWriteTasks(repos, actor, project);
        const entry: TimeEntry = {
          id: ids('timeEntry'),
          workspaceId: actor.workspaceId,
          taskId: task.id,
          memberId: actor.memberId,
          date: data.date,
          minutes: data.minutes,
          billable: data.billable,
          note: data.note,
          via: actor.via,
          createdAt: clock.now().toISOString(),
        };
        await repos.timeEntries.insert(entry);
        return entry;
      });
    },

    async list(actor: Actor, input: ListTimeInput = {}): Promise<Page<TimeEntry>> {
      const data = parseInput(listTimeInput, input);
      const filter: { -readonly [K in keyof TimeEntryFilter]: TimeEntryFilter[K] } = {};
      if (data.task !== undefined) filter.taskId = (await findTask(store, actor, data.task)).task.id;
      else if (!canSeeAllProjects(actor.role) || actor.projectIds != null) {
        filter.projectIds = (await visibleProjects(store, actor, true)).map((p) => p.id);
      }
      if (data.member !== undefined) {
        filter.memberId = (await findMemberByRef(store, actor.workspaceId, data.member, 'member')).id;
      }
      if (data.from !== undefined) filter.from = data.from;
      if (data.to !== undefined) filter.to = data.to;
      const afterId = decodeCursor('timeEntry', data.cursor);
      const rows = await store.timeEntries.list(actor.workspaceId, filter, {
        limit: data.limit + 1,
        ...(afterId !== undefined && { afterId }),
      });
      return toPage(rows, data.limit);
    },
  };
}

export type TimeEntryService = ReturnType<typeof createTimeEntryService>;
