/** The few HTML pages the authorization server shows a browser itself (never user markup). */

const escapeText = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function errorPage(error: string, description: string | undefined): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorization failed</title></head>
<body><h1>Authorization failed</h1><p><code>${escapeText(error)}</code></p><p>${escapeText(description ?? '')}</p>
<p>Nothing was granted. Close this window and try connecting again from your assistant.</p></body></html>`;
}

/** What a browser sees while the database is out (the OAuth flow cannot go on). */
export function unavailablePage(description: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Temporarily unavailable</title></head>
<body><h1>Temporarily unavailable</h1><p>${escapeText(description)}</p>
<p>Nothing was granted. Try connecting again from your assistant in a few seconds.</p></body></html>`;
}
