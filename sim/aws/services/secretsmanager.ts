import { AwsError, jsonBody, type AwsRequest, type AwsService, type Route, type World } from '../protocol.js';

/** The secrets the sim hands out: the auditor's DB credentials (JSON) and its Coder token (plain). */
function secretsOf(world: World): Record<string, string> {
  const s = world.secrets;
  return {
    [s.dbSecretId]: JSON.stringify({ username: s.dbUser, password: s.dbPassword, engine: 'postgres' }),
    [s.coderTokenSecretId]: s.coderToken,
  };
}

function getSecretValue(input: Record<string, unknown>, world: World): unknown {
  const id = String(input.SecretId ?? '');
  const prefix = `arn:aws:secretsmanager:${world.region}:${world.accountId}:secret:`;
  const secrets = secretsOf(world);
  const name = Object.keys(secrets).find(
    (n) =>
      id === n || (id.startsWith(prefix) && id.slice(prefix.length).replace(/-[A-Za-z0-9]{6}$/, '') === n),
  );
  if (!name)
    throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  return {
    ARN: `${prefix}${name}-Sim0ab`,
    Name: name,
    VersionId: '5c0de000-0000-4000-8000-000000000001',
    SecretString: secrets[name],
    VersionStages: ['AWSCURRENT'],
    CreatedDate: Math.floor(world.appliedAt.getTime() / 1000) - 86_400 * 30,
  };
}

/** Secrets Manager (awsJson1_1): GetSecretValue. The twin never logs secret values. */
export const secretsManagerService: AwsService = {
  signingName: 'secretsmanager',
  sim: 'secretsmanager',
  protocol: 'json',
  route(req: AwsRequest): Route | undefined {
    if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') return undefined;
    return { operation: 'GetSecretValue', run: (world) => getSecretValue(jsonBody(req), world) };
  },
};
