import { NodegroupIssueCode } from '@aws-sdk/client-eks';
import { TargetHealthReasonEnum } from '@aws-sdk/client-elastic-load-balancing-v2';
import { z } from 'zod';
import { ConfigError } from '../../lambdas/audit/errors.js';
import { formatIssues } from '../../lambdas/audit/config.js';

/**
 * The `aws:` section of a scenario: the state the AWS twin serves. Every collection is a map keyed by the
 * resource's id (or name) so that a scenario can change, add or delete (`null`) one resource of its base.
 */

const sgId = z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id like sg-0123456789abcdef0');
const vpcId = z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id like vpc-0123456789abcdef0');
const subnetId = z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id');
const cidr4 = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR like 10.0.0.0/16');
const cidr6 = z.string().regex(/^[0-9a-f:]+\/\d{1,3}$/i, 'must be an IPv6 CIDR like ::/0');
const port = z.number().int().min(0).max(65535);
/** Minutes before the scenario's `now` (events, creation times). */
const ageMinutes = z.number().nonnegative();

const Taint = z
  .object({
    key: z.string().min(1),
    value: z.string().optional(),
    effect: z.enum(['NO_SCHEDULE', 'NO_EXECUTE', 'PREFER_NO_SCHEDULE']),
  })
  .strict();

/** EKS node group health issue. */
const HealthIssue = z
  .object({
    code: z.enum(NodegroupIssueCode),
    message: z.string(),
    resourceIds: z.array(z.string()).default([]),
  })
  .strict();

const Cluster = z
  .object({
    status: z.enum(['CREATING', 'ACTIVE', 'DELETING', 'FAILED', 'UPDATING', 'PENDING']).default('ACTIVE'),
    version: z.string().default('1.31'),
    platformVersion: z.string().default('eks.12'),
    /** API endpoint; default: what the orchestrator wires in (the Kubernetes twin), else kube.invalid. */
    endpoint: z.url().optional(),
    authenticationMode: z.enum(['API', 'API_AND_CONFIG_MAP', 'CONFIG_MAP']).default('API_AND_CONFIG_MAP'),
    vpcId,
    clusterSecurityGroupId: sgId,
    subnetIds: z.array(subnetId).min(1),
    securityGroupIds: z.array(sgId).default([]),
    endpointPublicAccess: z.boolean().default(false),
    endpointPrivateAccess: z.boolean().default(true),
    ageMinutes: ageMinutes.default(60 * 24 * 200),
  })
  .strict();

const Nodegroup = z
  .object({
    status: z
      .enum(['CREATING', 'ACTIVE', 'UPDATING', 'DELETING', 'CREATE_FAILED', 'DELETE_FAILED', 'DEGRADED'])
      .default('ACTIVE'),
    /** Omitted when a launch template names the instance type: DescribeNodegroup then returns none. */
    instanceTypes: z.array(z.string().min(1)).min(1).optional(),
    launchTemplate: z
      .object({
        id: z.string().regex(/^lt-[0-9a-f]{8,17}$/, 'must be a launch template id like lt-0123456789abcdef0'),
        name: z.string().min(1).optional(),
        version: z.string().default('1'),
      })
      .strict()
      .optional(),
    capacityType: z.enum(['ON_DEMAND', 'SPOT', 'CAPACITY_BLOCK']).default('ON_DEMAND'),
    scalingConfig: z
      .object({
        minSize: z.number().int().nonnegative(),
        maxSize: z.number().int().positive(),
        desiredSize: z.number().int().nonnegative(),
      })
      .strict()
      .refine((s) => s.minSize <= s.desiredSize && s.desiredSize <= s.maxSize, {
        message: 'must satisfy minSize <= desiredSize <= maxSize',
      }),
    healthIssues: z.array(HealthIssue).default([]),
    /** Map keyed by taint key. */
    taints: z.record(z.string(), Taint.omit({ key: true })).default({}),
    labels: z.record(z.string(), z.string()).default({}),
    subnetIds: z.array(subnetId).optional(),
    amiType: z.string().default('AL2023_x86_64_STANDARD'),
    diskSize: z.number().int().positive().default(50),
  })
  .strict()
  .refine((ng) => ng.instanceTypes !== undefined || ng.launchTemplate !== undefined, {
    message: 'a node group needs instanceTypes or a launchTemplate',
  });

