/**
 * Integrations → API keys: the list (`/admin/keys`), creating one (`/admin/keys/new`,
 * key-create.tsx) and each key's page (`/admin/keys/:id`, key-page.tsx). Every read and
 * change goes through the services the CLI calls (`keys list|show|create`, the Activity and
 * Usage services), acting as the signed-in member.
 * SECURITY: which keys a member sees is the key service's rule (owners and admins: every
 * key; anyone else: their own). A key outside it, an unknown id or an OAuth connection's id
 * gets the same 404 as an unknown page.
 */
import type { Context, Hono } from 'hono';
import { AppError, isId } from '../core/index.js';
import type { KeyActor } from '../credentials/index.js';
import { mountCreateKey, NEW_KEY_PATH } from './key-create.js';
import type { KeyPageDeps } from './key-deps.js';
import { KeyPageBody, RECENT_CALLS } from './key-page.js';
import { KEYS_PATH, KeyTable } from './key-table.js';
import { renderPage } from './layout.js';
import { gate, notFoundPage } from './not-found.js';
import type { SignedInMember } from './session.js';

export type { KeyPageDeps };

import { toPageError } from './to-page-error.js';

const actorOf = ({ member }: SignedInMember): NonNullable<KeyActor> => ({
  memberId: member.id,
  email: member.email,
});

async function keyPage(c: Context, deps: KeyPageDeps, signedIn: SignedInMember, id: string) {
  const { member, workspace } = signedIn;
  if (!isId('apiKey', id)) return notFoundPage(c, signedIn);
  try {
    const key = await deps.keys.show(workspace.slug, id, { actor: actorOf(signedIn) });
    // An OAuth connection has its own page (Connections); here it is not a key.
    if (key.kind !== 'api_key') return notFoundPage(c, signedIn);
    const [activity, usage] = await Promise.all([
      deps.activity.page(
        { kind: 'member', member },
        { workspace: workspace.slug, key: key.id, limit: RECENT_CALLS },
      ),
      deps.usage.forKey({
        workspace: workspace.slug,
        key: key.id,
        days: 30,
        viewer: { workspaceId: workspace.id, memberId: member.id, role: member.role },
      }),
    ]);
    return renderPage(
      c,
      { title: `Key ${key.name}`, signedIn, current: KEYS_PATH },
      <KeyPageBody k={key} viewer={member} events={activity.events} usage={usage} />,
    );
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') return notFoundPage(c, signedIn);
    const { status, message } = toPageError(error);
    return renderPage(
      c,
      { title: 'This key cannot be shown', status, signedIn, current: KEYS_PATH },
      <p class="error" role="alert">
        {message}
      </p>,
    );
  }
}

export function mountKeys(app: Hono, deps: KeyPageDeps): void {
  app.get(KEYS_PATH, async (c) => {
    const signedIn = await gate(c, 'keys');
    if (signedIn instanceof Response) return signedIn;
    const keys = await deps.keys.list(signedIn.workspace.slug, { actor: actorOf(signedIn) });
    return renderPage(
      c,
      { title: 'API keys', signedIn, current: KEYS_PATH },
      <>
        <p>
          One key per AI client and machine. <a href={NEW_KEY_PATH}>Create a key</a>
        </p>
        <KeyTable keys={keys.filter((k) => k.kind === 'api_key')} />
      </>,
    );
  });
  // Before `/:id`, so `new` is the form and not a key id.
  mountCreateKey(app, deps);
  app.get(`${KEYS_PATH}/:id`, async (c) => {
    const signedIn = await gate(c, 'keys');
    if (signedIn instanceof Response) return signedIn;
    return keyPage(c, deps, signedIn, c.req.param('id'));
  });
}
