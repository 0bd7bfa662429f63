import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { pause } from '../../lambdas/clients/pause.js';
import { delay } from '../../sim/faults.js';

describe('Function: pause', () => {
  it('Compliance: waits the time given, and a long-lived signal keeps no listener from the waits that ended', async () => {
    const group = new AbortController();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? pause : delay)(20, group.signal)));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(19);
    // One listener left per wait made every later add scan them all: quadratic in a twin serving a fleet.
    expect(getEventListeners(group.signal, 'abort')).toHaveLength(0);
  });

  it('Noncompliance 1: an abort ends every wait at once, without rejecting, and leaves no listener', async () => {
    const group = new AbortController();
    const waits = Promise.all([pause(60_000, group.signal), delay(60_000, group.signal)]);
    expect(getEventListeners(group.signal, 'abort')).toHaveLength(2);
    group.abort(new Error('deadline'));
    await expect(waits).resolves.toEqual([undefined, undefined]);
    expect(getEventListeners(group.signal, 'abort')).toHaveLength(0);
  });

  it('Noncompliance 2: returns at once for no time or a signal that already aborted', async () => {
    const aborted = AbortSignal.abort();
    await expect(pause(60_000, aborted)).resolves.toBeUndefined();
    await expect(pause(0)).resolves.toBeUndefined();
    expect(getEventListeners(aborted, 'abort')).toHaveLength(0);
  });
});
