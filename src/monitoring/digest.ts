/**
 * The weekly digest per workspace (the guide: "review audit logs regularly"): over the last
 * seven days, calls, writes and denials (the usage counts the Usage page reads), the MCP
 * clients and IP addresses seen for the first time, the keys due for rotation, and the
 * alerts raised. Keyed by workspace and week, so a rerun queues it once.
 */
import { USAGE_CALL_ACTIONS } from '../audit/index.js';
import { keyStatus, rotationOf } from '../credentials/index.js';
import type { Workspace } from '../model/index.js';
import type { Store } from '../storage/index.js';
import type { Delivery } from './notify-deliver.js';
import { ALERT_RAISED_ACTION } from './notify-events.js';
import { type Notice, noticeText } from './notify-notice.js';

const WEEK_MS = 7 * 86_400_000;
const SCAN_PAGE = 500;
/** Events read for first-seen clients and addresses; a busier week reports what it read. */
const SCAN_MAX = 20_000;

export interface DigestFigures {
  readonly since: string;
  readonly until: string;
  readonly calls: number;
  readonly writes: number;
  readonly denials: number;
  readonly newClients: readonly string[];
  readonly newIps: readonly string[];
  readonly keysDue: readonly { readonly name: string; readonly dueAt: string; readonly state: string }[];
  readonly alerts: number;
}

type DigestStore = Pick<Store, 'usage' | 'audit' | 'apiKeys'>;

export async function digestFigures(
  store: DigestStore,
  workspace: Workspace,
  now: Date,
): Promise<DigestFigures> {
  const until = now.toISOString();
  const since = new Date(now.getTime() - WEEK_MS).toISOString();
  const counts = await store.usage.dailyCounts(workspace.id, { since, until, actions: USAGE_CALL_ACTIONS });
  const sum = (pick: (c: (typeof counts)[number]) => boolean) =>
    counts.filter(pick).reduce((total, c) => total + c.count, 0);
  const clients = new Set<string>();
  const ips = new Set<string>();
  let cursor: string | undefined;
  for (let read = 0; read < SCAN_MAX; read += SCAN_PAGE) {
    const page = await store.audit.list(workspace.id, {
      action: 'mcp.tool_called',
      since,
      until,
      order: 'asc',
      limit: SCAN_PAGE,
      ...(cursor !== undefined && { cursor }),
    });
    for (const e of page) {
      if (e.clientName) clients.add(e.clientName);
      if (e.ip) ips.add(e.ip);
    }
    cursor = page.at(-1)?.id;
    if (page.length < SCAN_PAGE) break;
  }
  const seenBefore = async (filter: { clientName?: string; ip?: string }) => {
    if (filter.ip !== undefined)
      return (await store.audit.list(workspace.id, { ip: filter.ip, until: since, limit: 1 })).length > 0;
    // The audit query has no client filter: a client is new if no earlier call of the
    // workspace names it (read back a bounded window).
    const earlier = await store.audit.list(workspace.id, {
      action: 'mcp.tool_called',
      until: since,
      limit: SCAN_PAGE,
    });
    return earlier.some((e) => e.clientName === filter.clientName);
  };
  const newClients: string[] = [];
  for (const name of [...clients].sort())
    if (!(await seenBefore({ clientName: name }))) newClients.push(name);
  const newIps: string[] = [];
  for (const ip of [...ips].sort()) if (!(await seenBefore({ ip }))) newIps.push(ip);
  const keysDue = (await store.apiKeys.list(workspace.id))
    .filter((k) => k.kind === 'api_key' && keyStatus(k, now) === 'active')
    .map((k) => ({ name: k.name, ...rotationOf(k, workspace, now) }))
    .filter((k) => k.state !== 'ok')
    .map((k) => ({ name: k.name, dueAt: k.dueAt, state: k.state }));
  const alerts = (
    await store.audit.list(workspace.id, { action: ALERT_RAISED_ACTION, since, until, limit: 1000 })
  ).length;
  return {
    since,
    until,
    calls: sum(() => true),
    writes: sum((c) => c.wrote),
    denials: sum((c) => c.outcome === 'denied'),
    newClients,
    newIps,
    keysDue,
    alerts,
  };
}

export function digestNotice(workspace: Workspace, figures: DigestFigures, publicUrl: string): Notice {
  const admin = `${publicUrl}/admin`;
  const links = [`${admin}/activity`, `${admin}/usage`, `${admin}/keys`];
  const list = (items: readonly string[]) => (items.length ? items.join(', ') : 'none');
  const lines = [
    `Workspace: ${workspace.slug}`,
    `Week: ${figures.since.slice(0, 10)} to ${figures.until.slice(0, 10)}`,
    `Calls: ${figures.calls}`,
    `Writes: ${figures.writes}`,
    `Denials: ${figures.denials}`,
    `New clients: ${list(figures.newClients)}`,
    `New IP addresses: ${list(figures.newIps)}`,
    `Keys due for rotation: ${list(figures.keysDue.map((k) => `${k.name} (${k.state === 'overdue' ? 'overdue' : 'due'} ${k.dueAt.slice(0, 10)})`))}`,
    `Alerts: ${figures.alerts}`,
    '',
    'Review the activity log:',
  ];
  return {
    workspaceId: workspace.id,
    kind: 'digest',
    key: `digest:${workspace.id}:${figures.until.slice(0, 10)}`,
    subject: `[Taskgate ${workspace.slug}] Weekly digest: ${figures.calls} calls, ${figures.denials} denials, ${figures.alerts} alerts`,
    text: noticeText(lines, links),
    links,
    credentialId: null,
    data: { workspace: workspace.slug, ...figures },
    occurredAt: figures.until,
  };
}

export function createDigests(deps: {
  readonly store: DigestStore & Pick<Store, 'workspaces' | 'transaction'>;
  readonly delivery: Pick<Delivery, 'enqueue'>;
  readonly publicUrl: string;
}) {
  return {
    async send(now: Date): Promise<number> {
      let queued = 0;
      for (const workspace of await deps.store.workspaces.list()) {
        const notice = digestNotice(
          workspace,
          await digestFigures(deps.store, workspace, now),
          deps.publicUrl,
        );
        const rows = await deps.store.transaction((repos) => deps.delivery.enqueue(repos, notice));
        if (rows.length > 0) queued++;
      }
      return queued;
    },
  };
}
