import { SIM_IDS } from '../../deployment.js';
import {
  AwsError,
  filterParam,
  intParam,
  list,
  listParam,
  paginate,
  type AwsService,
  type World,
  type XmlFields,
  routeByAction,
  type FormOperation,
} from '../protocol.js';

const invalidToken = () => new AwsError('InvalidParameterValue', 'Invalid marker.');
/** RDS accepts MaxRecords between 20 and 100. */
const maxRecords = (form: URLSearchParams) =>
  intParam(form, 'MaxRecords', { min: 20, max: 100, code: 'InvalidParameterValue' });

function rdsState(world: World) {
  const rds = world.state.rds;
  if (!rds)
    throw new AwsError('DBClusterNotFoundFault', `DBCluster ${SIM_IDS.auroraClusterId} not found.`, 404);
  return rds;
}

const arn = (world: World, kind: 'cluster' | 'db', id: string) =>
  `arn:aws:rds:${world.region}:${world.accountId}:${kind}:${id}`;

function describeDBClusters(form: URLSearchParams, world: World): XmlFields {
  const id = form.get('DBClusterIdentifier');
  const filters = filterParam(form, 'Filters.Filter', 'Values.Value');
  const clusterId = SIM_IDS.auroraClusterId;
  const known = world.state.rds !== undefined;
  if (id !== null && (id !== clusterId || !known)) {
    throw new AwsError('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404);
  }
  const wanted = filters.get('db-cluster-id');
  const rows = known && (!wanted || wanted.includes(clusterId)) ? [clusterId] : [];
  const page = paginate(rows, form.get('Marker'), maxRecords(form), invalidToken);
  return {
    DBClusters: list(
      'DBCluster',
      page.items.map(() => {
        const rds = rdsState(world);
        const c = rds.cluster;
        return {
          AllocatedStorage: 1,
          AvailabilityZones: list('AvailabilityZone', ['us-east-1a', 'us-east-1b', 'us-east-1c']),
          BackupRetentionPeriod: 7,
          DatabaseName: 'coder',
          DBClusterIdentifier: clusterId,
          DBClusterParameterGroup: 'default.aurora-postgresql16',
          DBSubnetGroup: 'coder-prod-db',
          Status: c.status,
          Endpoint: c.endpoint,
          ReaderEndpoint: c.readerEndpoint,
          MultiAZ: c.multiAZ,
          Engine: 'aurora-postgresql',
          EngineVersion: c.engineVersion,
          Port: c.port,
          MasterUsername: 'coder_admin',
          DBClusterMembers: list(
            'DBClusterMember',
            Object.entries(rds.instances).map(([iid, inst]) => ({
              DBInstanceIdentifier: iid,
              IsClusterWriter: inst.writer,
              DBClusterParameterGroupStatus: 'in-sync',
              PromotionTier: inst.promotionTier,
            })),
          ),
          VpcSecurityGroups: list(
            'VpcSecurityGroupMembership',
            c.securityGroupIds.map((sg) => ({ VpcSecurityGroupId: sg, Status: 'active' })),
          ),
          StorageEncrypted: true,
          DBClusterArn: arn(world, 'cluster', clusterId),
          IAMDatabaseAuthenticationEnabled: true,
          EngineMode: 'provisioned',
          DeletionProtection: true,
        };
      }),
    ),
    Marker: page.next,
  };
}

function describeDBInstances(form: URLSearchParams, world: World): XmlFields {
  const instances = world.state.rds?.instances ?? {};
  const id = form.get('DBInstanceIdentifier');
  const filters = filterParam(form, 'Filters.Filter', 'Values.Value');
  for (const name of filters.keys()) {
    if (!['db-cluster-id', 'db-instance-id'].includes(name))
      throw new AwsError('InvalidParameterValue', `Unrecognized filter name: ${name}`);
  }
  if (id !== null && !instances[id])
    throw new AwsError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);
  const clusterIds = filters.get('db-cluster-id');
  const instanceIds = filters.get('db-instance-id');
  const rows = Object.entries(instances).filter(
    ([iid]) =>
      (id === null || iid === id) &&
      (!clusterIds ||
        clusterIds.includes(SIM_IDS.auroraClusterId) ||
        clusterIds.includes(arn(world, 'cluster', SIM_IDS.auroraClusterId))) &&
      (!instanceIds || instanceIds.includes(iid) || instanceIds.includes(arn(world, 'db', iid))),
  );
  const page = paginate(rows, form.get('Marker'), maxRecords(form), invalidToken);
  const cluster = world.state.rds?.cluster;
  return {
    DBInstances: list(
      'DBInstance',
      page.items.map(([iid, inst]) => ({
        DBInstanceIdentifier: iid,
        DBInstanceClass: inst.instanceClass,
        Engine: 'aurora-postgresql',
        DBInstanceStatus: inst.status,
        Endpoint: cluster && {
          Address: `${iid}.${cluster.endpoint.split('.').slice(1).join('.')}`,
          Port: cluster.port,
        },
        AvailabilityZone: inst.availabilityZone,
        PromotionTier: inst.promotionTier,
        EngineVersion: cluster?.engineVersion,
        PubliclyAccessible: false,
        DBClusterIdentifier: SIM_IDS.auroraClusterId,
        DBInstanceArn: arn(world, 'db', iid),
        VpcSecurityGroups: list(
          'VpcSecurityGroupMembership',
          (cluster?.securityGroupIds ?? []).map((sg) => ({ VpcSecurityGroupId: sg, Status: 'active' })),
        ),
      })),
    ),
    Marker: page.next,
  };
}

