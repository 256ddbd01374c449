/**
 * The Approvals page's history: decided approvals, newest decision first — what was asked,
 * for whom, who decided, when, and the outcome — a page at a time (keyset paging on the
 * decision time and the id). Owners and admins see the workspace's, a member or viewer only
 * those asked on their behalf: the action service decides, so a cursor typed by hand moves
 * a page within the member's own view and never beyond it.
 */
import { isId } from '../core/index.js';
import type { ActionStatus, Member, PendingAction } from '../model/index.js';
import { Time } from './layout.js';

export const HISTORY_PAGE_SIZE = 20;

export interface HistoryCursor {
  readonly decidedAt: string;
  readonly id: string;
}

/** Decided approvals visible to `member` (the action service's `decidedFor`). */
export type DecidedApprovals = (
  member: Member,
  page: { readonly after?: HistoryCursor; readonly limit: number },
) => Promise<PendingAction[]>;

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;

/** `decidedAt~id` as the next-page link carries it. */
export const historyCursorText = (action: PendingAction) => `${action.decidedAt ?? ''}~${action.id}`;

/** The cursor a link carries, `undefined` for none, `null` for text that is not one. */
export function parseHistoryCursor(text: string | undefined): HistoryCursor | undefined | null {
  if (text === undefined || text === '') return undefined;
  const tilde = text.indexOf('~');
  const decidedAt = text.slice(0, tilde);
  const id = text.slice(tilde + 1);
  if (tilde < 0 || !INSTANT.test(decidedAt) || !isId('action', id)) return null;
  return { decidedAt, id };
}

const OUTCOME: Readonly<Record<ActionStatus, string>> = {
  pending: 'pending',
  executed: 'approved and done',
  declined: 'declined',
  expired: 'expired',
  cancelled: 'cancelled by the assistant',
  superseded: 'planned again (superseded)',
};

function decider(action: PendingAction, emails: ReadonlyMap<string, string>): string {
  if (action.decidedBy) return emails.get(action.decidedBy) ?? action.decidedBy;
  return action.status === 'cancelled' ? 'the assistant' : 'nobody';
}

export interface HistoryPage {
  readonly rows: readonly PendingAction[];
  /** The next page's link, when there may be one. */
  readonly next: string | null;
}

/** One page of history: a row more than shown is read to know whether a next page exists. */
export async function historyPage(
  decided: DecidedApprovals,
  member: Member,
  after: HistoryCursor | undefined,
  path: string,
): Promise<HistoryPage> {
  const rows = await decided(member, { ...(after && { after }), limit: HISTORY_PAGE_SIZE + 1 });
  const shown = rows.slice(0, HISTORY_PAGE_SIZE);
  const last = shown.at(-1);
  return {
    rows: shown,
    next:
      rows.length > HISTORY_PAGE_SIZE && last
        ? `${path}?${new URLSearchParams({ before: historyCursorText(last) })}`
        : null,
  };
}

export function ApprovalHistory(props: {
  page: HistoryPage;
  emails: ReadonlyMap<string, string>;
  everyone: boolean;
  paged: boolean;
}) {
  const { page, emails } = props;
  return (
    <section aria-labelledby="history">
      <h2 id="history">Decided</h2>
      {page.rows.length === 0 ? (
        <p>{props.paged ? 'No older decisions.' : 'Nothing has been decided yet.'}</p>
      ) : (
        <table class="history">
          <thead>
            <tr>
              <th scope="col">Decided</th>
              <th scope="col">What</th>
              {props.everyone && <th scope="col">Asked for</th>}
              <th scope="col">Decided by</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {page.rows.map((action) => (
              <tr>
                <td>
                  <Time iso={action.decidedAt ?? action.createdAt} />
                </td>
                <th scope="row">
                  <code>{action.tool}</code>{' '}
                  {(action.plan as { requestedBy?: { credential?: string } }).requestedBy?.credential ?? ''}
                </th>
                {props.everyone && <td>{emails.get(action.memberId) ?? action.memberId}</td>}
                <td>{decider(action, emails)}</td>
                <td>{OUTCOME[action.status]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page.next && (
        <p>
          <a href={page.next}>Older decisions</a>
        </p>
      )}
    </section>
  );
}
