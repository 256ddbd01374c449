/**
 * GET /admin, the Overview: the workspace at a glance. Owners and admins see the workspace —
 * pending approvals, alerts, keys due for rotation or idle, the audit chain's last
 * verification, recent activity and the live security checklist (the same services as
 * `taskgate keys health`, `audit verify` and `checklist`). A member or viewer sees only
 * their own: their keys' health, their approvals, and (a member) their own activity.
 * SECURITY: what is workspace-wide is never read for a member or viewer, not merely hidden.
 */
import type { Hono } from 'hono';
import type { ChecklistService } from '../admin/index.js';
import type { ActivityService } from '../audit/index.js';
import type { KeyService } from '../credentials/index.js';
import { canManageMembers } from '../domain/index.js';
import type { AlertService } from '../monitoring/index.js';
import { type ApprovalDeps, pendingForMember } from './approvals.js';
import { renderPage, Time } from './layout.js';
import { maySee } from './nav.js';
import { gate } from './not-found.js';
import {
  AlertsSection,
  ApprovalsSection,
  AuditChainSection,
  ChecklistSection,
  KeyHealthSection,
  RecentActivitySection,
} from './overview-sections.js';
import { SIGN_OUT_EVERYWHERE_PATH } from './sign-out-everywhere.js';

export interface OverviewDeps {
  readonly checklist: Pick<ChecklistService, 'evaluate'>;
  readonly keys: Pick<KeyService, 'health'>;
  readonly activity: Pick<ActivityService, 'page' | 'lastVerification'>;
  /** The anomaly rules' open alerts (owners and admins). */
  readonly alerts?: Pick<AlertService, 'list'>;
}

const RECENT_EVENTS = 10;

export function mountHome(app: Hono, deps: OverviewDeps, approvals: ApprovalDeps): void {
  app.get('/admin', async (c) => {
    const signedIn = await gate(c, 'overview');
    if (signedIn instanceof Response) return signedIn;
    const { member, workspace, session } = signedIn;
    const manager = canManageMembers(member.role);
    const viewer = { kind: 'member', member } as const;
    const [pending, health, recent, checklist, verification, alerts] = await Promise.all([
      pendingForMember(approvals, member, workspace),
      deps.keys.health(workspace.slug, { actor: { memberId: member.id, email: member.email } }),
      // The activity service scopes a member to their own events; a viewer has no Activity page.
      maySee(member.role, 'activity') ? deps.activity.page(viewer, { limit: RECENT_EVENTS }) : null,
      manager ? deps.checklist.evaluate(workspace.slug, member.id) : null,
      manager ? deps.activity.lastVerification(workspace) : null,
      manager && deps.alerts ? deps.alerts.list(workspace.slug, member.id, { open: true, limit: 10 }) : null,
    ]);
    const members = recent?.members ?? new Map();
    return renderPage(
      c,
      { title: 'Overview', signedIn, current: '/admin' },
      <>
        <p class="screen-only">
          Signed in as {member.name} ({member.email}, {member.role}) to {workspace.name} ({workspace.slug},{' '}
          {workspace.environment}) since <Time iso={session.createdAt} />; the session ends{' '}
          <Time iso={session.expiresAt} /> at the latest, or after 30 idle minutes.
        </p>
        <ApprovalsSection pending={pending} />
        {manager && <AlertsSection alerts={alerts} />}
        <KeyHealthSection health={health} workspaceWide={manager} />
        {manager && <AuditChainSection last={verification} members={members} />}
        {recent && <RecentActivitySection events={recent.events} members={members} workspaceWide={manager} />}
        {checklist && <ChecklistSection checklist={checklist} />}
        <p class="screen-only">
          <a href={SIGN_OUT_EVERYWHERE_PATH}>Sign out everywhere</a>
        </p>
      </>,
    );
  });
}
