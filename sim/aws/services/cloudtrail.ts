import type { AwsTrailEvent } from '../model.js';
import { AwsError, jsonBody, type AwsRequest, type AwsService, type Route, type World } from '../protocol.js';

/**
 * CloudTrail LookupEvents (awsJson1_1), as botocore's cloudtrail/2013-11-01 model and the API reference
 * describe it: at most one lookup attribute, MaxResults 1..50 (default 50), StartTime not after EndTime,
 * events newest first, `CloudTrailEvent` the event's JSON as a string, `ReadOnly` the string "true"/"false",
 * and "two requests per second, per account, per Region": above that, ThrottlingException.
 * The current SDK sends `X-Amz-Target: CloudTrail_20131101.LookupEvents`; botocore's target prefix
 * `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101` is accepted too.
 */

const TARGETS = new Set([
  'CloudTrail_20131101.LookupEvents',
  'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents',
]);
const KEYS = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
];
/** The documented rate: two lookups per second per account and region. */
export const LOOKUP_RATE = { requests: 2, perMs: 1_000 } as const;

const accessKey = (principal: string) =>
  `ASIA${Buffer.from(principal).toString('hex').slice(0, 16).toUpperCase().padEnd(16, '0')}`;

function matches(id: string, e: AwsTrailEvent, key: string, value: string): boolean {
  switch (key) {
    case 'EventId':
      return id === value;
    case 'EventName':
      return e.eventName === value;
    case 'ReadOnly':
      return String(e.readOnly) === value;
    case 'Username':
      return (e.username ?? e.principal.split('/').pop()) === value;
    case 'ResourceType':
      return e.resources.some((r) => r.type === value);
    case 'ResourceName':
      return e.resources.some((r) => r.name === value);
    case 'EventSource':
      return e.eventSource === value;
    default:
      return accessKey(e.principal) === value;
  }
}

function lookupEvents(input: Record<string, unknown>, world: World): unknown {
  const attrs = (input.LookupAttributes ?? []) as Array<{ AttributeKey?: string; AttributeValue?: string }>;
  if (!Array.isArray(attrs) || attrs.length > 1)
    throw new AwsError('InvalidLookupAttributesException', 'You can specify only one lookup attribute.');
  const [attr] = attrs;
  if (attr && (!KEYS.includes(String(attr.AttributeKey)) || typeof attr.AttributeValue !== 'string'))
    throw new AwsError(
      'InvalidLookupAttributesException',
      `Invalid lookup attribute: ${String(attr.AttributeKey)}.`,
    );
  const max = input.MaxResults === undefined ? 50 : Number(input.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > 50)
    throw new AwsError('InvalidMaxResultsException', 'Maximum results must be between 1 and 50.');
  const start = typeof input.StartTime === 'number' ? input.StartTime * 1000 : -Infinity;
  const end = typeof input.EndTime === 'number' ? input.EndTime * 1000 : Infinity;
  if (start > end) throw new AwsError('InvalidTimeRangeException', 'Start time must be before end time.');
  const offset = input.NextToken
    ? Number(Buffer.from(String(input.NextToken), 'base64url').toString().replace('sim-', ''))
    : 0;
  if (!Number.isInteger(offset) || offset < 0)
    throw new AwsError('InvalidNextTokenException', 'Invalid NextToken.');
  const at = (e: AwsTrailEvent) => world.appliedAt.getTime() - e.ageMinutes * 60_000;
  const events = Object.entries(world.state.cloudtrail.events)
    .filter(([id, e]) => !attr || matches(id, e, attr.AttributeKey!, attr.AttributeValue!))
    .filter(([, e]) => at(e) >= start && at(e) <= end)
    .sort(([, a], [, b]) => at(b) - at(a));
  const page = events.slice(offset, offset + max);
  return {
    Events: page.map(([id, e]) => ({
      EventId: id,
      EventName: e.eventName,
      ReadOnly: String(e.readOnly),
      AccessKeyId: accessKey(e.principal),
      EventTime: at(e) / 1000,
      EventSource: e.eventSource,
      Username: e.username ?? e.principal.split('/').pop(),
      Resources: e.resources.map((r) => ({ ResourceType: r.type, ResourceName: r.name })),
      CloudTrailEvent: JSON.stringify(cloudTrailEvent(id, e, at(e), world)),
    })),
    ...(offset + max < events.length
      ? { NextToken: Buffer.from(`sim-${offset + max}`).toString('base64url') }
      : {}),
  };
}

/** The event record (CloudTrail event record contents, version 1.09). */
function cloudTrailEvent(id: string, e: AwsTrailEvent, ms: number, world: World): unknown {
  const role = /:assumed-role\/([^/]+)\//.exec(e.principal)?.[1];
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: role ? 'AssumedRole' : 'IAMUser',
      principalId: `AROA${id.slice(0, 17).toUpperCase()}`,
      arn: e.principal,
      accountId: world.accountId,
      accessKeyId: accessKey(e.principal),
      ...(role
        ? {
            sessionContext: {
              sessionIssuer: {
                type: 'Role',
                arn: `arn:aws:iam::${world.accountId}:role/${role}`,
                userName: role,
              },
            },
          }
        : {}),
    },
    eventTime: new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: e.eventSource,
    eventName: e.eventName,
    awsRegion: world.region,
    sourceIPAddress: e.sourceIp,
    userAgent: e.userAgent,
    requestParameters: e.requestParameters,
    responseElements: null,
    requestID: id,
    eventID: id,
    readOnly: e.readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: world.accountId,
    eventCategory: 'Management',
  };
}

/** A sliding window of the lookups of the last second: the third within a second is throttled. */
export function lookupLimiter(
  rate: { requests: number; perMs: number } = LOOKUP_RATE,
  clock: () => number = () => performance.now(),
): () => boolean {
  const recent: number[] = [];
  return () => {
    const now = clock();
    while (recent.length && now - recent[0]! >= rate.perMs) recent.shift();
    if (recent.length >= rate.requests) return false;
    recent.push(now);
    return true;
  };
}

/** CloudTrail (awsJson1_1): LookupEvents, throttled at two requests per second. */
export function cloudTrailService(allow: () => boolean = lookupLimiter()): AwsService {
  return {
    signingName: 'cloudtrail',
    sim: 'cloudtrail',
    protocol: 'json',
    route(req: AwsRequest): Route | undefined {
      if (!TARGETS.has(String(req.headers['x-amz-target']))) return undefined;
      return {
        operation: 'LookupEvents',
        run: (world) => {
          if (!allow()) throw new AwsError('ThrottlingException', 'Rate exceeded', 400);
          return lookupEvents(jsonBody(req), world);
        },
      };
    },
  };
}
