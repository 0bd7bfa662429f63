import { roleId, trusts } from '../iam.js';
import { AwsError, routeByAction, type AwsService, type World, type XmlFields } from '../protocol.js';

/**
 * AssumeRole as STS answers it (API reference, AssumeRole; `botocore/data/sts/2011-06-15/service-2.json`
 * for the shapes): a caller the role's trust policy does not name, or an `sts:ExternalId` that does not
 * match the trust policy's condition, gets `AccessDenied` naming the caller and the role (the same answer
 * for a role that does not exist); an external id the role does not ask for is ignored; parameters outside
 * their constraints get `ValidationError`; a role session may only chain into sessions of one hour at most.
 */
function assumeRole(form: URLSearchParams, world: World): XmlFields {
  const roleArn = form.get('RoleArn') ?? '';
  const sessionName = form.get('RoleSessionName') ?? '';
  const externalId = form.get('ExternalId') ?? undefined;
  const rawDuration = form.get('DurationSeconds');
  const problems: string[] = [];
  if (roleArn.length < 20 || roleArn.length > 2048)
    problems.push(
      `Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20`,
    );
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName))
    problems.push(
      `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  if (externalId !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(externalId))
    problems.push(
      "Value at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*",
    );
  const duration = rawDuration === null ? 3600 : Number(rawDuration);
  if (!Number.isInteger(duration) || duration < 900 || duration > 43200)
    problems.push(
      `Value '${rawDuration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
    );
  if (problems.length) {
    const n = problems.length;
    throw new AwsError(
      'ValidationError',
      `${n} validation error${n > 1 ? 's' : ''} detected: ${problems.join('; ')}`,
      400,
    );
  }
  const caller = world.caller;
  const denied = () =>
    new AwsError(
      'AccessDenied',
      `User: ${caller.identity.Arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      403,
    );
  const m = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,64})$/.exec(roleArn);
  const role = m ? world.role(m[1]!, m[2]!) : undefined;
  if (!m || !role) throw denied();
  if (!role.trust.some((principal) => trusts(principal, caller))) throw denied();
  if (role.externalId !== undefined && externalId !== role.externalId) throw denied();
  if (caller.sessionToken !== undefined && duration > 3600)
    throw new AwsError(
      'ValidationError',
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      400,
    );
  if (duration > role.maxSessionDurationSeconds)
    throw new AwsError(
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      400,
    );
  const id = roleId(roleArn);
  const { credentials, identity } = world.iam.startSession(
    { arn: roleArn, account: m[1]!, name: m[2]!, id },
    sessionName,
    duration,
  );
  return {
    // STS writes whole seconds: 2025-01-01T12:00:00Z.
    Credentials: { ...credentials, Expiration: credentials.Expiration.toISOString().replace('.000Z', 'Z') },
    AssumedRoleUser: { AssumedRoleId: identity.UserId, Arn: identity.Arn },
  };
}

/** STS (awsQuery): GetCallerIdentity of whoever signed, and AssumeRole into a role of any account the sim holds. */
export const stsService: AwsService = {
  signingName: 'sts',
  sim: 'sts',
  protocol: 'query',
  xmlns: 'https://sts.amazonaws.com/doc/2011-06-15/',
  route: routeByAction({
    GetCallerIdentity: (_form, world) => ({ ...world.caller.identity }),
    AssumeRole: assumeRole,
  }),
};
