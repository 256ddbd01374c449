/**
 * SECURITY: concurrent reads of one key share a round trip without ever answering stale. A
 * caller only gets the result of a read that started after it called, so it sees every
 * change committed before its call, as its own read would have. The first caller starts a
 * read; whoever calls while that read runs waits for the next one, started the moment the
 * running one settles and shared by everyone who queued meanwhile. Under load that is two
 * reads for any number of callers instead of one each, for at most one read's extra wait.
 * Used where every request must see the current state — the authentication epoch, the
 * failed-sign-in counter of an address — and a database round trip per request dominates.
 * A failed read fails those who shared it; the next call starts afresh.
 */
export type FreshRead<V> = (key: string) => Promise<V>;

interface Slot<V> {
  readonly running: Promise<V>;
  /** The read that starts once `running` settles, for the callers who came after it started. */
  queued?: Promise<V>;
}

export function freshReads<V>(read: (key: string) => Promise<V>): FreshRead<V> {
  const slots = new Map<string, Slot<V>>();

  const start = (key: string): Promise<V> => {
    const running = read(key);
    const slot: Slot<V> = { running };
    slots.set(key, slot);
    const settle = () => {
      if (slots.get(key) === slot && slot.queued === undefined) slots.delete(key);
    };
    running.then(settle, settle);
    return running;
  };

  return (key) => {
    const slot = slots.get(key);
    if (!slot) return start(key);
    // The running read may have been sent before this call, missing a change committed just
    // before it: never share it, wait for the next.
    slot.queued ??= slot.running.then(
      () => start(key),
      () => start(key),
    );
    return slot.queued;
  };
}
