/**
 * Wait `ms`, or less if `signal` aborts first; never rejects. The abort listener is removed whichever comes
 * first, so a signal that outlives many waits, such as a group's deadline or a twin's stop signal, collects
 * no listeners: each one left behind costs memory, and EventTarget scans them all on every add. (The global
 * setTimeout rather than node:timers/promises, so that tests' fake timers drive it.)
 */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
