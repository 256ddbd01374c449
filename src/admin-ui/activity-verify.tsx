/**
 * "Verify the chain" from the Activity page: the full verification `taskgate audit verify`
 * runs (the Activity service's `verify`), recorded as `audit.verified` with the member who
 * asked, and its result shown. Owners and admins only; anyone else gets the unknown page's
 * 404 (the service refuses them too). A POST through `mountAction`: CSRF token and origin
 * checked, a refused attempt audited. Not a sudo action: it changes no data, only reads and
 * records that it read.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { VerifyReport } from '../audit/index.js';
import { canSeeAllProjects } from '../domain/index.js';
import { mountAction } from './action.js';
import { ACTIVITY_PATH, ACTIVITY_VERIFY_PATH, type ActivityDeps, viewerOf } from './activity-list.js';
import { gate, notFoundPage } from './not-found.js';

function Report(props: { report: VerifyReport; eventId: string }) {
  const { report } = props;
  return (
    <>
      <p role="status">
        {report.ok ? (
          <strong>The chain is intact.</strong>
        ) : (
          <strong class="field-error">The chain is broken: it was changed after it was written.</strong>
        )}{' '}
        Checked {report.events} event(s) and {report.checkpoints} signed checkpoint(s).
      </p>
      {report.problems.length > 0 && (
        <table>
          <caption>The first problem of each damaged chain</caption>
          <thead>
            <tr>
              <th scope="col">Sequence</th>
              <th scope="col">Problem</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {report.problems.map((p) => (
              <tr>
                <td>{p.seq}</td>
                <td>{p.kind}</td>
                <td>{p.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        This verification is recorded: <a href={`${ACTIVITY_PATH}/${props.eventId}`}>its audit event</a>.
      </p>
      <p>
        <a href={ACTIVITY_PATH}>Back to the activity</a>
      </p>
    </>
  );
}

export function mountActivityVerify(app: Hono, deps: ActivityDeps): void {
  // SECURITY: a member may open Activity but not this: the same 404 as an unknown page.
  app.use(ACTIVITY_VERIFY_PATH, async (c, next) => {
    const signedIn = await gate(c, 'activity');
    if (signedIn instanceof Response) return signedIn;
    if (!canSeeAllProjects(signedIn.member.role)) return notFoundPage(c, signedIn);
    await next();
  });
  mountAction(app, {
    path: ACTIVITY_VERIFY_PATH,
    title: 'Verify the audit chain',
    page: 'activity',
    // SECURITY: a refused attempt (a forged form) is recorded under its own name: under
    // `audit.verified` it would read as the newest verification, "broken", on the Overview.
    event: 'audit.verify_requested',
    sudo: false,
    schema: z.object({}),
    submitLabel: 'Verify the chain',
    fields: () => (
      <p>
        Recomputes every event's hash and link and checks every signed checkpoint of this workspace's chain,
        as <code>taskgate audit verify</code> does. The result is recorded in the audit log with your name.
      </p>
    ),
    run: async (_input, { signedIn }) => {
      const { report, event } = await deps.activity.verify(viewerOf(signedIn));
      return {
        title: report.ok ? 'The audit chain is intact' : 'The audit chain is broken',
        body: <Report report={report} eventId={event.id} />,
      };
    },
  });
}
