import { rejection } from '../../helpers/rejection.js';
import { GetParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SimParameterStore } from '../../../sim/aws/parameters.js';
import { SIM_IDS } from '../../../sim/deployment.js';
import { startTwin, type AwsTwin } from './harness.js';

let twin: AwsTwin;
const frozen = new Date('2026-01-01T00:00:00Z');
beforeAll(async () => {
  twin = await startTwin();
  for (let i = 0; i < 12; i++)
    twin.env.parameters.put(SIM_IDS.accountId, `/p/deployments/d${i}`, `{"id":"d${i}"}`);
});
afterAll(() => twin.stop());
beforeEach(() => {
  // A stopped clock: the bucket never refills, so every call below lands "in the same instant".
  twin.env.parameters.clock = () => frozen;
  twin.env.parameters.resetThroughput();
});

const ssm = (maxAttempts = 1) =>
  new SSMClient({
    region: SIM_IDS.region,
    endpoint: twin.deployment().aws.endpoint,
    credentials: twin.env.credentials,
    maxAttempts,
  });

describe('Service: SSM Parameter Store twin', () => {
  it('GetParameters returns the parameters found and names the others, whatever the order asked', async () => {
    const out = await ssm().send(
      new GetParametersCommand({ Names: ['/p/deployments/d3', '/p/deployments/nope', '/p/deployments/d1'] }),
    );
    expect(out.Parameters?.map((p) => [p.Name, p.Value, p.Type])).toEqual([
      ['/p/deployments/d1', '{"id":"d1"}', 'String'],
      ['/p/deployments/d3', '{"id":"d3"}', 'String'],
    ]);
    expect(out.Parameters?.[0]?.ARN).toBe(
      `arn:aws:ssm:${SIM_IDS.region}:${SIM_IDS.accountId}:parameter/p/deployments/d1`,
    );
    expect(out.InvalidParameters).toEqual(['/p/deployments/nope']);
  });

  it('Noncompliance 1: GetParameters refuses more than 10 names (ValidationException)', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `/p/deployments/d${i}`);
    const e = await rejection(ssm().send(new GetParametersCommand({ Names: names })));
    expect(e).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(e.message).toMatch(
      /at 'names' failed to satisfy constraint: Member must have length less than or equal to 10/,
    );
  });

  it('Noncompliance 2: a missing parameter is ParameterNotFound', async () => {
    const e = await rejection(ssm().send(new GetParameterCommand({ Name: '/p/deployments/nope' })));
    expect(e).toMatchObject({ name: 'ParameterNotFound', status: 400 });
  });

  it('Noncompliance 3: past 40 calls in one second, GetParameter and GetParameters share the throttle', async () => {
    const client = ssm();
    const calls = Array.from({ length: 50 }, (_, i) =>
      i % 2
        ? client.send(new GetParameterCommand({ Name: '/p/deployments/d1' }))
        : client.send(new GetParametersCommand({ Names: ['/p/deployments/d2'] })),
    );
    const settled = await Promise.allSettled(calls);
    const refused = settled.flatMap((s) =>
      s.status === 'rejected' ? [s.reason as Error & { $metadata: { httpStatusCode: number } }] : [],
    );
    expect(settled.length - refused.length).toBe(40);
    expect(refused).toHaveLength(10);
    expect(refused.every((e) => e.name === 'ThrottlingException' && e.message === 'Rate exceeded')).toBe(
      true,
    );
    expect(refused[0]!.$metadata.httpStatusCode).toBe(400);
    expect(SimParameterStore.total(twin.env.parameters.throttled)).toBe(10);
    client.destroy();
  });

  it('the SDK retries a throttled call (3 attempts), and each attempt counts against the quota', async () => {
    const client = ssm(3);
    const settled = await Promise.allSettled(
      Array.from({ length: 41 }, () => client.send(new GetParameterCommand({ Name: '/p/deployments/d1' }))),
    );
    const refused = settled.filter((s) => s.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect(SimParameterStore.total(twin.env.parameters.throttled)).toBe(3);
    client.destroy();
  });

  it('Compliance: the bucket refills at 40 per second of its clock', async () => {
    let now = frozen.getTime();
    twin.env.parameters.clock = () => new Date(now);
    const client = ssm();
    for (let i = 0; i < 40; i++) await client.send(new GetParameterCommand({ Name: '/p/deployments/d1' }));
    expect((await rejection(client.send(new GetParameterCommand({ Name: '/p/deployments/d1' })))).name).toBe(
      'ThrottlingException',
    );
    now += 250; // a quarter of a second: 10 more calls
    const again = await Promise.allSettled(
      Array.from({ length: 11 }, () => client.send(new GetParameterCommand({ Name: '/p/deployments/d1' }))),
    );
    expect(again.filter((s) => s.status === 'fulfilled')).toHaveLength(10);
    client.destroy();
  });
});
