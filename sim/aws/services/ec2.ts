import { createHash } from 'node:crypto';
import type { AwsIngressRule } from '../model.js';
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

const invalidToken = () => new AwsError('InvalidPaginationToken', 'The pagination token is invalid.');
const maxResults = (form: URLSearchParams, min: number) =>
  intParam(form, 'MaxResults', { min, max: 1000, code: 'InvalidParameterValue' });

/** Reject filter names the operation does not know, as EC2 does. */
function checkFilters(filters: Map<string, string[]>, known: readonly string[]): void {
  for (const name of filters.keys()) {
    if (!known.includes(name)) throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
  }
}

const matches = (filters: Map<string, string[]>, name: string, value: string | undefined): boolean =>
  !filters.has(name) || (value !== undefined && filters.get(name)!.includes(value));

function permission(r: AwsIngressRule, world: World): XmlFields {
  return {
    ipProtocol: r.protocol,
    fromPort: r.protocol === '-1' ? undefined : r.fromPort,
    toPort: r.protocol === '-1' ? undefined : r.toPort,
    groups: list(
      'item',
      r.sourceGroups.map((g) => ({ description: r.description, userId: world.accountId, groupId: g })),
    ),
    ipRanges: list(
      'item',
      r.cidrs.map((c) => ({ description: r.description, cidrIp: c })),
    ),
    ipv6Ranges: list(
      'item',
      r.ipv6Cidrs.map((c) => ({ description: r.description, cidrIpv6: c })),
    ),
    prefixListIds: list('item', []),
  };
}

function describeSecurityGroups(form: URLSearchParams, world: World): XmlFields {
  const groups = world.state.ec2.securityGroups;
  const ids = listParam(form, 'GroupId');
  const filters = filterParam(form, 'Filter', 'Value');
  checkFilters(filters, ['group-id', 'group-name', 'vpc-id']);
  const missing = ids.filter((id) => !groups[id]);
  if (missing.length) {
    throw new AwsError(
      'InvalidGroup.NotFound',
      `The security group '${missing.join("', '")}' does not exist`,
    );
  }
  const selected = Object.entries(groups).filter(
    ([id, sg]) =>
      (ids.length === 0 || ids.includes(id)) &&
      matches(filters, 'group-id', id) &&
      matches(filters, 'group-name', sg.name) &&
      matches(filters, 'vpc-id', sg.vpcId),
  );
  const page = paginate(selected, form.get('NextToken'), maxResults(form, 5), invalidToken);
  return {
    securityGroupInfo: list(
      'item',
      page.items.map(([id, sg]) => ({
        ownerId: world.accountId,
        groupId: id,
        groupName: sg.name,
        groupDescription: sg.description,
        vpcId: sg.vpcId,
        securityGroupArn: `arn:aws:ec2:${world.region}:${world.accountId}:security-group/${id}`,
        ipPermissions: list(
          'item',
          Object.values(sg.ingress).map((r) => permission(r, world)),
        ),
        ipPermissionsEgress: list(
          'item',
          Object.values(sg.egress).map((r) => permission(r, world)),
        ),
      })),
    ),
    nextToken: page.next,
  };
}

