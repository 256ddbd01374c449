/**
 * The console's pages as one table: where each lives, its place in the navigation, and which
 * roles may see it. The navigation shows only what the member's role may see, and `gate`
 * (not-found.tsx) answers the same 404 for a page outside the role as for a page that does
 * not exist, so the table is the one place a page's audience is decided.
 */
import type { Role } from '../model/index.js';

export type ConsolePageId =
  | 'overview'
  | 'keys'
  | 'connections'
  | 'oauth-clients'
  | 'activity'
  | 'usage'
  | 'approvals'
  | 'members'
  | 'policy'
  | 'notifications'
  | 'alerts';

export interface ConsolePage {
  readonly id: ConsolePageId;
  readonly label: string;
  readonly path: string;
  /** Shown under this heading in the navigation (Integrations → API keys / Connections). */
  readonly group?: 'Integrations';
  readonly roles: readonly Role[];
}

const EVERYONE: readonly Role[] = ['owner', 'admin', 'member', 'viewer'];
const MANAGERS: readonly Role[] = ['owner', 'admin'];

export const CONSOLE_PAGES: readonly ConsolePage[] = [
  { id: 'overview', label: 'Overview', path: '/admin', roles: EVERYONE },
  { id: 'keys', label: 'API keys', path: '/admin/keys', group: 'Integrations', roles: EVERYONE },
  {
    id: 'connections',
    label: 'Connections',
    path: '/admin/connections',
    group: 'Integrations',
    roles: EVERYONE,
  },
  // Shared by every workspace of the server; an owner or admin adds and removes them.
  {
    id: 'oauth-clients',
    label: 'OAuth clients',
    path: '/admin/connections/clients',
    group: 'Integrations',
    roles: MANAGERS,
  },
  // A member sees only their own activity; a viewer only their own keys.
  { id: 'activity', label: 'Activity', path: '/admin/activity', roles: ['owner', 'admin', 'member'] },
  { id: 'usage', label: 'Usage', path: '/admin/usage', roles: MANAGERS },
  // The alert service answers owners and admins only: a member gets the 404.
  { id: 'alerts', label: 'Alerts', path: '/admin/alerts', roles: MANAGERS },
  { id: 'approvals', label: 'Approvals', path: '/admin/approvals', roles: EVERYONE },
  { id: 'members', label: 'Members', path: '/admin/members', roles: MANAGERS },
  { id: 'policy', label: 'Policy', path: '/admin/policy', roles: MANAGERS },
  { id: 'notifications', label: 'Notifications', path: '/admin/notifications', roles: MANAGERS },
];

export function consolePage(id: ConsolePageId): ConsolePage {
  const page = CONSOLE_PAGES.find((p) => p.id === id);
  if (!page) throw new Error(`no console page ${id}`);
  return page;
}

/** Whether `role` may see the page: the navigation and the 404 gate both ask this. */
export function maySee(role: Role, id: ConsolePageId): boolean {
  return consolePage(id).roles.includes(role);
}

/** The pages `role` may see, in navigation order. */
export function visiblePages(role: Role): readonly ConsolePage[] {
  return CONSOLE_PAGES.filter((page) => page.roles.includes(role));
}
