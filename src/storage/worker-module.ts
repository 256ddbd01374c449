/**
 * Where a worker thread's module is: the `.js` file tsc wrote next to the module starting
 * it. Worker threads run compiled JavaScript only — Node 20 loads no TypeScript, and vitest
 * transforms the test's own thread, not the threads it starts — so when the starter runs
 * from its `.ts` source (under vitest), the worker runs from the same path under dist/,
 * which the test set-up builds before any test (test/support/global-setup.ts).
 */
export function workerModule(name: string, starter: string): URL {
  const here = new URL(`./${name}.js`, starter);
  if (!starter.endsWith('.ts')) return here;
  const at = here.pathname.lastIndexOf('/src/');
  if (at === -1) throw new Error(`worker ${name}: ${starter} is not under src/`);
  const built = new URL(here.href);
  built.pathname = `${here.pathname.slice(0, at)}/dist/${here.pathname.slice(at + 5)}`;
  return built;
}
