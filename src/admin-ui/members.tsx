/**
 * Members (owners and admins): the list, with each member's live keys and connections, and
 * invite (a one-time login link, shown once). Changing a role and removing a member, each
 * previewed before it happens, are in member-change.tsx. Every rule — who may invite whom,
 * the last owner — is the member service's, the one `taskgate members` calls too.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { loginLinkUrl } from '../credentials/index.js';
import { ROLES } from '../model/index.js';
import { Field, mountAction } from './action.js';
import { SelectField } from './choice-field.js';
import { renderPage, Time } from './layout.js';
import {
  actingFrom,
  MEMBERS_PATH,
  type MemberPageDeps,
  mountMemberChanges,
  REMOVE_PATH,
  ROLE_CHOICES,
  ROLE_PATH,
} from './member-change.js';
import { gate } from './not-found.js';

export { MEMBERS_PATH, type MemberPageDeps } from './member-change.js';
export const INVITE_PATH = '/admin/members/invite';

// The service reads each field strictly (a control character glued to an email, a role
// that is not exactly one of the four) and names the field; the form only bounds the size.
const inviteSchema = z.object({
  email: z.string().max(320, 'must be at most 254 characters'),
  name: z.string().max(200, 'must be at most 100 characters').optional(),
  role: z.string().max(20, `must be one of ${ROLES.join(', ')}`),
});

const changeLink = (path: string, email: string) => `${path}?email=${encodeURIComponent(email)}`;

export function mountMembers(app: Hono, deps: MemberPageDeps): void {
  app.get(MEMBERS_PATH, async (c) => {
    const signedIn = await gate(c, 'members');
    if (signedIn instanceof Response) return signedIn;
    const listing = await deps.members.list(actingFrom(signedIn));
    return renderPage(
      c,
      { title: 'Members', signedIn, current: MEMBERS_PATH },
      <>
        <p>
          <a href={INVITE_PATH}>Invite a member</a>
        </p>
        <table>
          <caption>Members of {signedIn.workspace.slug}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Joined</th>
              <th scope="col">Keys</th>
              <th scope="col">Connections</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {listing.map(({ member, keys, connections }) => (
              <tr>
                <th scope="row">{member.name}</th>
                <td>{member.email}</td>
                <td>{member.role}</td>
                <td>
                  <Time iso={member.createdAt} />
                </td>
                <td>{keys}</td>
                <td>{connections}</td>
                <td>
                  <a href={changeLink(ROLE_PATH, member.email)} aria-label={`Change role of ${member.email}`}>
                    Change role
                  </a>{' '}
                  <a href={changeLink(REMOVE_PATH, member.email)} aria-label={`Remove ${member.email}`}>
                    Remove
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </>,
    );
  });

  mountAction(app, {
    path: INVITE_PATH,
    title: 'Invite a member',
    page: 'members',
    event: 'member.invited',
    // The link signs someone in with the chosen role: as sensitive as minting a key.
    sudo: true,
    schema: inviteSchema,
    submitLabel: 'Invite',
    fields: ({ values, errors }) => (
      <>
        <p>
          The new member gets a one-time login link, shown to you once on the next page: send it to them
          yourself. It works once, within 15 minutes.
        </p>
        <Field name="email" label="Email" type="email" value={values.email} error={errors.email} />
        <Field name="name" label="Name (optional)" value={values.name} error={errors.name} />
        <SelectField
          name="role"
          label="Role"
          choices={ROLE_CHOICES}
          value={values.role ?? 'member'}
          error={errors.role}
        />
      </>
    ),
    run: async (input, { signedIn }) => {
      const invitation = await deps.members.invite({
        ...actingFrom(signedIn),
        email: input.email,
        role: input.role,
        ...(input.name && { name: input.name }),
      });
      const { member, loginLink } = invitation;
      const url = loginLinkUrl(deps.publicUrl, loginLink.token);
      return {
        title: invitation.reinstated ? 'Member invited back' : 'Member invited',
        body: (
          <>
            <p>
              {member.name} ({member.email}) is now {member.role === 'admin' ? 'an' : 'a'} {member.role}
              {invitation.reinstated && ', back with none of their old keys, connections or password'}.
            </p>
            <p>
              Send them this login link. It is shown only this once, works once, and expires{' '}
              <Time iso={loginLink.expiresAt} />:
            </p>
            <p>
              <code class="secret">{url}</code>
            </p>
            <p>
              <a href={MEMBERS_PATH}>Back to members</a>
            </p>
          </>
        ),
      };
    },
  });

  mountMemberChanges(app, deps);
}
