/**
 * What a role change or a removal does to the member's credentials, in words: shown before
 * it happens (the service's preview, which runs the same checks under the same locks) and
 * again after (what the change actually did, and whether that differed from the preview).
 */
import type { CascadePlan, MemberChangeResult } from '../admin/index.js';

const credential = (item: CascadePlan['revoke'][number]) =>
  item.kind === 'oauth' ? `${item.display} (OAuth)` : `key ${item.name} (${item.display})`;

/** The cascade as a list; `done` switches the words from "will" to what happened. */
export function CascadeView(props: { result: MemberChangeResult; done: boolean }) {
  const { result, done } = props;
  const { revoke, narrow, cancel } = result;
  const will = (future: string, past: string) => (done ? past : future);
  const removal = result.change.kind === 'remove';
  return (
    <div class="cascade">
      {revoke.length > 0 && (
        <>
          <h2>{will('Will be revoked', 'Revoked')}</h2>
          <p>Their next call to the MCP server fails with 401.</p>
          <ul>
            {revoke.map((item) => (
              <li>{credential(item)}</li>
            ))}
          </ul>
        </>
      )}
      {narrow.length > 0 && (
        <>
          <h2>{will('Will be narrowed', 'Narrowed')}</h2>
          <ul>
            {narrow.map((item) => (
              <li>
                {credential(item)}: {item.scopesBefore.join(' ') || 'no scope'} → {item.scopes.join(' ')}
                {item.readOnly && !item.readOnlyBefore && ', read-only'}
              </li>
            ))}
          </ul>
        </>
      )}
      {cancel.length > 0 && (
        <>
          <h2>{will('Pending actions that will be cancelled', 'Pending actions cancelled')}</h2>
          <ul>
            {cancel.map((action) => (
              <li>
                {action.id} (<code>{action.tool}</code>)
              </li>
            ))}
          </ul>
        </>
      )}
      {revoke.length + narrow.length + cancel.length === 0 && (
        <p>No key, connection or pending action {will('is', 'was')} affected.</p>
      )}
      {removal && (
        <p>
          {done
            ? `${result.sessionsEnded} web session(s) ended; their password was cleared.`
            : 'Their web sessions end and their password is cleared; they can be invited again later.'}
        </p>
      )}
      {done && result.matchedPreview === false && (
        <p class="notice" role="status">
          This differs from the preview you saw: something changed meanwhile (a key was created or revoked).
          The change covered the current set, listed above.
        </p>
      )}
    </div>
  );
}