const IngressRule = z
  .object({
    /** `tcp`, `udp`, `icmp` or `-1` (all traffic). */
    protocol: z.enum(['tcp', 'udp', 'icmp', '-1']),
    fromPort: port.optional(),
    toPort: port.optional(),
    sourceGroups: z.array(sgId).default([]),
    cidrs: z.array(cidr4).default([]),
    ipv6Cidrs: z.array(cidr6).default([]),
    description: z.string().optional(),
  })
  .strict()
  .refine((r) => r.protocol === '-1' || (r.fromPort !== undefined && r.toPort !== undefined), {
    message: 'fromPort and toPort are required unless protocol is -1',
  })
  .refine((r) => r.sourceGroups.length + r.cidrs.length + r.ipv6Cidrs.length > 0, {
    message: 'a rule needs at least one of sourceGroups, cidrs, ipv6Cidrs',
  });

const SecurityGroup = z
  .object({
    name: z.string().min(1),
    description: z.string().default(''),
    vpcId,
    /** Map keyed by a rule name of the scenario's choosing. */
    ingress: z.record(z.string(), IngressRule).default({}),
    /** Default: all traffic to 0.0.0.0/0, as a new security group has. */
    egress: z
      .record(z.string(), IngressRule)
      .default({ all: { protocol: '-1', sourceGroups: [], cidrs: ['0.0.0.0/0'], ipv6Cidrs: [] } }),
  })
  .strict();

const VpcEndpoint = z
  .object({
    /** Short service name (`ecr.api`, `s3`); the twin serves `com.amazonaws.<region>.<service>`. */
    service: z.string().min(1),
    type: z.enum(['Interface', 'Gateway', 'GatewayLoadBalancer']),
    /** Lowercase, as the EC2 API returns it. */
    state: z
      .enum([
        'pendingAcceptance',
        'pending',
        'available',
        'deleting',
        'deleted',
        'rejected',
        'failed',
        'expired',
        'partial',
      ])
      .default('available'),
    privateDnsEnabled: z.boolean().optional(),
    vpcId: vpcId.optional(),
    subnetIds: z.array(subnetId).default([]),
    securityGroupIds: z.array(sgId).default([]),
    routeTableIds: z.array(z.string()).default([]),
  })
  .strict();

const InstanceType = z
  .object({ vcpus: z.number().int().positive(), memoryMiB: z.number().int().positive() })
  .strict();

const DbCluster = z
  .object({
    status: z.string().default('available'),
    engineVersion: z.string().default('16.4'),
    port: port.default(5432),
    endpoint: z.string().min(1),
    readerEndpoint: z.string().min(1),
    securityGroupIds: z.array(sgId).min(1),
    multiAZ: z.boolean().default(true),
  })
  .strict();

const DbInstance = z
  .object({
    status: z.string().default('available'),
    writer: z.boolean(),
    instanceClass: z.string().default('db.r6g.large'),
    availabilityZone: z.string().default('us-east-1a'),
    promotionTier: z.number().int().min(0).max(15).default(1),
  })
  .strict();

const RdsEvent = z
  .object({
    ageMinutes,
    message: z.string().min(1),
    categories: z.array(z.string()).default([]),
    sourceType: z.enum(['db-cluster', 'db-instance']),
    sourceIdentifier: z.string().min(1),
  })
  .strict();

const Target = z
  .object({
    port: port.optional(),
    availabilityZone: z.string().optional(),
    state: z.enum([
      'initial',
      'healthy',
      'unhealthy',
      'unhealthy.draining',
      'unused',
      'draining',
      'unavailable',
    ]),
    /** `Target.FailedHealthChecks`, `Target.Timeout`... (not sent for healthy targets). */
    reason: z.enum(TargetHealthReasonEnum).optional(),
    /** Default: ELB's wording for the reason. */
    description: z.string().optional(),
  })
  .strict();

const TargetGroup = z
  .object({
    name: z.string().min(1),
    protocol: z.enum(['TCP', 'TLS', 'UDP', 'TCP_UDP', 'HTTP', 'HTTPS']),
    port,
    vpcId,
    targetType: z.enum(['instance', 'ip', 'lambda', 'alb']).default('ip'),
    loadBalancerArns: z.array(z.string()).default([]),
    healthCheck: z
      .object({
        enabled: z.boolean().default(true),
        protocol: z.enum(['TCP', 'TLS', 'UDP', 'TCP_UDP', 'HTTP', 'HTTPS']),
        /** `traffic-port` or a port number. */
        port: z.union([z.literal('traffic-port'), port]).default('traffic-port'),
        path: z.string().optional(),
        intervalSeconds: z.number().int().positive().default(30),
        timeoutSeconds: z.number().int().positive().default(10),
        healthyThreshold: z.number().int().positive().default(3),
        unhealthyThreshold: z.number().int().positive().default(3),
        matcher: z.string().optional(),
      })
      .strict(),
    /** Map keyed by target id (IP address or instance id). */
    targets: z.record(z.string(), Target).default({}),
  })
  .strict();

