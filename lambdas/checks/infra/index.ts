import { defineGroup } from '../../audit/group.js';
import auroraClusterAvailable from './aurora-cluster-available.js';
import auroraRecentEvents from './aurora-recent-events.js';
import type { InfraSnapshot } from './collector.js';
import dbSgAllowsNodes from './db-sg-allows-nodes.js';
import dbSgOpenToWorld from './db-sg-open-to-world.js';
import ebsQuota from './ebs-quota.js';
import natGatewayCapacity from './nat-gateway-capacity.js';
import ec2VcpuQuota from './ec2-vcpu-quota.js';
import eksAccessEntriesEnabled from './eks-access-entries-enabled.js';
import eksClusterActive from './eks-cluster-active.js';
import nlbHealthCheckConfig from './nlb-health-check-config.js';
import nlbTargetsHealthy from './nlb-targets-healthy.js';
import nodegroupCapacity from './nodegroup-capacity.js';
import nodegroupHealth from './nodegroup-health.js';
import vpcEndpointsAvailable from './vpc-endpoints-available.js';

/** AWS side of the runbook: EKS, node groups, Aurora, security groups, VPC endpoints, NLB, quotas. */
export const infraGroup = defineGroup<InfraSnapshot>({
  id: 'infra',
  skipReason: () => undefined,
  // Loaded when the group runs (the catalogue and `coder-audit checks` need no client library), before
  // any group's clock starts.
  load: () => import('./collector.js'),
  collect: async (ctx) => (await import('./collector.js')).collectInfra(ctx),
  checks: [
    eksClusterActive,
    eksAccessEntriesEnabled,
    nodegroupHealth,
    nodegroupCapacity,
    auroraClusterAvailable,
    auroraRecentEvents,
    dbSgAllowsNodes,
    dbSgOpenToWorld,
    vpcEndpointsAvailable,
    nlbTargetsHealthy,
    nlbHealthCheckConfig,
    ec2VcpuQuota,
    natGatewayCapacity,
    ebsQuota,
  ],
  // Who changed each failing resource in the last 24 h (CloudTrail), after the checks ran.
  annotate: async (findings, ctx) => (await import('./changes.js')).annotateChanges(findings, ctx),
});
