import { describe, expect, it } from 'vitest';
import { workerModule } from './worker-module.js';

describe('workerModule', () => {
  const worker = 'file:///srv/taskgate/dist/storage/sqlite-audit-writer-worker.js';

  it.each([
    ['its own file under dist/ (tsc output)', 'file:///srv/taskgate/dist/storage/sqlite-audit-writer.js'],
    ['the bundled dist/main.js', 'file:///srv/taskgate/dist/main.js'],
    ['a chunk of the bundle', 'file:///srv/taskgate/dist/chunks/routes-C8DX9Dc6.js'],
    ['its source under vitest', 'file:///srv/taskgate/src/storage/sqlite-audit-writer.ts'],
  ])('finds dist/storage from %s', (_, starter) => {
    expect(workerModule('sqlite-audit-writer-worker', starter).href).toBe(worker);
  });

  it('takes the innermost dist/ of a path that holds the name twice', () => {
    expect(workerModule('w', 'file:///home/dist/src/taskgate/dist/main.js').href).toBe(
      'file:///home/dist/src/taskgate/dist/storage/w.js',
    );
  });

  it('refuses a starter under neither dist/ nor src/', () => {
    expect(() => workerModule('w', 'file:///opt/taskgate/main.js')).toThrow(/neither dist\/ nor src\//);
  });
});