function describeVpcEndpoints(form: URLSearchParams, world: World): XmlFields {
  const endpoints = world.state.ec2.vpcEndpoints;
  const ids = listParam(form, 'VpcEndpointId');
  const filters = filterParam(form, 'Filter', 'Value');
  checkFilters(filters, [
    'vpc-id',
    'service-name',
    'vpc-endpoint-id',
    'vpc-endpoint-state',
    'vpc-endpoint-type',
  ]);
  const missing = ids.filter((id) => !endpoints[id]);
  if (missing.length) {
    throw new AwsError('InvalidVpcEndpointId.NotFound', `The Vpc Endpoint Id '${missing[0]}' does not exist`);
  }
  const defaultVpc = world.state.eks?.cluster.vpcId;
  const rows = Object.entries(endpoints)
    .map(([id, e]) => ({
      id,
      e,
      vpcId: e.vpcId ?? defaultVpc,
      serviceName: `com.amazonaws.${world.region}.${e.service}`,
    }))
    .filter(
      ({ id, e, vpcId, serviceName }) =>
        (ids.length === 0 || ids.includes(id)) &&
        matches(filters, 'vpc-id', vpcId) &&
        matches(filters, 'service-name', serviceName) &&
        matches(filters, 'vpc-endpoint-id', id) &&
        matches(filters, 'vpc-endpoint-state', e.state) &&
        matches(filters, 'vpc-endpoint-type', e.type),
    );
  const page = paginate(rows, form.get('NextToken'), maxResults(form, 1), invalidToken);
  return {
    vpcEndpointSet: list(
      'item',
      page.items.map(({ id, e, vpcId, serviceName }) => ({
        vpcEndpointId: id,
        vpcEndpointType: e.type,
        vpcId,
        serviceName,
        state: e.state,
        routeTableIdSet: list('item', e.routeTableIds),
        subnetIdSet: list('item', e.subnetIds),
        groupSet: list(
          'item',
          e.securityGroupIds.map((g) => ({ groupId: g })),
        ),
        ipAddressType: 'ipv4',
        privateDnsEnabled: e.privateDnsEnabled ?? e.type === 'Interface',
        requesterManaged: false,
        networkInterfaceIdSet: list('item', []),
        dnsEntrySet: list(
          'item',
          e.type === 'Interface'
            ? [
                {
                  dnsName: `${id}.${e.service}.${world.region}.vpce.amazonaws.com`,
                  hostedZoneId: 'Z7HUB22UULQXV',
                },
              ]
            : [],
        ),
        creationTimestamp: new Date(world.appliedAt.getTime() - 200 * 86_400_000),
        ownerId: world.accountId,
      })),
    ),
    nextToken: page.next,
  };
}

function describeInstanceTypes(form: URLSearchParams, world: World): XmlFields {
  const types = world.state.ec2.instanceTypes;
  const wanted = listParam(form, 'InstanceType');
  const unknown = wanted.filter((t) => !types[t]);
  if (unknown.length) {
    throw new AwsError(
      'InvalidInstanceType',
      `The following supplied instance types do not exist: [${unknown.join(', ')}]`,
    );
  }
  const rows = Object.entries(types).filter(([t]) => wanted.length === 0 || wanted.includes(t));
  const page = paginate(rows, form.get('NextToken'), maxResults(form, 5), invalidToken);
  return {
    instanceTypeSet: list(
      'item',
      page.items.map(([t, info]) => ({
        instanceType: t,
        currentGeneration: true,
        vCpuInfo: {
          defaultVCpus: info.vcpus,
          defaultCores: Math.max(1, info.vcpus / 2),
          defaultThreadsPerCore: 2,
        },
        memoryInfo: { sizeInMiB: info.memoryMiB },
      })),
    ),
    nextToken: page.next,
  };
}

const OPERATIONS: Record<string, FormOperation> = {
  DescribeSecurityGroups: describeSecurityGroups,
  DescribeVpcEndpoints: describeVpcEndpoints,
  DescribeNatGateways: describeNatGateways,
  DescribeRouteTables: describeRouteTables,
  DescribeVolumes: describeVolumes,
  DescribeInstanceTypes: describeInstanceTypes,
};

/**
 * DescribeRouteTables (ec2/2016-11-15, API reference "DescribeRouteTables"): `RouteTableId.N`, filters vpc-id,
 * route-table-id, association.subnet-id, association.main, route.nat-gateway-id (others rejected here),
 * MaxResults 5..100, `routeTableSet` items with `routeSet` and `associationSet`, paginated. As in EC2, a subnet
 * without an explicit association uses the main table and is not listed ("This command does not return the
 * subnet ID for implicit associations"); the local route comes first; a route to a NAT gateway that does not
 * exist or is not available is in state `blackhole`.
 */
