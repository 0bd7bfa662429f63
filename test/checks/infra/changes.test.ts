import { CloudTrailClient, LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallRecorder } from '../../../lambdas/audit/calls.js';
import type { CollectContext } from '../../../lambdas/audit/group.js';
import { changeLine, type Finding } from '../../../lambdas/audit/model.js';
import type { AwsClients } from '../../../lambdas/clients/aws.js';
import {
  annotateChanges,
  changeTarget,
  LOOKUP_INTERVAL_MS,
  MAX_CHANGE_LOOKUPS,
} from '../../../lambdas/checks/infra/changes.js';
import { finding } from '../../store/fixtures.js';
import { deployment, IDS, NOW, WS_NG } from './fixtures.js';

const SG = IDS.dbSecurityGroupId;
const TG = IDS.targetGroupArn;
const ct = new CloudTrailClient({ region: 'us-east-1' });
const mock = mockClient(ct);

function ctx(signal = new AbortController().signal): CollectContext {
  return {
    deployment: deployment(),
    aws: { cloudtrail: ct } as unknown as AwsClients,
    calls: new CallRecorder(),
    signal,
    now: NOW,
    log: () => {},
    once: (_k, read) => read(),
  };
}

const event = (name: string, minutesAgo: number, over: Partial<Event> = {}): Event => ({
  EventId: `id-${name}`,
  EventName: name,
  ReadOnly: 'false',
  EventTime: new Date(NOW.getTime() - minutesAgo * 60_000),
  Username: 'gha-run-4821',
  CloudTrailEvent: JSON.stringify({
    userIdentity: { arn: 'arn:aws:sts::123456789012:assumed-role/terraform-ci/gha-run-4821' },
  }),
  ...over,
});

const sg = finding('db-sg-allows-nodes', 'fail', { resource: SG, severity: 'high' });
const tg = finding('nlb-targets-healthy', 'fail', { resource: TG, severity: 'critical' });

beforeEach(() => mock.reset());
afterEach(() => vi.useRealTimers());

