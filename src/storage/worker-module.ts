/**
 * Where a worker thread's module is: `dist/storage/<name>.js`, found from the module that
 * starts it. That module may be its own file under dist/ (tsc's output), part of the bundled
 * dist/main.js (scripts/build.mjs), or its `.ts` source under src/ when vitest runs it.
 * Worker threads run compiled JavaScript only — Node 20 loads no TypeScript, and vitest
 * transforms the test's own thread, not the threads it starts — so from src/ the worker runs
 * from dist/ too, which the test set-up builds before any test (test/support/global-setup.ts).
 */
export function workerModule(name: string, starter: string): URL {
  const url = new URL(starter);
  const at = Math.max(url.pathname.lastIndexOf('/dist/'), url.pathname.lastIndexOf('/src/'));
  if (at === -1) throw new Error(`worker ${name}: ${starter} is under neither dist/ nor src/`);
  url.pathname = `${url.pathname.slice(0, at)}/dist/storage/${name}.js`;
  url.search = '';
  url.hash = '';
  return url;
}
