import { describe, expect, it } from 'vitest';
import { CONSOLE_SCRIPT_INTEGRITY, CONSOLE_SCRIPT_PATH } from './console-script.js';
import { html, layout, raw } from './page.js';

describe('html', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const name = `<img src=x onerror="alert('1')">&\``;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;&#96;">&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;&#96;</p>',
    );
  });

  it('passes nested html and raw() through, joins arrays, and drops null, undefined and false', () => {
    const items = ['<a>', 'b'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${raw('<hr>')}${null}${undefined}${false}${0}`.value).toBe(
      '<ul><li>&lt;a&gt;</li><li>b</li></ul><hr>0',
    );
  });
});

describe('layout', () => {
  it('links the stylesheet and the one script file, has no inline script or style, and escapes the title', () => {
    const page = layout('<Home>', html`<p>hi</p>`).value;
    expect(page).toContain('<title>&lt;Home&gt; · Taskgate</title>');
    expect(page).toContain('href="/admin/assets/app.css"');
    const scripts = page.match(/<script[^>]*>[^<]*<\/script>/gi) ?? [];
    expect(scripts).toEqual([
      `<script src="${CONSOLE_SCRIPT_PATH}" integrity="${CONSOLE_SCRIPT_INTEGRITY}" defer></script>`,
    ]);
    expect(page.match(/<script/gi)).toHaveLength(1);
    expect(page).not.toMatch(/<style|style=/i);
    expect(page).not.toContain('action="/logout"');
  });

  it('puts a sign-out form with the CSRF token in the header when a member is signed in', () => {
    const page = layout('Home', html``, {
      member: { name: 'Ada', email: 'ada@example.com' },
      csrfToken: 'tok"en',
    }).value;
    expect(page).toContain('action="/logout"');
    expect(page).toContain('name="csrf" value="tok&quot;en"');
  });
});
