/**
 * The console's one script, served from our origin at a path named after its hash (so it can
 * be cached for good and a new version is a new URL) and loaded with `defer` and Subresource
 * Integrity. It only enhances pages that work without it: each `<time datetime>` is shown in
 * the browser's time zone (the UTC value stays in `title`), and `<button data-copy="ID">`
 * copies element ID's value or text and says so in the page's live region.
 * SECURITY: the CSP allows `script-src 'self'` and nothing inline, no eval; the script writes
 * only `textContent` and attributes, never markup.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';

/** The live region the script speaks through (rendered by the layout on every page). */
export const STATUS_REGION_ID = 'console-status';

export const CONSOLE_SCRIPT = `'use strict';
(function () {
  var FORMAT = new Intl.DateTimeFormat('en-US', {
    year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short'
  });
  function localText(date) {
    var parts = {};
    FORMAT.formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + '-' + parts.month + '-' + parts.day + ' ' + parts.hour + ':' + parts.minute +
      ' ' + parts.timeZoneName;
  }
  document.querySelectorAll('time[datetime]').forEach(function (time) {
    var iso = time.getAttribute('datetime');
    if (!/^\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z$/.test(iso)) return;
    var date = new Date(iso);
    if (isNaN(date.getTime())) return;
    if (!time.title) time.title = iso + ' (UTC)';
    time.textContent = localText(date);
  });

  var status = document.getElementById('${STATUS_REGION_ID}');
  function say(message) {
    if (!status) return;
    // Emptied first, so the same message said twice is announced twice.
    status.textContent = '';
    setTimeout(function () { status.textContent = message; }, 50);
  }
  var buttons = document.querySelectorAll('button[data-copy]');
  if (!navigator.clipboard) return;
  buttons.forEach(function (button) { button.hidden = false; });
  document.addEventListener('click', function (event) {
    var button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null;
    if (!button) return;
    var target = document.getElementById(button.getAttribute('data-copy'));
    if (!target) return;
    var text = typeof target.value === 'string' ? target.value : target.textContent || '';
    navigator.clipboard.writeText(text).then(
      function () { say('Copied'); },
      function () { say('Could not copy: select the text and copy it yourself'); }
    );
  });
})();
`;

const digest = (algorithm: string, encoding: 'base64' | 'base64url') =>
  createHash(algorithm).update(CONSOLE_SCRIPT).digest(encoding);

/** Named after the content: a changed script is a new URL, so the old one may be cached for good. */
export const CONSOLE_SCRIPT_PATH = `/admin/assets/console-${digest('sha256', 'base64url').slice(0, 16)}.js`;

/** Subresource Integrity for the script tag: a cache or proxy that alters it gets it refused. */
export const CONSOLE_SCRIPT_INTEGRITY = `sha384-${digest('sha384', 'base64')}`;

const ONE_YEAR_SECONDS = 31_536_000;

export function serveConsoleScript(c: Context): Response {
  return c.body(CONSOLE_SCRIPT, 200, {
    'Content-Type': 'text/javascript; charset=utf-8',
    'Cache-Control': `public, max-age=${ONE_YEAR_SECONDS}, immutable`,
  });
}
