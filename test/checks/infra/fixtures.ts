import type {
  InstanceTypeInfo,
  IpPermission,
  NatGateway,
  SecurityGroup,
  VpcEndpoint,
} from '@aws-sdk/client-ec2';
import type { Cluster, Nodegroup } from '@aws-sdk/client-eks';
import type { TargetGroup, TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { DBCluster, DBInstance, Event as RdsEvent } from '@aws-sdk/client-rds';
import type { ServiceQuota } from '@aws-sdk/client-service-quotas';
import type { Check } from '../../../lambdas/audit/check.js';
import { DeploymentSchema, type DeploymentConfig } from '../../../lambdas/audit/config.js';
import { known, type Fact } from '../../../lambdas/audit/fact.js';
import type { Finding } from '../../../lambdas/audit/model.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import type { InfraSnapshot } from '../../../lambdas/checks/infra/collector.js';
import { SIM_IDS, baseSimDeployment } from '../../../sim/deployment.js';

export const NOW = new Date('2025-03-01T12:00:00Z');
export const IDS = SIM_IDS;
export const [SYSTEM_NG, WS_NG] = SIM_IDS.nodegroups;
const ACCOUNT = SIM_IDS.accountId;
const REGION = SIM_IDS.region;

/** The sim's deployment configuration, optionally changed by `edit`. */
export function deployment(edit: (d: DeploymentConfig) => void = () => {}): DeploymentConfig {
  const d = DeploymentSchema.parse(baseSimDeployment());
  edit(d);
  return d;
}

/** A fact whose read failed. */
export function failed<T>(name = 'aws:Operation'): Fact<T> {
  return { ok: false, name, error: 'AccessDeniedException: not authorized' };
}

export function cluster(p: Partial<Cluster> = {}): Cluster {
  return {
    name: IDS.clusterName,
    arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${IDS.clusterName}`,
    status: 'ACTIVE',
    version: '1.31',
    accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
    resourcesVpcConfig: { vpcId: IDS.vpcId, subnetIds: ['subnet-0a', 'subnet-0b'] },
    ...p,
  };
}

export function nodegroup(name: string, p: Partial<Nodegroup> = {}): Nodegroup {
  return {
    nodegroupName: name,
    nodegroupArn: `arn:aws:eks:${REGION}:${ACCOUNT}:nodegroup/${IDS.clusterName}/${name}/0000`,
    clusterName: IDS.clusterName,
    status: 'ACTIVE',
    capacityType: 'ON_DEMAND',
    instanceTypes: ['m6i.xlarge'],
    scalingConfig: { minSize: 1, desiredSize: 2, maxSize: 10 },
    health: { issues: [] },
    ...p,
  };
}

export function instanceType(type: string, vcpus: number): InstanceTypeInfo {
  return { InstanceType: type as InstanceTypeInfo['InstanceType'], VCpuInfo: { DefaultVCpus: vcpus } };
}

export function tcp(port: number | [number, number], from: Partial<IpPermission> = {}): IpPermission {
  const [FromPort, ToPort] = typeof port === 'number' ? [port, port] : port;
  return { IpProtocol: 'tcp', FromPort, ToPort, IpRanges: [], Ipv6Ranges: [], UserIdGroupPairs: [], ...from };
}

export function allTraffic(from: Partial<IpPermission> = {}): IpPermission {
  return { IpProtocol: '-1', IpRanges: [], Ipv6Ranges: [], UserIdGroupPairs: [], ...from };
}

export function securityGroup(id: string, p: Partial<SecurityGroup> = {}): SecurityGroup {
  return { GroupId: id, GroupName: id, VpcId: IDS.vpcId, IpPermissions: [], IpPermissionsEgress: [], ...p };
}

/** A VPC endpoint as the real API returns it (lowercase state). */
export function vpcEndpoint(short: string, p: Partial<VpcEndpoint> = {}): VpcEndpoint {
  const gateway = short === 's3';
  return {
    VpcEndpointId: `vpce-${short.replace(/\W/g, '')}`,
    VpcId: IDS.vpcId,
    ServiceName: `com.amazonaws.${REGION}.${short}`,
    VpcEndpointType: gateway ? 'Gateway' : 'Interface',
    State: 'available' as VpcEndpoint['State'],
    PrivateDnsEnabled: !gateway,
    ...p,
  };
}

export function dbCluster(p: Partial<DBCluster> = {}): DBCluster {
  return {
    DBClusterIdentifier: IDS.auroraClusterId,
    DBClusterArn: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:${IDS.auroraClusterId}`,
    Status: 'available',
    Engine: 'aurora-postgresql',
    DBClusterMembers: [
      { DBInstanceIdentifier: `${IDS.auroraClusterId}-1`, IsClusterWriter: true },
      { DBInstanceIdentifier: `${IDS.auroraClusterId}-2`, IsClusterWriter: false },
    ],
    ...p,
  };
}

export function dbInstance(id: string, p: Partial<DBInstance> = {}): DBInstance {
  return {
    DBInstanceIdentifier: id,
    DBClusterIdentifier: IDS.auroraClusterId,
    DBInstanceStatus: 'available',
    ...p,
  };
}

export function rdsEvent(p: Partial<RdsEvent> = {}): RdsEvent {
  return {
    SourceIdentifier: IDS.auroraClusterId,
    SourceType: 'db-cluster',
    EventCategories: ['backup'],
    Message: 'Finished DB cluster backup',
    Date: new Date(NOW.getTime() - 10 * 60_000),
    ...p,
  };
}

export function targetGroup(p: Partial<TargetGroup> = {}): TargetGroup {
  return {
    TargetGroupArn: IDS.targetGroupArn,
    TargetGroupName: 'coder-prod-coderd',
    Protocol: 'TCP',
    Port: IDS.coderdPort,
    TargetType: 'ip',
    HealthCheckProtocol: 'HTTP',
    HealthCheckPort: 'traffic-port',
    HealthCheckPath: '/healthz',
    ...p,
  };
}

export function target(
  id: string,
  state: string,
  p: Partial<TargetHealthDescription> = {},
): TargetHealthDescription {
  return {
    Target: { Id: id, Port: IDS.coderdPort },
    TargetHealth: { State: state as NonNullable<TargetHealthDescription['TargetHealth']>['State'] },
    ...p,
  };
}

export function vcpuQuota(value: number): ServiceQuota {
  return {
    ServiceCode: 'ec2',
    QuotaCode: 'L-1216C47A',
    QuotaArn: `arn:aws:servicequotas:${REGION}:${ACCOUNT}:ec2/L-1216C47A`,
    Value: value,
  };
}

/** An available public NAT gateway of the sim VPC. */
export function natGateway(id: string, p: Partial<NatGateway> = {}): NatGateway {
  return {
    NatGatewayId: id,
    VpcId: IDS.vpcId,
    SubnetId: 'subnet-0a0de000000000d44',
    State: 'available',
    ConnectivityType: 'public',
    ...p,
  };
}

/** A healthy snapshot of the sim deployment; every infra check passes on it. */
export function healthySnapshot(): InfraSnapshot {
  const members = [`${IDS.auroraClusterId}-1`, `${IDS.auroraClusterId}-2`];
  return {
    cluster: known(cluster()),
    nodegroups: known({
      [IDS.nodegroups[0]]: nodegroup(IDS.nodegroups[0], {
        scalingConfig: { minSize: 2, desiredSize: 2, maxSize: 4 },
      }),
      [IDS.nodegroups[1]]: nodegroup(IDS.nodegroups[1], { instanceTypes: ['m6i.2xlarge'] }),
    }),
    instanceTypes: known([instanceType('m6i.xlarge', 4), instanceType('m6i.2xlarge', 8)]),
    securityGroups: known([
      securityGroup(IDS.dbSecurityGroupId, {
        IpPermissions: [tcp(5432, { UserIdGroupPairs: [{ GroupId: IDS.nodeSecurityGroupId }] })],
      }),
      securityGroup(IDS.nodeSecurityGroupId, {
        IpPermissionsEgress: [allTraffic({ IpRanges: [{ CidrIp: '0.0.0.0/0' }] })],
      }),
    ]),
    vpcEndpoints: known({ vpcId: IDS.vpcId, endpoints: IDS.requiredVpcEndpoints.map((s) => vpcEndpoint(s)) }),
    ebs: known({
      volumeType: 'gp3',
      quota: {
        ServiceCode: 'ebs',
        QuotaCode: 'L-7A658B76',
        QuotaName: 'Storage for General Purpose SSD (gp3) volumes, in TiB',
        Value: 50,
      },
      usedGiB: 6400,
      volumes: 40,
      truncated: false,
    }),
    nat: known({
      vpcId: IDS.vpcId,
      gateways: [natGateway('nat-0a0de000000000a11'), natGateway('nat-0a0de000000000b22')],
      metrics: {
        'nat-0a0de000000000a11': { errorPortAllocation: 0, packetsDropCount: 12 },
        'nat-0a0de000000000b22': { errorPortAllocation: 0, packetsDropCount: 0 },
      },
      windowMinutes: 60,
      subnets: ['subnet-0a', 'subnet-0b'],
      routedSubnets: {
        'nat-0a0de000000000a11': ['subnet-0a'],
        'nat-0a0de000000000b22': ['subnet-0b'],
      },
      blackholes: [],
    }),
    auroraCluster: known(dbCluster()),
    auroraInstances: known(members.map((m) => dbInstance(m))),
    auroraEvents: known([rdsEvent()]),
    targetGroups: known([targetGroup()]),
    targetHealth: known({
      [IDS.targetGroupArn]: [target('10.0.1.10', 'healthy'), target('10.0.2.10', 'healthy')],
    }),
    vcpuQuota: known(vcpuQuota(640)),
  };
}

/** The healthy snapshot with some facts replaced. */
export function snapshot(p: Partial<InfraSnapshot> = {}): InfraSnapshot {
  return { ...healthySnapshot(), ...p };
}

/** Evaluate a check the way the runner does. */
export function run(check: Check<InfraSnapshot>, snap: InfraSnapshot, d = deployment()): Finding[] {
  return evaluateCheck(check, snap, d, NOW);
}

/** The single finding of a run (fails the test when there is not exactly one). */
export function only(findings: Finding[]): Finding {
  if (findings.length !== 1) throw new Error(`expected one finding, got ${findings.length}`);
  return findings[0]!;
}
