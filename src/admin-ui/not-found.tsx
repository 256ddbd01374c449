/**
 * SECURITY: one 404 page for an unknown console URL and for a page the member's role may not
 * see. Both answers are the same bytes apart from the signed-in header, so a member cannot
 * learn from the answer that a page exists that their role hides.
 */
import type { Context } from 'hono';
import { renderPage } from './layout.js';
import { type ConsolePageId, maySee } from './nav.js';
import type { SignedInMember } from './session.js';
import { requireMember } from './session.js';

export const NOT_FOUND_TITLE = 'Page not found';

function NotFoundBody() {
  return (
    <>
      <p>There is no page at this address, or it is not one you can open.</p>
      <p>
        <a href="/admin">Back to the overview</a>
      </p>
    </>
  );
}

/** The HTML 404, with the member's header when the request carries a live session. */
export async function notFoundPage(c: Context, signedIn?: SignedInMember): Promise<Response> {
  return renderPage(
    c,
    { title: NOT_FOUND_TITLE, status: 404, ...(signedIn && { signedIn }) },
    <NotFoundBody />,
  );
}

/** The answer to any unmatched `/admin/...` URL: signed out, the sign-in page first. */
export async function unknownAdminPage(c: Context): Promise<Response> {
  const signedIn = await requireMember(c);
  if (signedIn instanceof Response) return signedIn;
  return notFoundPage(c, signedIn);
}

/**
 * The signed-in member when their role may see `page`, else the 404 page to return.
 * Call it first in every page's handler, before anything is read for the page.
 */
export async function gate(c: Context, page: ConsolePageId): Promise<SignedInMember | Response> {
  const signedIn = await requireMember(c);
  if (signedIn instanceof Response) return signedIn;
  if (!maySee(signedIn.member.role, page)) return notFoundPage(c, signedIn);
  return signedIn;
}
