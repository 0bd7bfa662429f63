import { SIM_IDS } from '../../deployment.js';
import { AwsError, type AwsRequest, type AwsService, type Route, type World } from '../protocol.js';

const epochSeconds = (world: World, ageMinutes: number) =>
  (world.appliedAt.getTime() - ageMinutes * 60_000) / 1000;

function clusterOrThrow(world: World, name: string) {
  const eks = world.state.eks;
  if (!eks || name !== SIM_IDS.clusterName) {
    throw new AwsError('ResourceNotFoundException', `No cluster found for name: ${name}.`, 404, {
      clusterName: name,
    });
  }
  return eks;
}

function describeCluster(world: World, name: string): unknown {
  const c = clusterOrThrow(world, name).cluster;
  const arn = `arn:aws:eks:${world.region}:${world.accountId}:cluster/${name}`;
  return {
    cluster: {
      name,
      arn,
      createdAt: epochSeconds(world, c.ageMinutes),
      version: c.version,
      endpoint: c.endpoint ?? world.cluster.endpoint,
      roleArn: `arn:aws:iam::${world.accountId}:role/${name}-cluster`,
      resourcesVpcConfig: {
        subnetIds: c.subnetIds,
        securityGroupIds: c.securityGroupIds,
        clusterSecurityGroupId: c.clusterSecurityGroupId,
        vpcId: c.vpcId,
        endpointPublicAccess: c.endpointPublicAccess,
        endpointPrivateAccess: c.endpointPrivateAccess,
        publicAccessCidrs: c.endpointPublicAccess ? ['0.0.0.0/0'] : [],
      },
      kubernetesNetworkConfig: { serviceIpv4Cidr: '172.20.0.0/16', ipFamily: 'ipv4' },
      identity: {
        oidc: {
          issuer: `https://oidc.eks.${world.region}.amazonaws.com/id/5C0DE0000000000000000000000000A1`,
        },
      },
      status: c.status,
      certificateAuthority: { data: Buffer.from(world.cluster.caPem).toString('base64') },
      platformVersion: c.platformVersion,
      tags: {},
      accessConfig: { authenticationMode: c.authenticationMode },
      health: { issues: [] },
    },
  };
}

function describeNodegroup(world: World, clusterName: string, name: string): unknown {
  const eks = clusterOrThrow(world, clusterName);
  const ng = eks.nodegroups[name];
  if (!ng) {
    throw new AwsError('ResourceNotFoundException', `No node group found for name: ${name}.`, 404, {
      clusterName,
      nodegroupName: name,
    });
  }
  const prefix = `arn:aws:eks:${world.region}:${world.accountId}`;
  return {
    nodegroup: {
      nodegroupName: name,
      nodegroupArn: `${prefix}:nodegroup/${clusterName}/${name}/6ec0de00-0000-4000-8000-${name.length.toString(16).padStart(12, '0')}`,
      clusterName,
      version: eks.cluster.version,
      releaseVersion: `${eks.cluster.version}.0-20250101`,
      createdAt: epochSeconds(world, eks.cluster.ageMinutes),
      modifiedAt: epochSeconds(world, 60),
      status: ng.status,
      capacityType: ng.capacityType,
      scalingConfig: ng.scalingConfig,
      instanceTypes: ng.instanceTypes,
      launchTemplate: ng.launchTemplate,
      subnets: ng.subnetIds ?? eks.cluster.subnetIds,
      amiType: ng.amiType,
      nodeRole: `arn:aws:iam::${world.accountId}:role/${clusterName}-nodes`,
      labels: ng.labels,
      taints: Object.entries(ng.taints).map(([key, t]) => ({ key, ...t })),
      resources: { autoScalingGroups: [{ name: `eks-${name}-6ec0de00` }] },
      diskSize: ng.diskSize,
      health: { issues: ng.healthIssues },
      updateConfig: { maxUnavailable: 1 },
      tags: {},
    },
  };
}

const seg = '([^/]+)';
const CLUSTER = new RegExp(`^/clusters/${seg}$`);
const NODEGROUP = new RegExp(`^/clusters/${seg}/node-groups/${seg}$`);

/** EKS (restJson1). */
export const eksService: AwsService = {
  signingName: 'eks',
  sim: 'eks',
  protocol: 'restJson',
  route(req: AwsRequest): Route | undefined {
    if (req.method !== 'GET') return undefined;
    const ng = NODEGROUP.exec(req.path);
    if (ng) {
      const [c, n] = [decodeURIComponent(ng[1]!), decodeURIComponent(ng[2]!)];
      return { operation: 'DescribeNodegroup', run: (world) => describeNodegroup(world, c, n) };
    }
    const cl = CLUSTER.exec(req.path);
    if (cl) {
      const c = decodeURIComponent(cl[1]!);
      return { operation: 'DescribeCluster', run: (world) => describeCluster(world, c) };
    }
    return undefined;
  },
};
