/**
 * "Sign out everywhere": ends every session of the signed-in member, on every device, this one
 * included (a member who suspects a stolen cookie). The first action built on `mountAction`,
 * and its worked example: a zod schema, a field with its error beside it, sudo mode, and the
 * service (credentials) recording the change with the member in its own transaction.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { Field, mountAction } from './action.js';
import { adminUi, clearSessionCookie, sessionToken } from './session.js';

export const SIGN_OUT_EVERYWHERE_PATH = '/admin/sign-out-everywhere';
const PHRASE = 'sign out everywhere';

export const signOutEverywhereSchema = z.object({
  confirm: z
    .string()
    .trim()
    .refine((value) => value.toLowerCase() === PHRASE, `type “${PHRASE}” to confirm`),
});

export function mountSignOutEverywhere(app: Hono): void {
  mountAction(app, {
    path: SIGN_OUT_EVERYWHERE_PATH,
    title: 'Sign out everywhere',
    page: 'overview',
    event: 'member.signed_out_everywhere',
    sudo: true,
    schema: signOutEverywhereSchema,
    submitLabel: 'Sign out everywhere',
    fields: ({ values, errors }) => (
      <>
        <p>
          This ends every session you have in this workspace, on every device and browser, this one included.
          Keys and assistant connections keep working; revoke those on their own pages.
        </p>
        <Field
          name="confirm"
          label={`Type “${PHRASE}” to confirm`}
          value={values.confirm ?? ''}
          error={errors.confirm}
        />
      </>
    ),
    run: async (_input, { c, origin }) => {
      const ended = await adminUi(c).signIn.signOutEverywhere(sessionToken(c), origin);
      clearSessionCookie(c);
      return {
        title: 'Signed out everywhere',
        signedOut: true,
        body: (
          <>
            <p>
              {ended === 1 ? '1 session was ended.' : `${ended} sessions were ended.`} Every browser signed in
              as you must sign in again.
            </p>
            <p>
              <a href="/login">Sign in again</a>
            </p>
          </>
        ),
      };
    },
  });
}