function describeRouteTables(form: URLSearchParams, world: World): XmlFields {
  const tables = world.state.ec2.routeTables;
  const ids = listParam(form, 'RouteTableId');
  const filters = filterParam(form, 'Filter', 'Value');
  checkFilters(filters, [
    'vpc-id',
    'route-table-id',
    'association.subnet-id',
    'association.main',
    'route.nat-gateway-id',
  ]);
  const missing = ids.filter((id) => !tables[id]);
  if (missing.length)
    throw new AwsError('InvalidRouteTableID.NotFound', `The routeTable ID '${missing[0]}' does not exist`);
  const defaultVpc = world.state.eks?.cluster.vpcId;
  const anyOf = (name: string, values: readonly string[]) =>
    !filters.has(name) || values.some((v) => filters.get(name)!.includes(v));
  const rows = Object.entries(tables)
    .map(([id, t]) => ({ id, t, vpcId: t.vpcId ?? defaultVpc }))
    .filter(
      ({ id, t, vpcId }) =>
        (ids.length === 0 || ids.includes(id)) &&
        matches(filters, 'vpc-id', vpcId) &&
        matches(filters, 'route-table-id', id) &&
        anyOf('association.subnet-id', t.subnets) &&
        // Tables without an association are not returned for association.main (the API reference).
        (!filters.has('association.main') ||
          ((t.main || t.subnets.length > 0) && anyOf('association.main', [String(t.main)]))) &&
        anyOf(
          'route.nat-gateway-id',
          t.routes.flatMap((r) => (r.natGatewayId ? [r.natGatewayId] : [])),
        ),
    );
  const page = paginate(
    rows,
    form.get('NextToken'),
    intParam(form, 'MaxResults', { min: 5, max: 100, code: 'InvalidParameterValue' }),
    invalidToken,
  );
  const gateways = world.state.ec2.natGateways;
  const association = (tableId: string, n: number, fields: XmlFields): XmlFields => ({
    routeTableAssociationId: `rtbassoc-${tableId.slice(4, 16)}${String(n).padStart(5, '0')}`,
    routeTableId: tableId,
    ...fields,
    associationState: { state: 'associated' },
  });
  return {
    routeTableSet: list(
      'item',
      page.items.map(({ id, t, vpcId }) => ({
        routeTableId: id,
        vpcId,
        ownerId: world.accountId,
        routeSet: list('item', [
          // The twin models no VPC CIDR: the local route stands for it.
          {
            destinationCidrBlock: '10.0.0.0/16',
            gatewayId: 'local',
            state: 'active',
            origin: 'CreateRouteTable',
          },
          ...t.routes.map((r) => ({
            destinationCidrBlock: r.destination,
            ...(r.natGatewayId ? { natGatewayId: r.natGatewayId } : { gatewayId: r.gatewayId }),
            state: r.natGatewayId && gateways[r.natGatewayId]?.state !== 'available' ? 'blackhole' : 'active',
            origin: 'CreateRoute',
          })),
        ]),
        associationSet: list('item', [
          ...(t.main ? [association(id, 0, { main: true })] : []),
          ...t.subnets.map((s, i) => association(id, i + 1, { main: false, subnetId: s })),
        ]),
        propagatingVgwSet: list('item', []),
        tagSet: list('item', []),
      })),
    ),
    nextToken: page.next,
  };
}

/**
 * DescribeNatGateways (ec2/2016-11-15): `NatGatewayId.N`, filters nat-gateway-id, state, subnet-id, vpc-id
 * (others are invalid), MaxResults 5..1000, `natGatewaySet` items with their addresses, paginated.
 */
