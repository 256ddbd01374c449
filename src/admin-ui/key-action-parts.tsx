/**
 * What the key action pages share (key-actions.tsx, key-narrow.tsx): the service they call,
 * the key of the URL as the member may act on it, and the key's summary.
 * SECURITY: the key id comes from the URL; anything that is not a key id, or a key the member
 * may not act on, is `not_found` — `mountAction` answers the same 404 as an unknown page.
 */
import type { Context } from 'hono';
import { AppError, isId } from '../core/index.js';
import type { KeyActionName, KeyForAction, KeyService, KeyView } from '../credentials/index.js';
import type { Suspensions } from '../monitoring/index.js';
import { Time } from './layout.js';
import type { SignedInMember } from './session.js';

export interface KeyActionDeps {
  readonly keys: Pick<KeyService, 'forAction' | 'rotate' | 'revoke' | 'narrow'>;
  /** Lifts a suspension (key-lift.tsx); without it the console offers no lift. */
  readonly suspensions?: Pick<Suspensions, 'lift'>;
}

export const KEYS_PATH = '/admin/keys';
export const keyPath = (id: string) => `${KEYS_PATH}/${encodeURIComponent(id)}`;

/** The acting member, named in every audit event of the action. */
export const actorOf = (signedIn: SignedInMember) => ({
  memberId: signedIn.member.id,
  email: signedIn.member.email,
});

/** The key of the URL as the member may act on it; anything else is `not_found` (the 404 page). */
export function loadKey(deps: KeyActionDeps, action: KeyActionName) {
  return async (c: Context, signedIn: SignedInMember): Promise<KeyForAction> => {
    const id = c.req.param('id') ?? '';
    if (!isId('apiKey', id)) throw new AppError('not_found', 'no such key');
    return deps.keys.forAction(signedIn.workspace.slug, id, { actor: actorOf(signedIn), action });
  };
}

export function KeySummary(props: { keyView: KeyView }) {
  const k = props.keyView;
  return (
    <dl>
      <dt>Key</dt>
      <dd>
        <a href={keyPath(k.id)}>{k.name}</a> <code>{k.display}</code>
      </dd>
      <dt>Acts for</dt>
      <dd>
        {k.member.email} ({k.member.role}), {k.environment}
      </dd>
      <dt>Scopes</dt>
      <dd>{k.scopes.join(' ')}</dd>
      <dt>Projects</dt>
      <dd>{k.projects ? k.projects.join(', ') : 'every project its member can see'}</dd>
      <dt>Flags</dt>
      <dd>
        {[k.readOnly && 'read-only', k.dryRunOnly && 'dry-run only'].filter(Boolean).join(', ') || 'none'}
      </dd>
      <dt>IP allow-list</dt>
      <dd>{k.ip ? k.ip.join(', ') : 'any address'}</dd>
      <dt>Expires</dt>
      <dd>
        <Time iso={k.expiresAt} />
      </dd>
      <dt>State</dt>
      <dd>{k.status}</dd>
    </dl>
  );
}

export function BackLinks(props: { id: string }) {
  return (
    <p>
      <a href={keyPath(props.id)}>Back to the key</a> · <a href={KEYS_PATH}>All API keys</a>
    </p>
  );
}