const Quota = z
  .object({
    serviceCode: z.string().default('ec2'),
    name: z.string().min(1),
    value: z.number().nonnegative(),
    unit: z.string().default('None'),
    adjustable: z.boolean().default(true),
  })
  .strict();

/** An IAM role of the account, as far as AssumeRole needs it: who may assume it, and with which external id. */
const Role = z
  .object({
    /**
     * Principals of the trust policy (`Action: sts:AssumeRole`): `arn:aws:iam::<account>:root` (the whole
     * account), a role ARN (its sessions) or a user ARN.
     */
    trust: z.array(z.string().regex(/^arn:aws:(iam|sts)::\d{12}:.+$/, 'must be a principal ARN')).min(1),
    /** The `sts:ExternalId` the trust policy's condition requires (StringEquals). */
    externalId: z.string().min(2).max(1224).optional(),
    /** MaxSessionDuration of the role (3600 to 43200 seconds). */
    maxSessionDurationSeconds: z.number().int().min(3600).max(43200).default(3600),
  })
  .strict();

/**
 * EBS volumes of the region, keyed by a label: `count` volumes of `sizeGiB` each (ids derived from the key),
 * so that a scenario can fill a quota without listing thousands of volumes.
 */
const Volumes = z
  .object({
    type: z.enum(['gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1', 'standard']).default('gp3'),
    sizeGiB: z.number().int().positive(),
    count: z.number().int().positive().default(1),
    state: z.enum(['creating', 'available', 'in-use', 'deleting', 'deleted', 'error']).default('in-use'),
  })
  .strict();

/** A NAT gateway (keyed by its id, `nat-...`). */
const NatGateway = z
  .object({
    subnetId,
    vpcId: vpcId.optional(),
    state: z.enum(['pending', 'failed', 'available', 'deleting', 'deleted']).default('available'),
    connectivityType: z.enum(['public', 'private']).default('public'),
    publicIp: z.string().default('203.0.113.50'),
    privateIp: z.string().default('10.0.0.50'),
  })
  .strict();

/**
 * A route table (keyed by its id, `rtb-...`): the VPC's main table (`main`, which every subnet without an
 * explicit association uses), the subnets explicitly associated with it, and its routes besides the VPC's local
 * one. A route to a NAT gateway that no longer exists (or is not available) is a blackhole, as in EC2.
 */
const RouteTable = z
  .object({
    vpcId: vpcId.optional(),
    main: z.boolean().default(false),
    subnets: z.array(subnetId).default([]),
    routes: z
      .array(
        z
          .object({
            destination: cidr4,
            natGatewayId: z
              .string()
              .regex(/^nat-[0-9a-f]{8,17}$/)
              .optional(),
            gatewayId: z
              .string()
              .regex(/^(igw|vgw|vpce)-[0-9a-f]{8,17}$/)
              .optional(),
          })
          .strict()
          .refine((r) => (r.natGatewayId === undefined) !== (r.gatewayId === undefined), {
            message: 'a route targets one of natGatewayId, gatewayId',
          }),
      )
      .default([]),
  })
  .strict();

/**
 * A CloudWatch metric series: namespace, name, dimensions, and its data points (`ageMinutes` before the
 * scenario's now, one value each; a period aggregates the points inside it).
 */
const MetricSeries = z
  .object({
    namespace: z.string().min(1),
    name: z.string().min(1),
    dimensions: z.record(z.string(), z.string()).default({}),
    points: z.array(z.object({ ageMinutes, value: z.number() }).strict()).default([]),
  })
  .strict();

/**
 * A CloudTrail management event (keyed by event id in the scenario). `principal` is the caller's ARN
 * (userIdentity.arn); `resources` are what LookupEvents indexes the event under (ResourceType, ResourceName).
 */