function describeNatGateways(form: URLSearchParams, world: World): XmlFields {
  const gateways = world.state.ec2.natGateways;
  const ids = listParam(form, 'NatGatewayId');
  const filters = filterParam(form, 'Filter', 'Value');
  checkFilters(filters, ['nat-gateway-id', 'state', 'subnet-id', 'vpc-id', 'tag-key']);
  const missing = ids.filter((id) => !gateways[id]);
  if (missing.length) throw new AwsError('NatGatewayNotFound', `The Nat Gateway ${missing[0]} was not found`);
  const defaultVpc = world.state.eks?.cluster.vpcId;
  const rows = Object.entries(gateways)
    .map(([id, g]) => ({ id, g, vpcId: g.vpcId ?? defaultVpc }))
    .filter(
      ({ id, g, vpcId }) =>
        (ids.length === 0 || ids.includes(id)) &&
        matches(filters, 'vpc-id', vpcId) &&
        matches(filters, 'nat-gateway-id', id) &&
        matches(filters, 'state', g.state) &&
        matches(filters, 'subnet-id', g.subnetId),
    );
  const page = paginate(
    rows,
    form.get('NextToken'),
    intParam(form, 'MaxResults', { min: 5, max: 1000, code: 'InvalidParameterValue' }),
    invalidToken,
  );
  return {
    natGatewaySet: list(
      'item',
      page.items.map(({ id, g, vpcId }) => ({
        createTime: new Date(world.appliedAt.getTime() - 300 * 86_400_000),
        natGatewayAddressSet: list('item', [
          {
            allocationId: g.connectivityType === 'public' ? `eipalloc-${id.slice(4)}` : undefined,
            networkInterfaceId: `eni-${id.slice(4)}`,
            privateIp: g.privateIp,
            publicIp: g.connectivityType === 'public' ? g.publicIp : undefined,
            isPrimary: true,
            status: 'succeeded',
          },
        ]),
        natGatewayId: id,
        state: g.state,
        subnetId: g.subnetId,
        vpcId,
        connectivityType: g.connectivityType,
        tagSet: list('item', []),
      })),
    ),
    nextToken: page.next,
  };
}

/**
 * DescribeVolumes (ec2/2016-11-15): `VolumeId.N`, filters (volume-type, status, size, volume-id; others
 * unknown here are rejected), MaxResults 5..500, `volumeSet` items, paginated.
 */
function describeVolumes(form: URLSearchParams, world: World): XmlFields {
  const filters = filterParam(form, 'Filter', 'Value');
  checkFilters(filters, ['volume-type', 'status', 'size', 'volume-id', 'availability-zone', 'encrypted']);
  const ids = listParam(form, 'VolumeId');
  const all = Object.entries(world.state.ec2.volumes).flatMap(([key, v]) =>
    Array.from({ length: v.count }, (_, i) => ({
      id: `vol-${createHash('sha1').update(`${key}/${i}`).digest('hex').slice(0, 17)}`,
      v,
    })),
  );
  const rows = all.filter(
    ({ id, v }) =>
      (ids.length === 0 || ids.includes(id)) &&
      matches(filters, 'volume-type', v.type) &&
      matches(filters, 'status', v.state) &&
      matches(filters, 'size', String(v.sizeGiB)) &&
      matches(filters, 'volume-id', id),
  );
  // Pages of at most 50 (AWS may return fewer than MaxResults): large sets still need pagination.
  const requested = intParam(form, 'MaxResults', { min: 5, max: 500, code: 'InvalidParameterValue' });
  const offset = form.get('NextToken')
    ? Number(/^sim-page-(\d+)$/.exec(Buffer.from(form.get('NextToken')!, 'base64url').toString())?.[1] ?? NaN)
    : 0;
  if (!Number.isInteger(offset)) throw invalidToken();
  const size = Math.min(requested ?? 500, 50);
  const items = rows.slice(offset, offset + size);
  const next =
    offset + items.length < rows.length
      ? Buffer.from(`sim-page-${offset + items.length}`).toString('base64url')
      : undefined;
  const page = { items, next };
  return {
    volumeSet: list(
      'item',
      page.items.map(({ id, v }) => ({
        volumeId: id,
        size: v.sizeGiB,
        snapshotId: '',
        availabilityZone: `${world.region}a`,
        status: v.state,
        createTime: new Date(world.appliedAt.getTime() - 30 * 86_400_000),
        attachmentSet: list('item', []),
        volumeType: v.type,
        iops: v.type === 'gp3' ? 3000 : undefined,
        throughput: v.type === 'gp3' ? 125 : undefined,
        encrypted: true,
        multiAttachEnabled: false,
      })),
    ),
    nextToken: page.next,
  };
}

/** EC2 (EC2 query protocol). */
export const ec2Service: AwsService = {
  signingName: 'ec2',
  sim: 'ec2',
  protocol: 'ec2',
  route: routeByAction(OPERATIONS),
};
