import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CallRecorder } from '../../lambdas/audit/calls.js';

describe('Class: CallRecorder', () => {
  it('counts calls per operation and finds duplicates', async () => {
    const r = new CallRecorder();
    await Promise.all([
      r.track('ec2', 'DescribeSecurityGroups', 'a', async () => 1),
      r.track('ec2', 'DescribeSecurityGroups', 'a', async () => 1),
      r.track('rds', 'DescribeEvents', 'b', async () => 1),
    ]);
    const s = r.summary();
    expect(s.byOperation).toEqual({ 'ec2:DescribeSecurityGroups': 2, 'rds:DescribeEvents': 1 });
    expect(s.duplicates).toEqual(['ec2:DescribeSecurityGroups a']);
  });

  it('measures the depth of dependent chains, not of parallel calls', async () => {
    const r = new CallRecorder();
    const chain = async () => {
      await r.track('eks', 'DescribeCluster', 'c', () => sleep(5));
      await r.track('kubernetes', 'listNamespacedPod', 'ns', () => sleep(5));
      await r.track('kubernetes', 'readNamespacedPodLog', 'p', () => sleep(5));
    };
    await Promise.all([
      r.branch(chain),
      r.branch(() => Promise.all([1, 2, 3].map((i) => r.track('ec2', 'X', String(i), () => sleep(5))))),
    ]);
    expect(r.summary().maxDepth).toBe(3);
  });

  it('records failed calls too', async () => {
    const r = new CallRecorder();
    await expect(
      r.track('sts', 'GetCallerIdentity', '', () => Promise.reject(new Error('x'))),
    ).rejects.toThrow('x');
    expect(r.list()[0]).toMatchObject({ ok: false, depth: 1 });
  });
});

describe('Method: shared', () => {
  it('reads once and puts every caller one level after the shared read', async () => {
    const r = new CallRecorder();
    let reads = 0;
    const describe = () =>
      r.shared('eks:DescribeCluster:c', () =>
        r.track('eks', 'DescribeCluster', 'c', async () => {
          reads += 1;
          await sleep(5);
          return 'cluster';
        }),
      );
    await Promise.all([
      r.branch(async () => {
        await describe();
        await r.track('ec2', 'DescribeVpcEndpoints', 'vpc', () => sleep(1));
      }),
      r.branch(async () => {
        await describe();
        await r.track('kubernetes', 'listNamespacedPod', 'ns', () => sleep(1));
        await r.track('kubernetes', 'readNamespacedPodLog', 'p', () => sleep(1));
      }),
    ]);
    expect(reads).toBe(1);
    const depth = Object.fromEntries(r.list().map((c) => [c.operation, c.depth]));
    expect(depth).toEqual({
      DescribeCluster: 1,
      DescribeVpcEndpoints: 2,
      listNamespacedPod: 2,
      readNamespacedPodLog: 3,
    });
  });
});
