/**
 * A notice: what the people of a workspace are told, once, whatever the channel. The event
 * notices come from audit events (notify-events.ts), the scheduled ones from the jobs
 * (rotation reminders, the weekly digest); each has a key unique to what it is about, so a
 * notice re-derived after a crash or by a second instance is queued once.
 */

export const NOTICE_KINDS = [
  'alert',
  'key_suspended',
  'key_contained',
  'approval_waiting',
  'verification_failed',
  'rotation_due_7d',
  'rotation_due_1d',
  'key_expired',
  'digest',
  'test',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export interface Notice {
  readonly workspaceId: string;
  readonly kind: NoticeKind;
  /** Unique per thing notified: an event id, `rotation:key_…:<due>:7d`, `digest:wsp_…:<week>`. */
  readonly key: string;
  readonly subject: string;
  /** Plain text: what happened, and the links to act on it. */
  readonly text: string;
  /** Where to act (absolute console URLs). */
  readonly links: readonly string[];
  /** The key the notice is about: its owner is told as well as the owners and admins. */
  readonly credentialId: string | null;
  /** Structured fields for webhooks (ids, never a secret). */
  readonly data: Readonly<Record<string, unknown>>;
  readonly occurredAt: string;
}

/** What a delivery row's payload holds (JSON). */
export interface NoticePayload {
  readonly kind: NoticeKind;
  readonly subject: string;
  readonly text: string;
  readonly links: readonly string[];
  readonly data: Readonly<Record<string, unknown>>;
  readonly occurredAt: string;
}

export const payloadOf = (notice: Notice): NoticePayload => ({
  kind: notice.kind,
  subject: notice.subject,
  text: notice.text,
  links: notice.links,
  data: notice.data,
  occurredAt: notice.occurredAt,
});

/** The text of a notice: its lines, then its links one per line. */
export function noticeText(lines: readonly string[], links: readonly string[]): string {
  return [...lines, '', ...links.map((link) => `- ${link}`)].join('\n');
}
