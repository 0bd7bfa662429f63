import { AwsError, jsonBody, type AwsRequest, type AwsService, type Route, type World } from '../protocol.js';
import type { SimParameter } from '../parameters.js';

/**
 * Systems Manager Parameter Store (awsJson1_1, `X-Amz-Target: AmazonSSM.<Operation>`): GetParameter and
 * GetParameters, with the account's read throughput (see `sim/aws/parameters.ts`): past it the answer is
 * `{"__type":"ThrottlingException","message":"Rate exceeded"}` with HTTP 400, as SSM sends it and the SDK
 * parses and retries it (a throttling error of `@smithy/service-error-classification`).
 * Shapes from the SSM API reference (API_GetParameter, API_GetParameters): GetParameters takes 1 to 10
 * names and returns the parameters it found and the names it did not (`InvalidParameters`), in no promised
 * order (the twin answers in name order, not in request order).
 */
const THROTTLED_OPERATIONS = new Set(['GetParameter', 'GetParameters', 'GetParametersByPath']);

function describe(p: SimParameter, world: World): Record<string, unknown> {
  return {
    Name: p.name,
    Type: p.type,
    Value: p.value,
    Version: p.version,
    LastModifiedDate: p.lastModified.getTime() / 1000,
    ARN: `arn:aws:ssm:${world.region}:${world.accountId}:parameter/${p.name.replace(/^\//, '')}`,
    DataType: 'text',
  };
}

/** The Coral validation error SSM answers for a malformed input field. */
const validation = (value: string, field: string, constraint: string) =>
  new AwsError(
    'ValidationException',
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );

function getParameter(input: Record<string, unknown>, world: World): unknown {
  const name = String(input.Name ?? '').trim();
  if (!name) throw validation('', 'name', 'Member must have length greater than or equal to 1');
  const p = world.parameters.get(world.accountId, name);
  // moto (getmoto/moto, moto/ssm/models.py) answers ParameterNotFound with this message.
  if (!p) throw new AwsError('ParameterNotFound', `Parameter ${name} not found.`);
  return { Parameter: describe(p, world) };
}

function getParameters(input: Record<string, unknown>, world: World): unknown {
  const names = Array.isArray(input.Names) ? input.Names.map((n) => String(n).trim()) : [];
  if (names.length < 1 || names.length > 10) {
    throw validation(
      `[${names.join(', ')}]`,
      'names',
      names.length < 1
        ? 'Member must have length greater than or equal to 1'
        : 'Member must have length less than or equal to 10',
    );
  }
  const unique = [...new Set(names)].sort();
  const found = unique.flatMap((n) => {
    const p = world.parameters.get(world.accountId, n);
    return p ? [describe(p, world)] : [];
  });
  const invalid = unique.filter((n) => !world.parameters.get(world.accountId, n));
  return { Parameters: found, InvalidParameters: invalid };
}

const OPERATIONS: Record<string, (input: Record<string, unknown>, world: World) => unknown> = {
  GetParameter: getParameter,
  GetParameters: getParameters,
};

export const ssmService: AwsService = {
  signingName: 'ssm',
  sim: 'ssm',
  protocol: 'json',
  route(req: AwsRequest): Route | undefined {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AmazonSSM.') ? target.slice('AmazonSSM.'.length) : '';
    const op = OPERATIONS[operation];
    if (!op) return undefined;
    return {
      operation,
      run: (world) => {
        if (THROTTLED_OPERATIONS.has(operation) && !world.parameters.admit(world.accountId, operation))
          throw new AwsError('ThrottlingException', 'Rate exceeded', 400);
        return op(jsonBody(req), world);
      },
    };
  },
};