describe('Function: annotateChanges', () => {
  it('says who changed a failing resource in the last 24 h, newest write first (reads ignored)', async () => {
    mock.on(LookupEventsCommand).resolves({
      Events: [
        event('DescribeSecurityGroups', 5, { ReadOnly: 'true' }),
        event('RevokeSecurityGroupIngress', 47),
        event('ModifySecurityGroupRules', 300),
      ],
    });
    const [out] = await annotateChanges([sg], ctx());
    expect(out!.changes).toMatchObject({
      resourceName: SG,
      hours: 24,
      events: [
        { eventName: 'RevokeSecurityGroupIngress', time: '2025-03-01T11:13:00Z' },
        { eventName: 'ModifySecurityGroupRules' },
      ],
    });
    expect(changeLine(out!.changes!)).toBe(
      'changed by arn:aws:sts::123456789012:assumed-role/terraform-ci/gha-run-4821 at 2025-03-01T11:13:00Z ' +
        '(RevokeSecurityGroupIngress); 1 earlier change in 24 h',
    );
    const input = mock.commandCalls(LookupEventsCommand)[0]!.args[0].input;
    expect(input).toEqual({
      LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: SG }],
      StartTime: new Date(NOW.getTime() - 24 * 3_600_000),
      EndTime: NOW,
      MaxResults: 20,
    });
  });

  it('says so when nothing changed, and why when CloudTrail could not be read', async () => {
    mock.on(LookupEventsCommand).resolves({ Events: [] });
    const [quiet] = await annotateChanges([sg], ctx());
    expect(changeLine(quiet!.changes!)).toBe('no change in 24 h (CloudTrail)');
    mock
      .on(LookupEventsCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const [denied] = await annotateChanges([sg], ctx());
    expect(changeLine(denied!.changes!)).toMatch(/^changes not known \(CloudTrail: .*not authorized/);
  });

  it('reads only failing findings of AWS resources, each resource once, most severe first, at most five', async () => {
    mock.on(LookupEventsCommand).resolves({ Events: [] });
    const many = Array.from({ length: 8 }, (_, i) =>
      finding('nlb-health-check-config', 'fail', { resource: `${TG}-${i}`, severity: 'medium' }),
    );
    const pass = finding('db-sg-open-to-world', 'pass', { resource: SG });
    const pods = finding('pods-pending', 'fail', { resource: 'k8s:coder-ws/pods-pending/cpu' });
    const out = await annotateChanges([...many, sg, { ...sg, fingerprint: 'other' }, tg, pass, pods], ctx());
    const names = mock
      .commandCalls(LookupEventsCommand)
      .map((c) => c.args[0].input.LookupAttributes![0]!.AttributeValue);
    expect(names).toHaveLength(MAX_CHANGE_LOOKUPS);
    expect(names.slice(0, 2)).toEqual([TG, SG]);
    expect(out.filter((f) => f.changes?.resourceName === SG)).toHaveLength(2);
    expect(out.find((f) => f === pass || f.fingerprint === pass.fingerprint)!.changes).toBeUndefined();
    expect(out.find((f) => f.checkId === 'pods-pending')!.changes).toBeUndefined();
  });

  it('leaves LOOKUP_INTERVAL_MS between two lookups (CloudTrail allows two a second)', async () => {
    vi.useFakeTimers();
    mock.on(LookupEventsCommand).resolves({ Events: [] });
    const done = annotateChanges([sg, tg], ctx());
    await vi.advanceTimersByTimeAsync(0);
    expect(mock.commandCalls(LookupEventsCommand)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(LOOKUP_INTERVAL_MS - 1);
    expect(mock.commandCalls(LookupEventsCommand)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(mock.commandCalls(LookupEventsCommand)).toHaveLength(2);
    await done;
  });

  it('stops looking up at the group deadline', async () => {
    mock.on(LookupEventsCommand).resolves({ Events: [] });
    const deadline = new AbortController();
    deadline.abort();
    const out = await annotateChanges([sg, tg], ctx(deadline.signal));
    expect(mock.commandCalls(LookupEventsCommand)).toHaveLength(0);
    expect(out.every((f) => f.changes === undefined)).toBe(true);
  });

  it('neutralises what the account says: control characters out, bounded', async () => {
    const hostile = `arn:aws:iam::1:user/\u001b[31mevil\u0007${'x'.repeat(500)}`;
    mock.on(LookupEventsCommand).resolves({
      Events: [
        event('X\u001b]52;c;aGk=\u0007', 1, {
          CloudTrailEvent: JSON.stringify({ userIdentity: { arn: hostile } }),
        }),
      ],
    });
    const [out] = await annotateChanges([sg], ctx());
    const c = out!.changes!.events[0]!;
    expect(c.principal).not.toMatch(/\p{Cc}/u);
    expect(c.principal.length).toBeLessThanOrEqual(200);
    expect(c.eventName).not.toMatch(/\p{Cc}/u);
  });
});

describe('Function: changeTarget', () => {
  it('names what CloudTrail indexes for each AWS resource check', () => {
    const d = deployment();
    const ng = finding('nodegroup-capacity', 'fail', {
      resource: 'arn:aws:eks:…',
      scope: { nodegroup: WS_NG! },
    });
    expect(changeTarget(ng, d)).toBe(WS_NG);
    expect(changeTarget(finding('eks-cluster-active', 'fail'), d)).toBe(IDS.clusterName);
    const vpce = finding('vpc-endpoints-available', 'fail', {
      resource: `${IDS.vpcId}/ecr.api`,
      evidence: {},
    });
    expect(changeTarget(vpce, d)).toBe(IDS.vpcId);
    expect(changeTarget(finding('ec2-vcpu-quota', 'fail') as Finding, d)).toBeUndefined();
    // A route to a deleted NAT gateway: the gateway (DeleteNatGateway names it), not the route table.
    const hole = finding('nat-gateway-capacity', 'fail', {
      resource: 'rtb-0a0de0000000000a1',
      evidence: { natGatewayId: 'nat-0a0de000000000a11' },
    });
    expect(changeTarget(hole, d)).toBe('nat-0a0de000000000a11');
  });
});
