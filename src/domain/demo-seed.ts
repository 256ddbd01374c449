/**
 * The demo workspace `npm start` creates on an empty database: four members (one per
 * role), three projects, about fifty tasks with comments and time entries. It goes
 * through the same services as everything else, so the demo obeys every rule.
 */
import { type Clock, type Random, randomInt } from '../core/index.js';
import type { Member, TaskPriority, TaskStatus } from '../model/index.js';
import type { Actor } from './actor.js';
import type { Domain } from './domain.js';

export const DEMO_WORKSPACE = 'demo';

const PEOPLE = [
  { email: 'ada@example.com', name: 'Ada Lovelace', role: 'owner' },
  { email: 'grace@example.com', name: 'Grace Hopper', role: 'admin' },
  { email: 'alan@example.com', name: 'Alan Turing', role: 'member' },
  { email: 'katherine@example.com', name: 'Katherine Johnson', role: 'viewer' },
] as const;

const PROJECTS = [
  {
    key: 'APO',
    name: 'Apollo launch',
    description: 'Ship the Apollo release to every customer by the end of the quarter.',
    tasks: [
      'Freeze the release branch',
      'Write the migration guide',
      'Load-test the sync service',
      'Fix flaky upload test',
      'Update pricing page copy',
      'Prepare launch webinar slides',
      'Review security checklist',
      'Localise onboarding emails',
      'Rotate staging credentials',
      'Publish changelog',
      'Triage beta feedback',
      'Benchmark cold start',
      'Plan rollback drill',
      'Record demo video',
      'Sign off accessibility audit',
      'Draft press release',
      'Archive old feature flags',
      'Check GDPR data map',
    ],
  },
  {
    key: 'WEB',
    name: 'Website redesign',
    description: 'New marketing site: faster, accessible, easier to update.',
    tasks: [
      'Audit current page weights',
      'Choose a type scale',
      'Build the hero component',
      'Migrate blog posts',
      'Set up redirects for old URLs',
      'Add cookie-free analytics',
      'Write 404 page copy',
      'Compress hero images',
      'Test with a screen reader',
      'Design pricing table',
      'Add customer logos',
      'Connect the newsletter form',
      'Fix mobile navigation overlap',
      'Review dark mode contrast',
      'Create social share images',
      'Launch checklist',
    ],
  },
  {
    key: 'ONB',
    name: 'Customer onboarding',
    description: 'Get new teams from sign-up to first finished project in a day.',
    tasks: [
      'Call Acme Corp about their import',
      'Follow up with Globex on SSO',
      'Write the workspace setup guide',
      'Record a 3-minute intro video',
      'Create a sample project template',
      'Interview five new customers',
      'Measure time to first task',
      'Simplify the invite flow',
      'Answer the open support tickets',
      'Draft the welcome email sequence',
      'Set up the success dashboard',
      'Review churned accounts',
      'Prepare the quarterly business review',
      'Map the onboarding funnel',
      'Translate the help centre',
      'Schedule office hours',
    ],
  },
] as const;

const STATUSES: readonly TaskStatus[] = [
  'todo',
  'todo',
  'in_progress',
  'in_progress',
  'blocked',
  'done',
  'done',
  'cancelled',
];
const PRIORITIES: readonly TaskPriority[] = ['none', 'low', 'medium', 'medium', 'high', 'urgent'];
const LABELS = ['bug', 'docs', 'design', 'customer', 'backend', 'frontend', 'quick-win'];
const COMMENTS = [
  'I can take this one this week.',
  'Blocked until we hear back from legal.',
  'Done in staging, waiting for review.',
  'Can we split this into two smaller tasks?',
  'Pushed a first draft, feedback welcome.',
];

export interface DemoSummary {
  readonly workspace: string;
  readonly members: number;
  readonly projects: number;
  readonly tasks: number;
  readonly comments: number;
  readonly timeEntries: number;
}

export async function seedDemoWorkspace(domain: Domain, clock: Clock, random: Random): Promise<DemoSummary> {
  const pick = <T>(list: readonly T[]): T => list[randomInt(random, list.length)]!;
  const daysFromNow = (days: number) =>
    new Date(clock.now().getTime() + days * 86_400_000).toISOString().slice(0, 10);

  const [first, ...others] = PEOPLE;
  const { workspace, owner } = await domain.workspaces.create({
    workspace: DEMO_WORKSPACE,
    name: 'Acme Robotics (demo)',
    owner: first.email,
    ownerName: first.name,
  });
  const ownerActor: Actor = { workspaceId: workspace.id, memberId: owner.id, role: 'owner', via: 'cli' };
  const members: Member[] = [owner];
  for (const person of others) members.push(await domain.workspaces.addMember(ownerActor, person));
  const workers = members.filter((m) => m.role !== 'viewer');

  let tasks = 0;
  let comments = 0;
  let timeEntries = 0;
  for (const spec of PROJECTS) {
    await domain.projects.create(ownerActor, {
      key: spec.key,
      name: spec.name,
      description: spec.description,
      members: members.map((m) => m.id),
    });
    for (const title of spec.tasks) {
      const assignee = pick(workers);
      const task = await domain.tasks.create(ownerActor, {
        project: spec.key,
        title,
        description: `${title}. See the ${spec.name} brief for context.`,
        status: pick(STATUSES),
        priority: pick(PRIORITIES),
        assignee: randomInt(random, 5) === 0 ? null : assignee.id,
        dueDate: randomInt(random, 3) === 0 ? null : daysFromNow(randomInt(random, 60) - 10),
        labels: [pick(LABELS), pick(LABELS)],
      });
      tasks++;
      const actor: Actor = {
        workspaceId: workspace.id,
        memberId: assignee.id,
        role: assignee.role,
        via: 'web',
      };
      if (randomInt(random, 2) === 0) {
        await domain.comments.add(actor, { task: task.id, body: pick(COMMENTS) });
        comments++;
      }
      if (task.status !== 'todo') {
        await domain.timeEntries.log(actor, {
          task: task.id,
          date: daysFromNow(-randomInt(random, 14)),
          minutes: 15 * (1 + randomInt(random, 16)),
          billable: randomInt(random, 2) === 0,
          note: null,
        });
        timeEntries++;
      }
    }
  }
  return {
    workspace: workspace.slug,
    members: members.length,
    projects: PROJECTS.length,
    tasks,
    comments,
    timeEntries,
  };
}
