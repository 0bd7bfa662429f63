import { defineMetas } from '../../audit/check.js';
import { GuideSection } from '../../audit/guide.js';

/**
 * Metadata of the infra checks, written once: id (the key), severity, title, description, risk, runbook
 * section and the reasons each can report. The check files, the catalogue of the aggregate function, the
 * README and the causal rules (lambdas/checks/causes.ts) all read it from here.
 */
export const INFRA_META = defineMetas('infra', {
  'eks-cluster-active': {
    severity: 'critical',
    title: 'EKS cluster is active',
    description:
      'Reports an EKS cluster that does not exist or is not ACTIVE (UPDATING is reported at medium severity: ' +
      'the API keeps serving during an update).',
    risk: 'Without an active control plane nothing can be scheduled: coderd, provisioners and workspaces stop.',
    guideSection: GuideSection.AwsDebugging,
    reasons: {
      missing: { message: 'The EKS cluster does not exist.', severity: 'critical' },
      'not-active': { message: 'The EKS cluster is neither ACTIVE nor UPDATING.', severity: 'critical' },
      updating: { message: 'The EKS cluster is UPDATING.', severity: 'medium' },
    },
  },
  'eks-access-entries-enabled': {
    severity: 'medium',
    title: 'EKS access entries are enabled',
    description:
      'Reports a cluster whose authentication mode is CONFIG_MAP only, so access entries cannot be used.',
    risk:
      'The auditor (and other automation) reads the Kubernetes API through an EKS access entry; with the ' +
      'aws-auth ConfigMap only, the cluster checks cannot run and access depends on a hand-edited ConfigMap.',
    guideSection: GuideSection.AwsDebugging,
    reasons: {
      'config-map-only': {
        message: 'The cluster authenticates through the aws-auth ConfigMap only.',
        severity: 'medium',
      },
    },
  },
  'nodegroup-health': {
    severity: 'high',
    title: 'Node group is healthy',
    description:
      'Reports a configured node group that is missing, not ACTIVE, or reports health issues ' +
      '(CREATING/UPDATING without issues is reported at medium severity).',
    risk: 'A degraded node group cannot add nodes: workspace and coderd pods stay Pending.',
    guideSection: GuideSection.PodsPending,
    reasons: {
      missing: { message: 'The node group does not exist.', severity: 'high' },
      'vcpu-limit-exceeded': {
        message: 'The node group cannot launch instances: the account vCPU limit is exceeded.',
        severity: 'high',
      },
      degraded: { message: 'The node group is not ACTIVE or reports health issues.', severity: 'high' },
      transitioning: { message: 'The node group is being created or updated.', severity: 'medium' },
    },
  },
  'nodegroup-capacity': {
    severity: 'high',
    title: 'Node group can scale up',
    description:
      'Reports a node group whose desired size has reached its maximum or whose sizes are inconsistent ' +
      '(min <= desired <= max), and, at low severity, a workspace node group with minimum size 0 ' +
      '(after a scale-down to zero, every workspace start waits for a node to boot).',
    risk: 'At maximum size the autoscaler cannot add nodes: new workspaces stay Pending until capacity frees up.',
    guideSection: GuideSection.PodsPending,
    reasons: {
      'inconsistent-sizes': {
        message: 'The node group sizes break min <= desired <= max.',
        severity: 'high',
      },
      'at-max': { message: 'The node group is at its maximum size.', severity: 'high' },
      'min-zero': { message: 'The workspace node group may scale down to zero nodes.', severity: 'low' },
    },
  },
  'aurora-cluster-available': {
    severity: 'critical',
    title: 'Aurora cluster is available',
    description:
      'Reports an Aurora cluster that is missing or not available, has no writer, or has a member instance ' +
      'that is not available (a reader alone is high; a status that still serves, e.g. backing-up, medium).',
    risk: 'coderd cannot start or serve without its database: the whole platform is down.',
    guideSection: GuideSection.DatabaseConnection,
    reasons: {
      missing: { message: 'The Aurora cluster does not exist.', severity: 'critical' },
      'cluster-unavailable': {
        message: 'The Aurora cluster is in a status that does not serve.',
        severity: 'critical',
      },
      'no-writer': { message: 'The Aurora cluster has no writer instance.', severity: 'critical' },
      'writer-unavailable': { message: 'The writer instance is not available.', severity: 'critical' },
      'reader-unavailable': { message: 'A reader instance is not available.', severity: 'high' },
      'operation-in-progress': {
        message: 'The cluster or an instance is busy with an operation but still serves.',
        severity: 'medium',
      },
    },
  },
  'aurora-recent-events': {
    severity: 'high',
    title: 'No recent Aurora failover, failure or notification',
    description:
      'Reports failure (critical), failover (high) and notification (low) events of the Aurora cluster and its ' +
      'member instances within thresholds.auroraEventWindowMinutes, one finding per kind; other events ' +
      '(backups...) pass.',
    risk: 'A failover drops every database connection: coderd restarts, builds and sessions fail meanwhile.',
    guideSection: GuideSection.DatabaseConnection,
    reasons: {
      failure: { message: 'Aurora reported a failure event.', severity: 'critical' },
      failover: { message: 'Aurora failed over.', severity: 'high' },
      notification: { message: 'Aurora sent a notification event.', severity: 'low' },
    },
  },
  'db-sg-allows-nodes': {
    severity: 'high',
    title: 'Nodes can reach the database port',
    description:
      'Reports a DB security group that is missing or has no ingress rule for TCP 5432 (or all traffic) from ' +
      'the node security group or a CIDR, and a node security group that is missing or whose egress blocks ' +
      'TCP 5432; a rule by CIDR passes, noted as not verified to contain the nodes or the database.',
    risk: 'coderd cannot connect to Aurora (connection refused, timeouts): pods crash-loop and NLB targets go unhealthy.',
    guideSection: GuideSection.DatabaseConnection,
    reasons: {
      'sg-missing': { message: 'A configured security group does not exist.', severity: 'high' },
      'no-ingress': {
        message: 'The DB security group admits no TCP 5432 from the nodes.',
        severity: 'high',
      },
      'egress-blocked': {
        message: 'The node security group lets no TCP 5432 out to the database.',
        severity: 'high',
      },
    },
  },
  'db-sg-open-to-world': {
    severity: 'critical',
    title: 'Database port is not open to the internet',
    description:
      'Reports DB security group rules that admit TCP 5432 (or all traffic) from 0.0.0.0/0 or ::/0.',
    risk: 'PostgreSQL is reachable from the whole internet: password brute force and exploits against the database.',
    guideSection: GuideSection.DatabaseConnection,
    reasons: {
      'open-to-world': {
        message: 'The DB security group admits PostgreSQL from the whole internet.',
        severity: 'critical',
      },
    },
  },
  'vpc-endpoints-available': {
    severity: 'high',
    title: 'Required VPC endpoint is available',
    description:
      'Reports each network.requiredVpcEndpoints entry (`ecr.api` or `com.amazonaws.<region>.ecr.api`) that is ' +
      'missing from the VPC, not available, or an Interface endpoint without private DNS.',
    risk: 'Nodes in private subnets cannot pull images (ECR, S3), get credentials (STS) or ship logs: pods fail to start.',
    guideSection: GuideSection.NetworkDebugging,
    reasons: {
      missing: { message: 'The VPC has no endpoint for the service.', severity: 'high' },
      unavailable: { message: 'The endpoint for the service is not available.', severity: 'high' },
      'private-dns-disabled': {
        message: 'The Interface endpoint has private DNS disabled.',
        severity: 'high',
      },
    },
  },
  'nlb-targets-healthy': {
    severity: 'critical',
    title: 'NLB targets are healthy',
    description:
      'Reports a target group with no registered target or with targets that are not healthy (critical when ' +
      'none is healthy, high when some are).',
    risk: 'Unhealthy targets take coderd out of the NLB: the Coder URL answers 502/503 or times out.',
    guideSection: GuideSection.NlbHealth,
    reasons: {
      'target-group-missing': { message: 'The target group does not exist.', severity: 'critical' },
      'no-targets': { message: 'The target group has no registered target.', severity: 'critical' },
      'none-healthy': { message: 'No target of the target group is healthy.', severity: 'critical' },
      'some-unhealthy': { message: 'Some targets of the target group are not healthy.', severity: 'high' },
    },
  },
  'nlb-health-check-config': {
    severity: 'high',
    title: 'NLB health check targets coderd readiness',
    description:
      'Reports a target group whose health check is not HTTP/HTTPS (TCP cannot see readiness), does not use ' +
      'coderd.healthPath, or does not probe coderd.port (directly or as traffic-port).',
    risk: 'A wrong health check marks ready coderd pods unhealthy (502/503), or keeps broken pods in rotation.',
    guideSection: GuideSection.NlbHealth,
    reasons: {
      'target-group-missing': { message: 'The target group does not exist.', severity: 'high' },
      'not-http': { message: 'The health check is not HTTP or HTTPS.', severity: 'high' },
      'wrong-path': { message: "The health check does not request coderd's health path.", severity: 'high' },
      'wrong-port': { message: "The health check does not probe coderd's port.", severity: 'high' },
    },
  },
  'ec2-vcpu-quota': {
    severity: 'high',
    title: 'vCPU quota covers node group maximums',
    description:
      'Sums maxSize x vCPUs (largest instance type) over the On-Demand node groups of standard families and ' +
      'compares it with the Running On-Demand Standard vCPU quota: at or above it is high, at or above ' +
      'thresholds.vcpuQuotaWarnPercent is medium. Other workloads of the account share the quota; node groups ' +
      'whose instance types come from a launch template are not counted.',
    risk: 'Past the quota, scale-ups fail with VcpuLimitExceeded: workspaces stay Pending during peaks and scale tests.',
    guideSection: GuideSection.ScaleTesting,
    reasons: {
      exceeded: {
        message: 'The node groups at maximum size need more vCPUs than the quota.',
        severity: 'high',
      },
      'near-limit': {
        message: 'The node groups at maximum size need most of the vCPU quota.',
        severity: 'medium',
      },
    },
  },
  'nat-gateway-capacity': {
    severity: 'high',
    title: 'NAT gateways have port capacity',
    description:
      "Follows the routes of the cluster's and its node groups' subnets (DescribeRouteTables; the main table for " +
      "a subnet without its own) to their NAT gateways and sums each available one's AWS/NATGateway " +
      'ErrorPortAllocation and PacketsDropCount (CloudWatch) over thresholds.natWindowMinutes: any port ' +
      'allocation error fails (high), drops above thresholds.natPacketDropsWarn warn (medium), a route to a gateway ' +
      'that is gone (blackhole) fails (high). Scheduled audits read every thresholds.natReadEveryHours ' +
      'hours (GetMetricData bills per metric) over the hours since the last read, and skip in between.',
    risk: 'A NAT gateway out of source ports drops new connections: image pulls, provider calls and package installs time out at scale.',
    guideSection: GuideSection.ScaleTesting,
    reasons: {
      'port-exhaustion': {
        message: 'A NAT gateway could not allocate source ports (ErrorPortAllocation).',
        severity: 'high',
      },
      'packet-drops': { message: 'A NAT gateway dropped many packets.', severity: 'medium' },
      'blackhole-route': {
        message:
          "The cluster's subnets route to a NAT gateway that is gone (blackhole): their egress is dropped.",
        severity: 'high',
      },
    },
  },
  'ebs-quota': {
    severity: 'high',
    title: 'EBS storage quota has headroom',
    description:
      "Sums the region's EBS volumes of eks.volumeType (DescribeVolumes) and compares them with that type's " +
      'storage quota (Service Quotas, ebs): at or above it is high, at or above thresholds.ebsQuotaWarnPercent ' +
      'medium. Other workloads of the account share the quota.',
    risk: 'Past the quota the EBS CSI driver cannot create home volumes: new workspaces never start.',
    guideSection: GuideSection.ScaleTesting,
    reasons: {
      exceeded: {
        message: 'The volumes of the workspace volume type fill its storage quota.',
        severity: 'high',
      },
      'near-limit': {
        message: 'The volumes of the workspace volume type use most of its storage quota.',
        severity: 'medium',
      },
    },
  },
});
