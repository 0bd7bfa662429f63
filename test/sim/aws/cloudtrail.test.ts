import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupLimiter } from '../../../sim/aws/services/cloudtrail.js';
import { loadScenario } from '../../../sim/scenario.js';
import { startTwin, type AwsTwin } from './harness.js';

let twin: AwsTwin;
const SG = 'sg-0db0000000000001a';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  twin = await startTwin(loadScenario('db-sg-missing-5432'));
});
afterAll(() => twin.stop());

/** Raw SDK errors, no retries: what the service itself answers. */
const noRetry = () => twin.clients({ aws: { maxAttempts: 1 } }).cloudtrail;
const lookup = (name = SG, extra: Record<string, unknown> = {}) =>
  new LookupEventsCommand({
    LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: name }],
    ...extra,
  });

describe('Twin: CloudTrail LookupEvents (awsJson1_1)', () => {
  it('returns the events of a resource newest first, ReadOnly as a string and the record as a JSON string', async () => {
    const out = await noRetry().send(lookup());
    expect(out.Events!.map((e) => [e.EventName, e.ReadOnly])).toEqual([
      ['DescribeSecurityGroups', 'true'],
      ['RevokeSecurityGroupIngress', 'false'],
      ['AuthorizeSecurityGroupIngress', 'false'],
    ]);
    const revoke = out.Events![1]!;
    expect(revoke.EventTime).toBeInstanceOf(Date);
    expect(revoke.Resources).toEqual([{ ResourceType: 'AWS::EC2::SecurityGroup', ResourceName: SG }]);
    const record = JSON.parse(revoke.CloudTrailEvent!) as { userIdentity: { arn: string; type: string } };
    expect(record.userIdentity).toMatchObject({
      type: 'AssumedRole',
      arn: 'arn:aws:sts::123456789012:assumed-role/terraform-ci/gha-run-4821',
    });
    await sleep(1_000);
  });

  it('filters by StartTime and pages by MaxResults with a NextToken', async () => {
    const since = new Date(Date.now() - 24 * 3_600_000);
    const first = await noRetry().send(lookup(SG, { StartTime: since, MaxResults: 1 }));
    expect(first.Events!.map((e) => e.EventName)).toEqual(['DescribeSecurityGroups']);
    const next = await noRetry().send(
      lookup(SG, { StartTime: since, MaxResults: 1, NextToken: first.NextToken }),
    );
    expect(next.Events!.map((e) => e.EventName)).toEqual(['RevokeSecurityGroupIngress']);
    expect(next.NextToken).toBeUndefined();
    await sleep(1_000);
  });

  it('rejects two lookup attributes, MaxResults above 50 and an inverted time range like the service', async () => {
    const ct = noRetry();
    const two = new LookupEventsCommand({
      LookupAttributes: [
        { AttributeKey: 'ResourceName', AttributeValue: SG },
        { AttributeKey: 'ReadOnly', AttributeValue: 'false' },
      ],
    });
    await expect(ct.send(two)).rejects.toMatchObject({ name: 'InvalidLookupAttributesException' });
    await sleep(1_000);
    await expect(ct.send(lookup(SG, { MaxResults: 51 }))).rejects.toMatchObject({
      name: 'InvalidMaxResultsException',
    });
    await sleep(1_000);
    const inverted = lookup(SG, { StartTime: new Date(), EndTime: new Date(Date.now() - 60_000) });
    await expect(ct.send(inverted)).rejects.toMatchObject({ name: 'InvalidTimeRangeException' });
    await sleep(1_000);
  });

  it('throttles lookups above two per second (per account and region) with ThrottlingException', async () => {
    const ct = noRetry();
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => ct.send(lookup())));
    const throttled = results.filter((r) => r.status === 'rejected');
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    expect((throttled[0] as PromiseRejectedResult).reason).toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('Function: lookupLimiter', () => {
  it('allows two lookups in any second, and two more a second later', () => {
    let t = 0;
    const allow = lookupLimiter({ requests: 2, perMs: 1_000 }, () => t);
    expect([allow(), allow(), allow()]).toEqual([true, true, false]);
    t = 999;
    expect(allow()).toBe(false);
    t = 1_000;
    expect([allow(), allow(), allow()]).toEqual([true, true, false]);
  });
});
