import { LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import type { DeploymentConfig } from '../../audit/config.js';
import { describeError } from '../../audit/errors.js';
import { pause } from '../../clients/pause.js';
import type { CollectContext } from '../../audit/group.js';
import {
  SEVERITIES,
  Status,
  type ChangeHistory,
  type Finding,
  type ResourceChange,
} from '../../audit/model.js';

/** Hours of CloudTrail management events read per failing resource. */
export const CHANGE_WINDOW_HOURS = 24;
/** Resources looked up per audit, the most severe findings first: CloudTrail allows two lookups a second. */
export const MAX_CHANGE_LOOKUPS = 5;
/**
 * Time between two lookups: "The rate of lookup requests is limited to two per second, per account, per
 * Region" (CloudTrail API reference, LookupEvents); the SDK retries a throttled one.
 */
export const LOOKUP_INTERVAL_MS = 500;
/** Writes kept per resource, newest first. */
const EVENTS_KEPT = 3;

/**
 * The CloudTrail resource name a failing infra finding is about, as CloudTrail indexes it (security group
 * id, target group ARN, DB cluster identifier, node group and cluster names, VPC endpoint id or the VPC).
 */
export function changeTarget(f: Finding, d: DeploymentConfig): string | undefined {
  switch (f.checkId) {
    case 'db-sg-allows-nodes':
    case 'db-sg-open-to-world':
    case 'nlb-targets-healthy':
    case 'nlb-health-check-config':
    case 'aurora-cluster-available':
      return f.resource;
    case 'nodegroup-health':
    case 'nodegroup-capacity':
      return typeof f.scope?.nodegroup === 'string' ? f.scope.nodegroup : undefined;
    case 'vpc-endpoints-available': {
      const id = f.evidence.endpointId;
      return typeof id === 'string' ? id : f.resource.split('/')[0];
    }
    case 'eks-cluster-active':
    case 'eks-access-entries-enabled':
      return d.eks.clusterName;
    case 'nat-gateway-capacity': {
      // A blackhole route: who deleted the gateway it names (DeleteNatGateway); else the gateway itself.
      const id = f.evidence.natGatewayId;
      return typeof id === 'string' ? id : f.resource;
    }
    default:
      return undefined;
  }
}

/** Text from the audited account: no control characters, bounded. */
const clean = (s: string, max = 200) => s.replace(/[\p{Cc}\p{Cf}]/gu, '').slice(0, max);

/** A write event as a change: the caller's ARN from the event record, else the user name. */
function toChange(e: Event): ResourceChange {
  let principal = e.Username ?? 'unknown';
  try {
    const record = JSON.parse(String(e.CloudTrailEvent ?? '{}').slice(0, 100_000)) as {
      userIdentity?: { arn?: unknown };
    };
    if (typeof record.userIdentity?.arn === 'string') principal = record.userIdentity.arn;
  } catch {
    // An unreadable record: the user name says who.
  }
  return {
    principal: clean(principal),
    time: (e.EventTime ?? new Date(0)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventName: clean(e.EventName ?? 'unknown', 100),
    eventId: clean(e.EventId ?? '', 100),
  };
}

/**
 * Attach to each failing finding of an AWS resource who changed that resource in the last 24 hours
 * (CloudTrail LookupEvents by ResourceName, writes only): one lookup per resource, at most
 * MAX_CHANGE_LOOKUPS, spaced LOOKUP_INTERVAL_MS apart. A lookup that fails says so on its findings.
 */
export async function annotateChanges(findings: Finding[], ctx: CollectContext): Promise<Finding[]> {
  const failing = findings
    .filter((f) => f.status === Status.Fail)
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  const targets = [...new Set(failing.flatMap((f) => changeTarget(f, ctx.deployment) ?? []))].slice(
    0,
    MAX_CHANGE_LOOKUPS,
  );
  const end = ctx.now;
  const start = new Date(end.getTime() - CHANGE_WINDOW_HOURS * 3_600_000);
  const history = new Map<string, ChangeHistory>();
  for (const [i, name] of targets.entries()) {
    if (i > 0) await pause(LOOKUP_INTERVAL_MS, ctx.signal);
    if (ctx.signal.aborted) break;
    const base = { resourceName: name, hours: CHANGE_WINDOW_HOURS };
    try {
      const out = await ctx.aws.cloudtrail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: name }],
          StartTime: start,
          EndTime: end,
          MaxResults: 20,
        }),
        { abortSignal: ctx.signal },
      );
      const writes = (out.Events ?? []).filter((e) => e.ReadOnly !== 'true').slice(0, EVENTS_KEPT);
      history.set(name, { ...base, events: writes.map(toChange) });
    } catch (err) {
      history.set(name, { ...base, events: [], error: clean(describeError(err), 300) });
    }
  }
  return findings.map((f) => {
    const name = f.status === Status.Fail ? changeTarget(f, ctx.deployment) : undefined;
    const changes = name ? history.get(name) : undefined;
    return changes ? { ...f, changes } : f;
  });
}