const SOURCE_TYPES = ['db-instance', 'db-cluster', 'db-parameter-group', 'db-security-group', 'db-snapshot'];

function describeEvents(form: URLSearchParams, world: World): XmlFields {
  const sourceType = form.get('SourceType');
  const sourceId = form.get('SourceIdentifier');
  if (sourceType !== null && !SOURCE_TYPES.includes(sourceType))
    throw new AwsError('InvalidParameterValue', `Invalid source type: ${sourceType}`);
  if (sourceId !== null && sourceType === null)
    throw new AwsError('InvalidParameterCombination', 'Cannot specify source identifier without source type');
  const now = Date.now();
  const parse = (name: string) => {
    const raw = form.get(name);
    if (raw === null) return undefined;
    const t = Date.parse(raw);
    if (Number.isNaN(t)) throw new AwsError('InvalidParameterValue', `Invalid ${name}: ${raw}`);
    return t;
  };
  const duration = intParam(form, 'Duration', { min: 1, max: 20_160, code: 'InvalidParameterValue' });
  const end = parse('EndTime') ?? now;
  const start = parse('StartTime') ?? end - (duration ?? 60) * 60_000;
  const categories = listParam(form, 'EventCategories.EventCategory');
  const applied = world.appliedAt.getTime();
  const rows = Object.values(world.state.rds?.events ?? {})
    .map((e) => ({ ...e, date: new Date(applied - e.ageMinutes * 60_000) }))
    .filter(
      (e) =>
        e.date.getTime() >= start &&
        e.date.getTime() <= end &&
        (sourceType === null || e.sourceType === sourceType) &&
        (sourceId === null || e.sourceIdentifier === sourceId) &&
        (categories.length === 0 || e.categories.some((c) => categories.includes(c))),
    )
    .sort((a, b) => a.date.getTime() - b.date.getTime());
  const page = paginate(rows, form.get('Marker'), maxRecords(form), invalidToken);
  return {
    Events: list(
      'Event',
      page.items.map((e) => ({
        SourceIdentifier: e.sourceIdentifier,
        SourceType: e.sourceType,
        Message: e.message,
        EventCategories: list('EventCategory', e.categories),
        Date: e.date,
        SourceArn: arn(world, e.sourceType === 'db-cluster' ? 'cluster' : 'db', e.sourceIdentifier),
      })),
    ),
    Marker: page.next,
  };
}

const OPERATIONS: Record<string, FormOperation> = {
  DescribeDBClusters: describeDBClusters,
  DescribeDBInstances: describeDBInstances,
  DescribeEvents: describeEvents,
};

/** RDS (awsQuery). */
export const rdsService: AwsService = {
  signingName: 'rds',
  sim: 'rds',
  protocol: 'query',
  xmlns: 'http://rds.amazonaws.com/doc/2014-10-31/',
  route: routeByAction(OPERATIONS),
};
