import { readFileSync } from 'node:fs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallRecorder } from '../../lambdas/audit/calls.js';
import { createCoderClient, type CoderClient } from '../../lambdas/clients/coder.js';
import { startTwin, type Twin } from '../sim/coder/twin.js';

let twin: Twin;
const DAY = 86_400_000;

/** A client trusting the CA the twin's configuration names now (the sim CA, or a minted one). */
function client(): CoderClient {
  const caFile = (twin.part.config as { coder: { caFile: string } }).coder.caFile;
  return createCoderClient({
    coder: twin.deployment.coder!,
    callMs: 5_000,
    secrets: new SecretsManagerClient({ region: 'us-east-1' }),
    calls: new CallRecorder(),
    signal: new AbortController().signal,
    ca: readFileSync(caFile, 'utf8'),
  });
}

beforeAll(async () => {
  twin = await startTwin();
});
afterAll(() => twin.stop());

describe('Method: CoderClient.healthz (the TLS handshake)', () => {
  it("records the certificate the access URL presented in /healthz's handshake", async () => {
    const c = client();
    const answer = await c.healthz();
    await c.close();
    expect(answer.certificate).toMatchObject({ subject: 'localhost', issuer: expect.stringContaining('CA') });
    expect(Date.parse(answer.certificate!.validTo)).toBeGreaterThan(Date.now() + 3650 * DAY);
  });

  it('reads a certificate that expires in five days, on a connection another call opened first', async () => {
    await twin.apply({ certificate: { expiresInDays: 5 } });
    const c = client();
    await c.buildInfo();
    const answer = await c.healthz();
    await c.close();
    const days = (Date.parse(answer.certificate!.validTo) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(4.9);
    expect(days).toBeLessThan(5.1);
  });

  it('cannot connect to an access URL whose certificate expired (CERT_HAS_EXPIRED)', async () => {
    await twin.apply({ certificate: { expiresInDays: -1 } });
    const c = client();
    await expect(c.healthz()).rejects.toThrow(/CERT_HAS_EXPIRED/);
    await c.close();
    await twin.apply();
  });
});
