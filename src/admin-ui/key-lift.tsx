/**
 * POST /admin/keys/:id/lift — lifts the suspension an anomaly rule or the write budget put on
 * a key (sudo, like rotate): the key gets back exactly the rights it had. The same service as
 * `taskgate keys lift`; it refuses anyone but owners and admins, and a key not suspended.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { Suspensions } from '../monitoring/index.js';
import { mountAction } from './action.js';
import { BackLinks, KEYS_PATH, type KeyActionDeps, KeySummary, loadKey } from './key-action-parts.js';

export function mountLift(app: Hono, deps: KeyActionDeps, suspensions: Pick<Suspensions, 'lift'>): void {
  mountAction(app, {
    path: `${KEYS_PATH}/:id/lift`,
    current: KEYS_PATH,
    title: 'Lift a suspension',
    page: 'keys',
    event: 'key.unsuspended',
    sudo: true,
    subject: loadKey(deps, 'revoke'),
    schema: z.object({}),
    submitLabel: 'Lift the suspension',
    fields: ({ subject }) => (
      <>
        <KeySummary keyView={subject.key} />
        <p>
          Lift the suspension only once you have read the alert's evidence (<a href="/admin/alerts">Alerts</a>
          ) and know the use was the key owner's. If it was not, rotate the key as leaked instead.
        </p>
      </>
    ),
    run: async (_input, { signedIn, subject }) => {
      const key = await suspensions.lift(signedIn.workspace.slug, subject.key.id, signedIn.member.id);
      return {
        title: 'Suspension lifted',
        body: (
          <>
            <p>{key.name} has its own rights again.</p>
            <BackLinks id={key.id} />
          </>
        ),
      };
    },
  });
}