const TrailEvent = z
  .object({
    eventName: z.string().min(1),
    eventSource: z.string().default('ec2.amazonaws.com'),
    ageMinutes,
    principal: z.string().min(1),
    /** `Username` of the lookup result: the role session name or IAM user name. */
    username: z.string().optional(),
    readOnly: z.boolean().default(false),
    sourceIp: z.string().default('203.0.113.10'),
    userAgent: z.string().default('APN/1.0 HashiCorp/1.0 Terraform/1.9.8'),
    resources: z.array(z.object({ type: z.string(), name: z.string() }).strict()).default([]),
    requestParameters: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const AwsStateSchema = z
  .object({
    /** IAM roles keyed by role name (path `/`). */
    iam: z
      .object({ roles: z.record(z.string().regex(/^[\w+=,.@-]{1,64}$/), Role).default({}) })
      .strict()
      .default({ roles: {} }),
    eks: z
      .object({ cluster: Cluster, nodegroups: z.record(z.string(), Nodegroup).default({}) })
      .strict()
      .optional(),
    ec2: z
      .object({
        securityGroups: z.record(sgId, SecurityGroup).default({}),
        vpcEndpoints: z
          .record(z.string().regex(/^vpce-[0-9a-f]{8,17}$/, 'must be a VPC endpoint id'), VpcEndpoint)
          .default({}),
        instanceTypes: z.record(z.string(), InstanceType).default({}),
        natGateways: z
          .record(z.string().regex(/^nat-[0-9a-f]{8,17}$/, 'must be a NAT gateway id'), NatGateway)
          .default({}),
        volumes: z.record(z.string(), Volumes).default({}),
        routeTables: z
          .record(z.string().regex(/^rtb-[0-9a-f]{8,17}$/, 'must be a route table id'), RouteTable)
          .default({}),
      })
      .strict()
      .default({
        securityGroups: {},
        vpcEndpoints: {},
        instanceTypes: {},
        natGateways: {},
        volumes: {},
        routeTables: {},
      }),
    rds: z
      .object({
        cluster: DbCluster,
        instances: z.record(z.string(), DbInstance).default({}),
        events: z.record(z.string(), RdsEvent).default({}),
      })
      .strict()
      .optional(),
    elbv2: z
      .object({ targetGroups: z.record(z.string(), TargetGroup).default({}) })
      .strict()
      .default({ targetGroups: {} }),
    /** Service Quotas keyed by quota code (`L-1216C47A`). */
    quotas: z.record(z.string(), Quota).default({}),
    /** CloudWatch metric series, keyed by any label (so that a scenario can change one). */
    cloudwatch: z
      .object({ metrics: z.record(z.string(), MetricSeries).default({}) })
      .strict()
      .default({ metrics: {} }),
    /** CloudTrail management events of the account and region, by event id. */
    cloudtrail: z
      .object({ events: z.record(z.string(), TrailEvent).default({}) })
      .strict()
      .default({ events: {} }),
  })
  .strict();

export type AwsState = z.output<typeof AwsStateSchema>;
export type AwsIngressRule = z.output<typeof IngressRule>;
export type AwsNodegroup = z.output<typeof Nodegroup>;
export type AwsTargetGroup = z.output<typeof TargetGroup>;
export type AwsTrailEvent = z.output<typeof TrailEvent>;
export type AwsMetricSeries = z.output<typeof MetricSeries>;

/** Validate the `aws:` section of scenario `name`; throws a ConfigError listing every problem. */
export function parseAwsState(raw: unknown, name: string): AwsState {
  const parsed = AwsStateSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ConfigError(
      `invalid aws section of scenario "${name}":\n${formatIssues(parsed.error.issues).replace(/^ {2}/gm, '  aws.')}`,
    );
  }
  const state = parsed.data;
  const problems: string[] = [];
  for (const [id, sg] of Object.entries(state.ec2.securityGroups)) {
    for (const [rule, r] of Object.entries(sg.ingress)) {
      for (const src of r.sourceGroups) {
        if (!state.ec2.securityGroups[src])
          problems.push(`aws.ec2.securityGroups.${id}.ingress.${rule}: source group ${src} is not defined`);
      }
    }
  }
  for (const [ngName, ng] of Object.entries(state.eks?.nodegroups ?? {})) {
    for (const t of ng.instanceTypes ?? []) {
      if (!state.ec2.instanceTypes[t])
        problems.push(
          `aws.eks.nodegroups.${ngName}: instance type ${t} is missing from aws.ec2.instanceTypes`,
        );
    }
  }
  if (problems.length) {
    throw new ConfigError(
      `invalid aws section of scenario "${name}":\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
  }
  return state;
}
