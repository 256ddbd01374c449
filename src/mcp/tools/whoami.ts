/** `whoami`: what this credential is and may do — the first call an assistant should make. */
import { z } from 'zod';
import { defineTool, READ_ONLY } from '../define-tool.js';

export const whoami = defineTool({
  name: 'whoami',
  title: 'Who am I',
  description:
    'Describe this credential: its name, environment, the member it acts for and their role, its scopes, project allow-list, flags, expiry and rotation due date, and the write-confirmation policy.',
  scopes: [],
  annotations: { ...READ_ONLY, title: 'Who am I' },
  input: z.object({}).strict(),
  output: z.object({
    credential: z.object({
      kind: z.string(),
      name: z.string(),
      environment: z.string(),
      scopes: z.array(z.string()),
      grantedScopes: z.array(z.string()),
      projects: z.array(z.string()).nullable(),
      readOnly: z.boolean(),
      dryRunOnly: z.boolean(),
      expiresAt: z.string(),
      rotationDueAt: z.string(),
    }),
    member: z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.string() }),
    workspace: z.object({ slug: z.string(), name: z.string(), environment: z.string() }),
    writePolicy: z.object({ create: z.string(), update: z.string(), delete: z.string(), bulk: z.string() }),
  }),
  async run({ principal, actor, domain }) {
    const { credential: c, member, workspace } = principal;
    const projects =
      c.projectIds === null
        ? null
        : (await domain.projects.list(actor, { includeArchived: true })).map((p) => p.key);
    // A key's lifetime is the workspace rotation period, so it is due for rotation when it expires.
    const rotationDueAt = c.expiresAt;
    const writePolicy = WRITE_POLICY_DEFAULTS[workspace.environment];
    const structured = {
      credential: {
        kind: c.kind,
        name: c.name,
        environment: c.environment,
        scopes: [...c.scopes],
        grantedScopes: [...c.grantedScopes],
        projects,
        readOnly: c.readOnly,
        dryRunOnly: c.dryRunOnly,
        expiresAt: c.expiresAt,
        rotationDueAt,
      },
      member: { id: member.id, email: member.email, name: member.name, role: member.role },
      workspace: { slug: workspace.slug, name: workspace.name, environment: workspace.environment },
      writePolicy,
    };
    const text = [
      `Key ${c.name} (${c.environment}) acts for ${member.email} (${member.role}) in workspace ${workspace.slug}.`,
      `Scopes: ${c.scopes.join(' ') || 'none'}${c.readOnly ? ' (read-only)' : ''}${c.dryRunOnly ? ' (dry-run only)' : ''}.`,
      `Projects: ${projects ? projects.join(', ') : 'all the member can see'}.`,
      `Expires ${c.expiresAt}. Writes: create ${writePolicy.create}, update ${writePolicy.update}, delete ${writePolicy.delete}, bulk ${writePolicy.bulk}.`,
    ].join('\n');
    return { structured, text, summary: null };
  },
});

/** The confirmation tier per risk class by environment (DESIGN.md §3); issue 4 makes it per workspace. */
const WRITE_POLICY_DEFAULTS = {
  development: { create: 'none', update: 'none', delete: 'none', bulk: 'none' },
  staging: { create: 'none', update: 'none', delete: 'token', bulk: 'token' },
  production: { create: 'elicit', update: 'elicit', delete: 'approve', bulk: 'approve' },
} as const;
