import {
  DescribeInstanceTypesCommand,
  DescribeSecurityGroupsCommand,
  paginateDescribeInstanceTypes,
  paginateDescribeSecurityGroups,
  paginateDescribeVpcEndpoints,
  type SecurityGroup,
  type _InstanceType,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, DescribeNodegroupCommand, type Nodegroup } from '@aws-sdk/client-eks';
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  paginateDescribeTargetGroups,
  type TargetGroup,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  paginateDescribeEvents,
  type DBClusterMember,
  type Event,
} from '@aws-sdk/client-rds';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../lambdas/clients/aws.js';
import { SIM_IDS } from '../../../sim/deployment.js';
import { deepMerge, loadScenario, type Scenario } from '../../../sim/scenario.js';
import { startTwin, type AwsTwin } from './harness.js';

const TG = SIM_IDS.targetGroupArn;

async function collect<P, T>(pages: AsyncIterable<P>, pick: (p: P) => T[] | undefined): Promise<T[][]> {
  const out: T[][] = [];
  for await (const p of pages) out.push(pick(p) ?? []);
  return out;
}

describe('Sim: AWS twin', () => {
  let twin: AwsTwin;
  let aws: AwsClients;
  beforeAll(async () => {
    twin = await startTwin();
    aws = twin.clients();
  });
  afterAll(async () => twin.stop());

  describe('Service: EKS (restJson1)', () => {
    it('DescribeCluster returns the scenario cluster, with the wired Kubernetes endpoint and CA', async () => {
      twin.part.setClusterEndpoint('https://127.0.0.1:6443', twin.env.tls.ca);
      const { cluster } = await aws.eks.send(new DescribeClusterCommand({ name: SIM_IDS.clusterName }));
      expect(cluster).toMatchObject({
        name: 'coder-prod',
        arn: 'arn:aws:eks:us-east-1:123456789012:cluster/coder-prod',
        status: 'ACTIVE',
        version: '1.31',
        endpoint: 'https://127.0.0.1:6443',
        accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
        resourcesVpcConfig: {
          vpcId: SIM_IDS.vpcId,
          clusterSecurityGroupId: 'sg-0c1a5000000000c3',
          subnetIds: ['subnet-0a0de000000000a11', 'subnet-0a0de000000000b22', 'subnet-0a0de000000000c33'],
        },
      });
      expect(Buffer.from(cluster!.certificateAuthority!.data!, 'base64').toString()).toBe(twin.env.tls.ca);
      expect(cluster!.createdAt).toBeInstanceOf(Date);
    });

    it('DescribeNodegroup returns scaling, instance types, taints, labels and health', async () => {
      const { nodegroup } = await aws.eks.send(
        new DescribeNodegroupCommand({ clusterName: SIM_IDS.clusterName, nodegroupName: 'coder-prod-ws' }),
      );
      const expected: Nodegroup = {
        nodegroupName: 'coder-prod-ws',
        clusterName: 'coder-prod',
        status: 'ACTIVE',
        scalingConfig: { minSize: 2, maxSize: 20, desiredSize: 6 },
        instanceTypes: ['m6i.2xlarge'],
        taints: [{ key: 'coder.com/workspaces', value: 'true', effect: 'NO_SCHEDULE' }],
        labels: { 'coder.com/pool': 'workspaces' },
        health: { issues: [] },
      };
      expect(nodegroup).toMatchObject(expected);
      expect(nodegroup!.nodegroupArn).toMatch(
        /^arn:aws:eks:us-east-1:123456789012:nodegroup\/coder-prod\/coder-prod-ws\//,
      );
    });

    it('answers ResourceNotFoundException (404) for unknown clusters and node groups', async () => {
      await expect(aws.eks.send(new DescribeClusterCommand({ name: 'nope' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        $metadata: { httpStatusCode: 404 },
      });
      await expect(
        aws.eks.send(
          new DescribeNodegroupCommand({ clusterName: SIM_IDS.clusterName, nodegroupName: 'nope' }),
        ),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException', nodegroupName: 'nope' });
    });
  });

  describe('Service: EC2 (ec2 query)', () => {
    it('DescribeSecurityGroups returns ingress rules with source groups and CIDRs', async () => {
      const out = await aws.ec2.send(
        new DescribeSecurityGroupsCommand({
          GroupIds: [SIM_IDS.dbSecurityGroupId, SIM_IDS.nodeSecurityGroupId],
        }),
      );
      expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
      const db = out.SecurityGroups!.find((g) => g.GroupId === SIM_IDS.dbSecurityGroupId);
      const expected: SecurityGroup = {
        GroupId: SIM_IDS.dbSecurityGroupId,
        GroupName: 'coder-prod-aurora',
        VpcId: SIM_IDS.vpcId,
        OwnerId: SIM_IDS.accountId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 5432,
            ToPort: 5432,
            UserIdGroupPairs: [
              {
                GroupId: SIM_IDS.nodeSecurityGroupId,
                UserId: SIM_IDS.accountId,
                Description: 'PostgreSQL from EKS nodes',
              },
            ],
            IpRanges: [],
            Ipv6Ranges: [],
            PrefixListIds: [],
          },
        ],
        IpPermissionsEgress: [
          {
            IpProtocol: '-1',
            UserIdGroupPairs: [],
            IpRanges: [{ CidrIp: '0.0.0.0/0' }],
            Ipv6Ranges: [],
            PrefixListIds: [],
          },
        ],
      };
      expect(db).toMatchObject(expected);
      const nodes = out.SecurityGroups!.find((g) => g.GroupId === SIM_IDS.nodeSecurityGroupId)!;
      expect(nodes.IpPermissions).toHaveLength(4);
      expect(nodes.IpPermissions!.find((p) => p.IpProtocol === '-1')).not.toHaveProperty('FromPort');
    });

    it('DescribeSecurityGroups answers InvalidGroup.NotFound for an unknown group', async () => {
      await expect(
        aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0000000000000dead'] })),
      ).rejects.toMatchObject({ name: 'InvalidGroup.NotFound', $metadata: { httpStatusCode: 400 } });
    });

    it('DescribeSecurityGroups paginates and filters by vpc-id', async () => {
      const pages = await collect(
        paginateDescribeSecurityGroups(
          { client: aws.ec2 },
          { Filters: [{ Name: 'vpc-id', Values: [SIM_IDS.vpcId] }] },
        ),
        (p) => p.SecurityGroups,
      );
      expect(pages.map((p) => p.length)).toEqual([2, 1]);
      expect(pages.flat().map((g) => g.GroupId)).toEqual([
        'sg-0db0000000000001a',
        'sg-0e0de0000000000b2',
        'sg-0c1a5000000000c3',
      ]);
    });

    it('DescribeVpcEndpoints paginates and serves lowercase states and full service names', async () => {
      const pages = await collect(
        paginateDescribeVpcEndpoints(
          { client: aws.ec2 },
          { Filters: [{ Name: 'vpc-id', Values: [SIM_IDS.vpcId] }] },
        ),
        (p) => p.VpcEndpoints,
      );
      expect(pages.map((p) => p.length)).toEqual([2, 2, 2]);
      const all = pages.flat();
      expect(all.map((e) => e.ServiceName).sort()).toEqual(
        ['ecr.api', 'ecr.dkr', 'logs', 's3', 'secretsmanager', 'sts'].map(
          (s) => `com.amazonaws.us-east-1.${s}`,
        ),
      );
      const dkr: VpcEndpoint = {
        VpcEndpointId: 'vpce-0ec7d02c0de0000a2',
        VpcEndpointType: 'Interface',
        VpcId: SIM_IDS.vpcId,
        ServiceName: 'com.amazonaws.us-east-1.ecr.dkr',
        PrivateDnsEnabled: true,
      };
      const found = all.find((e) => e.VpcEndpointId === dkr.VpcEndpointId);
      expect(found).toMatchObject(dkr);
      // Lowercase on the wire, as EC2 sends it (the SDK's State enum is capitalised).
      expect(found!.State).toBe('available');
      expect(all.find((e) => e.ServiceName?.endsWith('.s3'))).toMatchObject({
        VpcEndpointType: 'Gateway',
        PrivateDnsEnabled: false,
      });
    });

    it('DescribeVpcEndpoints filters by service-name', async () => {
      const pages = await collect(
        paginateDescribeVpcEndpoints(
          { client: aws.ec2 },
          {
            Filters: [
              { Name: 'service-name', Values: ['com.amazonaws.us-east-1.sts', 'com.amazonaws.us-east-1.s3'] },
            ],
          },
        ),
        (p) => p.VpcEndpoints,
      );
      expect(pages.flat().map((e) => e.ServiceName)).toEqual([
        'com.amazonaws.us-east-1.sts',
        'com.amazonaws.us-east-1.s3',
      ]);
    });

    it('DescribeInstanceTypes returns vCPUs and memory, paginated', async () => {
      const one = await aws.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['m6i.2xlarge'] }));
      expect(one.InstanceTypes).toMatchObject([
        { InstanceType: 'm6i.2xlarge', VCpuInfo: { DefaultVCpus: 8 }, MemoryInfo: { SizeInMiB: 32768 } },
      ]);
      const pages = await collect(
        paginateDescribeInstanceTypes({ client: aws.ec2 }, {}),
        (p) => p.InstanceTypes,
      );
      expect(pages.flat().map((t) => t.InstanceType)).toEqual([
        'm6i.large',
        'm6i.xlarge',
        'm6i.2xlarge',
        'm6i.4xlarge',
      ]);
      await expect(
        aws.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['x9.huge' as _InstanceType] })),
      ).rejects.toMatchObject({ name: 'InvalidInstanceType' });
    });
  });

  describe('Service: RDS (awsQuery)', () => {
    it('DescribeDBClusters returns status, engine, endpoint, members and security groups', async () => {
      const out = await aws.rds.send(
        new DescribeDBClustersCommand({ DBClusterIdentifier: SIM_IDS.auroraClusterId }),
      );
      expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
      const members: DBClusterMember[] = [
        { DBInstanceIdentifier: 'coder-prod-aurora-1', IsClusterWriter: true },
        { DBInstanceIdentifier: 'coder-prod-aurora-2', IsClusterWriter: false },
      ];
      expect(out.DBClusters).toHaveLength(1);
      expect(out.DBClusters![0]).toMatchObject({
        DBClusterIdentifier: 'coder-prod-aurora',
        Status: 'available',
        Engine: 'aurora-postgresql',
        EngineVersion: '16.4',
        Endpoint: 'coder-prod-aurora.cluster-c0de0a1b2c3d.us-east-1.rds.amazonaws.com',
        Port: 5432,
        DBClusterMembers: members,
        VpcSecurityGroups: [{ VpcSecurityGroupId: SIM_IDS.dbSecurityGroupId, Status: 'active' }],
      });
    });

    it('DescribeDBClusters answers DBClusterNotFoundFault for an unknown cluster', async () => {
      await expect(
        aws.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'nope' })),
      ).rejects.toMatchObject({ name: 'DBClusterNotFoundFault', $metadata: { httpStatusCode: 404 } });
    });

    it('DescribeDBInstances filters by db-cluster-id and rejects MaxRecords below 20', async () => {
      const out = await aws.rds.send(
        new DescribeDBInstancesCommand({
          Filters: [{ Name: 'db-cluster-id', Values: [SIM_IDS.auroraClusterId] }],
        }),
      );
      expect(out.DBInstances!.map((i) => [i.DBInstanceIdentifier, i.DBInstanceStatus])).toEqual([
        ['coder-prod-aurora-1', 'available'],
        ['coder-prod-aurora-2', 'available'],
      ]);
      await expect(aws.rds.send(new DescribeDBInstancesCommand({ MaxRecords: 5 }))).rejects.toMatchObject({
        name: 'InvalidParameterValue',
      });
    });

    it('DescribeEvents filters by source, window and category, and paginates', async () => {
      const recent = await aws.rds.send(
        new DescribeEventsCommand({
          SourceType: 'db-cluster',
          SourceIdentifier: SIM_IDS.auroraClusterId,
          StartTime: new Date(Date.now() - 60 * 60_000),
        }),
      );
      expect(recent.Events).toEqual([]);
      const pages = await collect(
        paginateDescribeEvents({ client: aws.rds }, { Duration: 20_160, MaxRecords: 20 }),
        (p) => p.Events,
      );
      expect(pages.map((p) => p.length)).toEqual([2, 1]);
      const backup: Event = {
        SourceIdentifier: 'coder-prod-aurora',
        SourceType: 'db-cluster',
        Message: 'Backing up DB cluster',
        EventCategories: ['backup'],
        SourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:coder-prod-aurora',
      };
      const events = pages.flat();
      expect(events.map((e) => e.Message)).toEqual([
        'Database instance patched',
        'Backing up DB cluster',
        'Finished DB cluster backup',
      ]);
      expect(events[1]).toMatchObject(backup);
      expect(events[1]!.Date!.getTime()).toBeLessThan(Date.now() - 4319 * 60_000);
      const maintenance = await aws.rds.send(
        new DescribeEventsCommand({ Duration: 20_160, EventCategories: ['maintenance'] }),
      );
      expect(maintenance.Events!.map((e) => e.SourceIdentifier)).toEqual(['coder-prod-aurora-2']);
    });
  });

  describe('Service: ELBv2 (awsQuery)', () => {
    it('DescribeTargetGroups returns the health check configuration', async () => {
      const out = await aws.elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [TG] }));
      const expected: TargetGroup = {
        TargetGroupArn: TG,
        TargetGroupName: 'coder-prod-coderd',
        Protocol: 'TCP',
        Port: 8080,
        VpcId: SIM_IDS.vpcId,
        HealthCheckProtocol: 'HTTP',
        HealthCheckPort: 'traffic-port',
        HealthCheckPath: '/healthz',
        HealthCheckEnabled: true,
        TargetType: 'ip',
        LoadBalancerArns: [
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/coder-prod/0fedcba987654321',
        ],
      };
      expect(out.TargetGroups).toMatchObject([expected]);
      await expect(
        aws.elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [TG.replace('0123', '9999')] })),
      ).rejects.toMatchObject({ name: 'TargetGroupNotFoundException', $metadata: { httpStatusCode: 400 } });
    });

    it('DescribeTargetHealth returns each target with its state', async () => {
      const out = await aws.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: TG }));
      const expected: TargetHealthDescription[] = [
        {
          Target: { Id: '10.0.1.23', Port: 8080 },
          HealthCheckPort: '8080',
          TargetHealth: { State: 'healthy' },
        },
        {
          Target: { Id: '10.0.2.47', Port: 8080 },
          HealthCheckPort: '8080',
          TargetHealth: { State: 'healthy' },
        },
      ];
      expect(out.TargetHealthDescriptions).toMatchObject(expected);
    });
  });

  describe('Service: Service Quotas, Secrets Manager, STS', () => {
    it('GetServiceQuota returns the On-Demand Standard vCPU quota', async () => {
      const { Quota } = await aws.quotas.send(
        new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' }),
      );
      expect(Quota).toMatchObject({
        ServiceCode: 'ec2',
        QuotaCode: 'L-1216C47A',
        QuotaName: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances',
        Value: 640,
        Unit: 'None',
      });
      await expect(
        aws.quotas.send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: 'L-00000000' })),
      ).rejects.toMatchObject({ name: 'NoSuchResourceException' });
    });

    it('GetSecretValue serves the DB credentials as JSON and the Coder token as a plain string', async () => {
      const { secrets } = twin.env;
      const db = await aws.secrets.send(new GetSecretValueCommand({ SecretId: secrets.dbSecretId }));
      expect(JSON.parse(db.SecretString!)).toEqual({
        username: secrets.dbUser,
        password: secrets.dbPassword,
        engine: 'postgres',
      });
      const byArn = await aws.secrets.send(new GetSecretValueCommand({ SecretId: db.ARN! }));
      expect(byArn.Name).toBe(secrets.dbSecretId);
      const token = await aws.secrets.send(
        new GetSecretValueCommand({ SecretId: secrets.coderTokenSecretId }),
      );
      expect(token.SecretString).toBe(secrets.coderToken);
      await expect(aws.secrets.send(new GetSecretValueCommand({ SecretId: 'other' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    });

    it('GetCallerIdentity returns the account of the sim', async () => {
      const out = await aws.sts.send(new GetCallerIdentityCommand({}));
      expect(out).toMatchObject({
        Account: SIM_IDS.accountId,
        Arn: expect.stringContaining(':123456789012:'),
      });
    });
  });

  describe('Method: apply', () => {
    it('switches state without restarting, ages relative to the new now', async () => {
      const base = loadScenario('healthy');
      const more: Scenario = {
        ...base,
        name: 'test-more-target-groups',
        aws: deepMerge(base.aws, {
          elbv2: {
            targetGroups: Object.fromEntries(
              ['a', 'b'].map((n) => [
                TG.replace('coder-prod-coderd', `extra-${n}`),
                {
                  ...(base.aws.elbv2 as { targetGroups: Record<string, object> }).targetGroups[TG],
                  name: `extra-${n}`,
                },
              ]),
            ),
          },
        }) as Record<string, unknown>,
      };
      await twin.part.apply(more, new Date());
      const pages = await collect(
        paginateDescribeTargetGroups({ client: aws.elbv2 }, {}),
        (p) => p.TargetGroups,
      );
      expect(pages.map((p) => p.length)).toEqual([2, 1]);

      await twin.part.apply(loadScenario('aurora-failover'), new Date());
      const recent = await aws.rds.send(
        new DescribeEventsCommand({
          SourceType: 'db-cluster',
          SourceIdentifier: SIM_IDS.auroraClusterId,
          Duration: 60,
        }),
      );
      expect(recent.Events!.map((e) => e.Message)).toEqual([
        'Started cross AZ failover to DB instance: coder-prod-aurora-2',
        'Completed failover to DB instance: coder-prod-aurora-2',
      ]);
      const { DBClusters } = await aws.rds.send(new DescribeDBClustersCommand({}));
      expect(DBClusters![0]!.DBClusterMembers!.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier).toBe(
        'coder-prod-aurora-2',
      );
      await twin.part.apply(loadScenario('healthy'), new Date());
    });
  });
});
