/**
 * The Activity page's keyset cursor: the last event id a page showed, with an HMAC over it
 * and the view it belongs to (workspace, viewer, order, resolved filters). SECURITY: a
 * cursor altered by hand, cut short, or carried over from another workspace, member or
 * filter set fails the MAC and is refused as `invalid_input` — it never moves a page to a
 * place its view would not reach. The id stays readable (`evt_….<mac>`) so an operator can
 * still see where a page starts; clients treat the whole text as opaque.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson, isId } from '../core/index.js';

const MAC_CHARS = 22; // 128 bits of base64url

export interface CursorView {
  readonly workspaceId: string;
  /** The member whose view it is, or `operator` (the command line). */
  readonly viewer: string;
  readonly order: 'asc' | 'desc';
  readonly filters: unknown;
}

export interface ActivityCursors {
  encode(view: CursorView, eventId: string): string;
  /** The event id of a cursor printed for this view, or null for any other text. */
  decode(view: CursorView, cursor: string): string | null;
}

export function createActivityCursors(key: Uint8Array): ActivityCursors {
  const mac = (view: CursorView, eventId: string) =>
    createHmac('sha256', key)
      .update(`taskgate-activity-cursor-v1\n${canonicalJson(view)}\n${eventId}`)
      .digest('base64url')
      .slice(0, MAC_CHARS);
  return {
    encode: (view, eventId) => `${eventId}.${mac(view, eventId)}`,
    decode(view, cursor) {
      const dot = cursor.indexOf('.');
      if (dot < 0) return null;
      const eventId = cursor.slice(0, dot);
      const given = Buffer.from(cursor.slice(dot + 1));
      if (!isId('auditEvent', eventId) || given.length !== MAC_CHARS) return null;
      const expected = Buffer.from(mac(view, eventId));
      return timingSafeEqual(given, expected) ? eventId : null;
    },
  };
}
