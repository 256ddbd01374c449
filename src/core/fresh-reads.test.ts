import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freshReads } from './fresh-reads.js';

/** A store whose value changes on `commit`; each read answers the value as of its start. */
function versionedStore() {
  let version = 0;
  const started: number[] = [];
  return {
    commit: () => ++version,
    get version() {
      return version;
    },
    started,
    read: (resolveLater: (settle: () => void) => void) => (_key: string) => {
      const seen = version;
      started.push(seen);
      return new Promise<number>((resolve) => resolveLater(() => resolve(seen)));
    },
  };
}

describe('fresh reads', () => {
  it('50 callers at once share two reads: the first one, and one started after it for the rest', async () => {
    const store = versionedStore();
    const read = freshReads(store.read((settle) => setTimeout(settle, 5)));
    const values = await Promise.all(Array.from({ length: 50 }, () => read('epoch')));
    expect(store.started).toHaveLength(2);
    expect(values).toHaveLength(50);
  });

  it('never answers a caller with a read sent before its call (a change committed just before a call is seen)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.oneof(fc.constant('call' as const), fc.constant('commit' as const)), {
          minLength: 1,
          maxLength: 30,
        }),
        async (s, steps) => {
          const store = versionedStore();
          const read = freshReads(store.read((settle) => void s.schedule(Promise.resolve()).then(settle)));
          const answers: Promise<void>[] = [];
          for (const step of steps) {
            if (step === 'commit') store.commit();
            else {
              const versionAtCall = store.version;
              answers.push(read('k').then((seen) => expect(seen).toBeGreaterThanOrEqual(versionAtCall)));
            }
            // Let some reads settle between steps, in an order the scheduler picks.
            if (s.count() > 0) await s.waitOne();
          }
          // A queued read is scheduled only once the one before it settles: drive until all answered.
          let done = false;
          const all = Promise.all(answers).finally(() => {
            done = true;
          });
          while (!done) {
            if (s.count() > 0) await s.waitOne();
            else await new Promise((resolve) => setImmediate(resolve));
          }
          await all;
          // Sharing happened or not, but never more reads than callers.
          expect(store.started.length).toBeLessThanOrEqual(steps.filter((x) => x === 'call').length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps keys apart: a read of one address never answers another', async () => {
    const seen: string[] = [];
    const read = freshReads(async (key) => {
      seen.push(key);
      return key.toUpperCase();
    });
    expect(await Promise.all([read('a'), read('b'), read('a'), read('b')])).toEqual(['A', 'B', 'A', 'B']);
    expect(seen.sort()).toEqual(['a', 'a', 'b', 'b']);
  });

  it('fails everyone who shared a failed read, and the next call reads afresh instead of reusing the failure', async () => {
    let fail = true;
    let reads = 0;
    const read = freshReads(async () => {
      reads += 1;
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (fail) throw new Error('database gone');
      return 'ok';
    });
    const first = read('k');
    const shared = [read('k'), read('k')];
    await expect(first).rejects.toThrow('database gone');
    await expect(Promise.all(shared)).rejects.toThrow('database gone');
    fail = false;
    expect(await read('k')).toBe('ok');
    expect(reads).toBe(3);
  });
});
