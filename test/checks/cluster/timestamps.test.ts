import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import type { CoreV1Event } from '../../../lambdas/clients/kube-types.js';
import { ageMinutes, podProblems, podReason } from '../../../lambdas/checks/cluster/pods.js';
import { groupByCause, lastSeenMs } from '../../../lambdas/checks/cluster/scheduling.js';
import { NOW, ago, coderPod, running, schedulingEvent, wsPod } from './fixtures.js';

/**
 * Every timestamp the cluster checks read arrives as the API's RFC 3339 string (the client converts none):
 * each test fails if a check compared the string as if it were a Date (`+s`, `s < d`: NaN or lexical order).
 */
describe('Kubernetes timestamps as strings', () => {
  it('Function: ageMinutes: metadata.creationTimestamp', () => {
    expect(ageMinutes(coderPod('c', { ageMinutes: 42 }), NOW)).toBe(42);
    expect(ageMinutes({ metadata: { name: 'c' } }, NOW)).toBe(0);
  });

  it('Function: podReason: lastState.terminated.finishedAt inside or outside the restart window', () => {
    const restarted = (minutes: number) =>
      coderPod('c', {
        ready: false,
        containers: [
          running('coder', {
            ready: false,
            restartCount: 1,
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(minutes) } },
          }),
        ],
      });
    const since = NOW.getTime() - 15 * 60_000;
    expect(podReason(restarted(5), since)).toBe('restarting');
    expect(podReason(restarted(30), since)).toBe('not-ready');
  });

  it('Function: podProblems: finishedAt decides "restarted within the window"', () => {
    const pod = coderPod('c', {
      containers: [
        running('coder', {
          restartCount: 2,
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: ago(5) } },
        }),
      ],
    });
    expect(podProblems(pod, NOW, 15).problems).toEqual([
      'coder restarted within 15 min (last exit: OOMKilled, code 137)',
    ]);
    expect(podProblems(pod, NOW, 3).problems).toEqual([]);
  });

  describe('Function: lastSeenMs / groupByCause', () => {
    const legacy = (message: string, minutes: number) => ({
      ...schedulingEvent('ws-a', message),
      lastTimestamp: ago(minutes),
    });
    // kube-scheduler records through events.k8s.io/v1: the core/v1 view has lastTimestamp null.
    const modern = (message: string, minutes: number, series?: number): CoreV1Event => ({
      ...schedulingEvent('ws-a', message),
      firstTimestamp: null,
      lastTimestamp: null,
      eventTime: ago(minutes).replace('Z', '.000000Z'),
      ...(series === undefined ? {} : { series: { count: 3, lastObservedTime: ago(series) } }),
    });
    const pending = wsPod('ws-a', { unschedulable: '' });
    const newest = (events: CoreV1Event[]) => groupByCause([pending], known(events)).map((g) => g.cause.text);

    it('lastTimestamp (the newer event listed second wins)', () => {
      expect(lastSeenMs(legacy('x', 10))).toBe(Date.parse(ago(10)));
      expect(
        newest([
          legacy('0/3 nodes are available: 3 Insufficient cpu.', 30),
          legacy('0/3 nodes are available: 3 Insufficient memory.', 2),
        ]),
      ).toEqual(['3 Insufficient memory']);
    });

    it('eventTime, then series.lastObservedTime, when lastTimestamp is null', () => {
      expect(lastSeenMs(modern('x', 10))).toBe(Date.parse(ago(10)));
      expect(lastSeenMs(modern('x', 10, 1))).toBe(Date.parse(ago(1)));
      expect(
        newest([
          modern('0/3 nodes are available: 3 Insufficient cpu.', 30),
          modern('0/3 nodes are available: 3 Insufficient memory.', 40, 1),
        ]),
      ).toEqual(['3 Insufficient memory']);
    });
  });
});
