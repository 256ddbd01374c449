/** `whoami`: what this credential is and may do — the first call an assistant should make. */
import { z } from 'zod';
import { describeClient, quoteText } from '../../domain/index.js';
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
      oauthClient: z.object({ id: z.string(), name: z.string() }).nullable(),
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
    writePolicy: z.object({
      create: z.string(),
      update: z.string(),
      delete: z.string(),
      bulk: z.string(),
      requireReason: z.boolean(),
      requireReadFirst: z.boolean(),
      budget: z.object({ writes: z.number(), deletes: z.number(), windowMinutes: z.number() }),
      frozen: z.boolean(),
      frozenUntil: z.string().nullable(),
    }),
  }),
  async run({ principal, actor, domain, policy: loadPolicy }) {
    const { credential: c, member, workspace } = principal;
    const projects =
      c.projectIds === null
        ? null
        : (await domain.projects.list(actor, { includeArchived: true })).map((p) => p.key);
    // A key's lifetime is the workspace rotation period, so it is due for rotation when it expires.
    const rotationDueAt = c.expiresAt;
    const policy = await loadPolicy();
    const writePolicy = {
      ...policy.tiers,
      requireReason: policy.requireReason,
      requireReadFirst: policy.requireReadFirst,
      budget: { ...policy.budget },
      frozen: policy.freeze.frozen,
      frozenUntil: policy.freeze.until,
    };
    const frozen = policy.freeze.frozen
      ? `FROZEN since ${policy.freeze.since} (${policy.freeze.until ? `until ${policy.freeze.until}` : 'until unfrozen'}): every write is refused, reads go on.`
      : null;
    const structured = {
      credential: {
        kind: c.kind,
        oauthClient: c.oauthClient,
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
      `${c.oauthClient ? `OAuth connection ${c.name} of ${describeClient(c.oauthClient.name) ?? `client ${quoteText(c.oauthClient.id)}`}` : `Key ${c.name}`} (${c.environment}) acts for ${member.email} (${member.role}) in workspace ${workspace.slug}.`,
      `Scopes: ${c.scopes.join(' ') || 'none'}${c.readOnly ? ' (read-only)' : ''}${c.dryRunOnly ? ' (dry-run only)' : ''}.`,
      `Projects: ${projects ? projects.join(', ') : 'all the member can see'}.`,
      `Expires ${c.expiresAt}. Writes: create ${writePolicy.create}, update ${writePolicy.update}, delete ${writePolicy.delete}, bulk ${writePolicy.bulk}${policy.requireReason ? '; a reason is required' : ''}${policy.requireReadFirst ? '; pass the version you read' : ''}; budget ${policy.budget.writes} writes and ${policy.budget.deletes} deletes per ${policy.budget.windowMinutes} min.`,
      ...(frozen ? [frozen] : []),
    ].join('\n');
    return { structured, text, summary: null };
  },
});
