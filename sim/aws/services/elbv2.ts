import type { AwsTargetGroup } from '../model.js';
import {
  AwsError,
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

const notFound = () => new AwsError('TargetGroupNotFound', 'One or more target groups not found');

/** Default TargetHealth descriptions, as ELB words them. */
const DESCRIPTIONS: Record<string, string> = {
  'Target.FailedHealthChecks': 'Health checks failed',
  'Target.Timeout': 'Request timed out',
  'Target.ResponseCodeMismatch': 'Health checks failed with these codes: [404]',
  'Target.NotRegistered': 'Target is not registered to the target group',
  'Target.NotInUse': 'Target group is not configured to receive traffic from the load balancer',
  'Target.DeregistrationInProgress': 'Target deregistration is in progress',
  'Target.InvalidState': 'Target is in the stopped state',
  'Target.HealthCheckDisabled': 'Health checks are disabled',
  'Elb.RegistrationInProgress': 'Target registration is in progress',
  'Elb.InitialHealthChecking': 'Initial health checks in progress',
  'Elb.InternalError': 'Health checks failed with these codes: [500]',
};

function targetGroupXml(arn: string, tg: AwsTargetGroup): XmlFields {
  const hc = tg.healthCheck;
  return {
    TargetGroupArn: arn,
    TargetGroupName: tg.name,
    Protocol: tg.protocol,
    Port: tg.port,
    VpcId: tg.vpcId,
    HealthCheckProtocol: hc.protocol,
    HealthCheckPort: String(hc.port),
    HealthCheckEnabled: hc.enabled,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThreshold,
    UnhealthyThresholdCount: hc.unhealthyThreshold,
    HealthCheckPath: hc.path,
    Matcher: hc.matcher === undefined ? undefined : { HttpCode: hc.matcher },
    LoadBalancerArns: list('member', tg.loadBalancerArns),
    TargetType: tg.targetType,
    IpAddressType: 'ipv4',
  };
}

function describeTargetGroups(form: URLSearchParams, world: World): XmlFields {
  const groups = world.state.elbv2.targetGroups;
  const arns = listParam(form, 'TargetGroupArns.member');
  const names = listParam(form, 'Names.member');
  const lb = form.get('LoadBalancerArn');
  if (arns.some((a) => !groups[a])) throw notFound();
  const byName = Object.values(groups).map((g) => g.name);
  const unknown = names.find((n) => !byName.includes(n));
  if (unknown) throw new AwsError('TargetGroupNotFound', `Target groups '[${unknown}]' not found`);
  const rows = Object.entries(groups).filter(
    ([arn, g]) =>
      (arns.length === 0 || arns.includes(arn)) &&
      (names.length === 0 || names.includes(g.name)) &&
      (lb === null || g.loadBalancerArns.includes(lb)),
  );
  const pageSize = intParam(form, 'PageSize', { min: 1, max: 400, code: 'ValidationError' });
  const page = paginate(
    rows,
    form.get('Marker'),
    pageSize,
    () => new AwsError('ValidationError', 'Invalid marker'),
  );
  return {
    TargetGroups: list(
      'member',
      page.items.map(([arn, g]) => targetGroupXml(arn, g)),
    ),
    NextMarker: page.next,
  };
}

function describeTargetHealth(form: URLSearchParams, world: World): XmlFields {
  const arn = form.get('TargetGroupArn');
  if (arn === null)
    throw new AwsError(
      'ValidationError',
      "1 validation error detected: Value null at 'targetGroupArn' failed to satisfy constraint: Member must not be null",
    );
  const tg = world.state.elbv2.targetGroups[arn];
  if (!tg) throw notFound();
  const ids: string[] = [];
  for (let i = 1; form.has(`Targets.member.${i}.Id`); i++) ids.push(form.get(`Targets.member.${i}.Id`)!);
  const rows = Object.entries(tg.targets).filter(([id]) => ids.length === 0 || ids.includes(id));
  return {
    TargetHealthDescriptions: list(
      'member',
      rows.map(([id, t]) => {
        const port = t.port ?? tg.port;
        const reason = t.state === 'healthy' ? undefined : t.reason;
        return {
          Target: { Id: id, Port: port, AvailabilityZone: t.availabilityZone },
          HealthCheckPort:
            tg.healthCheck.port === 'traffic-port' ? String(port) : String(tg.healthCheck.port),
          TargetHealth: {
            State: t.state,
            Reason: reason,
            Description: t.description ?? (reason && DESCRIPTIONS[reason]),
          },
        };
      }),
    ),
  };
}

const OPERATIONS: Record<string, FormOperation> = {
  DescribeTargetGroups: describeTargetGroups,
  DescribeTargetHealth: describeTargetHealth,
};

/** Elastic Load Balancing v2 (awsQuery). */
export const elbv2Service: AwsService = {
  signingName: 'elasticloadbalancing',
  sim: 'elbv2',
  protocol: 'query',
  xmlns: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
  route: routeByAction(OPERATIONS),
};
