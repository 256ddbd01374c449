/** The one stylesheet, served from our origin so the CSP needs no 'unsafe-inline'. */
export const STYLESHEET = `
:root { color-scheme: light dark; --accent: #2f5fd0; --muted: #667; --error: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; }
header { display: flex; justify-content: space-between; align-items: center; gap: 1rem;
  padding: .75rem 1.5rem; border-bottom: 1px solid #8884; }
.brand { font-weight: 700; text-decoration: none; color: inherit; }
.signout { display: flex; align-items: center; gap: .75rem; margin: 0; color: var(--muted); }
main { max-width: 40rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.15rem; }
form.stack { display: grid; gap: .9rem; }
label { display: grid; gap: .25rem; font-weight: 600; }
input { font: inherit; padding: .5rem .6rem; border: 1px solid #8888; border-radius: .35rem; }
button { font: inherit; padding: .5rem 1rem; border: 0; border-radius: .35rem;
  background: var(--accent); color: #fff; cursor: pointer; }
.error { color: var(--error); border: 1px solid currentColor; border-radius: .35rem; padding: .5rem .75rem; }
.notice { color: var(--muted); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { color: var(--muted); }
dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #8884; vertical-align: top; }
td.before { text-decoration: line-through; color: var(--muted); }
.decide { display: flex; gap: 1rem; margin-top: 1.5rem; }
button.decline { background: #8886; color: inherit; }
pre { white-space: pre-wrap; }
fieldset { border: 1px solid #8884; border-radius: .35rem; }
ul.plain { list-style: none; padding-left: 0; margin: .25rem 0; }
label.check { display: flex; gap: .5rem; align-items: baseline; font-weight: 400; }
header nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
header nav li { display: flex; gap: .5rem; align-items: baseline; }
header nav a { color: inherit; }
header nav a[aria-current="page"] { font-weight: 700; }
header nav .group { color: var(--muted); }
.freeze { margin: 0; padding: .6rem 1.5rem; background: #fde7e4; color: #5c1111; border-bottom: 2px solid var(--error); }
.field { display: grid; gap: .25rem; }
.field-error { color: var(--error); margin: 0; }
input[aria-invalid="true"] { border-color: var(--error); }
a { color: var(--accent); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
button.copy { margin-left: .5rem; padding: .25rem .75rem; }
/* Lists of keys, events and members need the width; forms and prose keep the narrow column. */
main:has(.day-chart), main:has(table:not(.chart-data)) { max-width: 80rem; }
td time { white-space: nowrap; }
figure.day-chart { margin: 0 0 2rem; display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; overflow-x: auto; }
.day-chart-svg { max-width: 100%; height: auto; flex: 1 1 40rem; }
table.chart-data { width: auto; flex: 0 1 auto; font-size: .85rem; }
table.chart-data caption { text-align: left; font-weight: 600; }
table.chart-data td { text-align: right; }
section { margin: 1.5rem 0; }
ol.checklist-items { padding-left: 1.5rem; }
.check { margin-bottom: .9rem; }
.check p { margin: .15rem 0; }
.check-status { display: inline-block; min-width: 5.5rem; }
.check-fail .check-status { color: var(--error); }
details pre { overflow-x: auto; }
form.filters { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .75rem; margin-bottom: 1rem; }
form.filters input, form.filters select { width: 100%; box-sizing: border-box; }
.filter-actions { grid-column: 1 / -1; display: flex; gap: 1rem; align-items: center; }
.hint { color: var(--muted); margin: 0; font-size: .875rem; font-weight: 400; }
select { font: inherit; padding: .45rem .5rem; border: 1px solid #8888; border-radius: .35rem; }
code.hash { word-break: break-all; }
nav.paging { display: flex; gap: 1.5rem; margin: .5rem 0 1.5rem; }
@media (prefers-color-scheme: dark) {
  :root { --accent: #8fb0ff; --muted: #a9a9b8; --error: #ff8a80; }
  .freeze { background: #3b1512; color: #ffdad6; }
  button { background: #2f5fd0; }
}
@media print {
  header nav, form.signout, button, .decide, form.stack, form, .screen-only { display: none; }
  header { border-bottom: 1px solid #000; padding: 0 0 .5rem; }
  body { font-size: 11pt; color: #000; background: #fff; }
  main { max-width: none; margin: 1rem 0; padding: 0; }
  a { color: inherit; text-decoration: none; }
  .freeze { border: 2px solid #000; background: none; color: #000; }
  table, tr { page-break-inside: avoid; }
  time[title]::after { content: " (" attr(datetime) ")"; }
  /* The printable checklist: every item whole on its page, each fix with the page it names. */
  .checklist { page-break-before: auto; }
  .check { page-break-inside: avoid; }
  .check-fail .check-status { color: #000; }
  .check-fix a[href^="/"]::after { content: " (" attr(href) ")"; }
}
`.trimStart();
