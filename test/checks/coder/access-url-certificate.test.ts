import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/coder/access-url-certificate.js';
import type { CoderSnapshot } from '../../../lambdas/checks/coder/collector.js';
import { coderDeployment, coderSnapshot, failed, NOW } from './fixtures.js';

const DAY = 86_400_000;
const cert = (days: number) => ({
  validTo: new Date(NOW.getTime() + days * DAY + 3_600_000).toISOString(),
  subject: 'coder.example.com',
  issuer: 'Amazon RSA 2048 M02',
});
const run = (healthz: CoderSnapshot['healthz'], d = coderDeployment()) =>
  evaluateCheck(check, coderSnapshot({ healthz }), d, NOW)[0]!;
const answered = (days?: number) =>
  known({
    reachable: true as const,
    value: { status: 200, body: 'OK', ms: 40, ...(days === undefined ? {} : { certificate: cert(days) }) },
  });

describe('Check: access-url-certificate', () => {
  it('Compliance', () => {
    expect(run(answered(90))).toMatchObject({
      status: 'pass',
      resource: 'https://coder.example.com/',
      evidence: { daysLeft: 90, issuer: 'Amazon RSA 2048 M02' },
    });
    expect(run(answered(22)).status).toBe('pass');
  });

  it('Noncompliance 1: warns at 21 days, fails at 7, critical once expired', () => {
    expect(run(answered(21))).toMatchObject({ status: 'fail', reason: 'expiring', severity: 'medium' });
    expect(run(answered(7))).toMatchObject({ reason: 'expires-soon', severity: 'high' });
    expect(run(answered(-2))).toMatchObject({ reason: 'expired', severity: 'critical' });
    expect(run(answered(5)).remediation!.commands[0]).toBe(
      'echo | openssl s_client -connect coder.example.com:443 -servername coder.example.com 2>/dev/null | openssl x509 -noout -subject -issuer -enddate',
    );
  });

  it('Noncompliance 2: a handshake refused for an expired certificate', () => {
    const refused = known({
      reachable: false as const,
      error: 'CoderRequestError: GET /healthz: request failed: CERT_HAS_EXPIRED',
    });
    expect(run(refused)).toMatchObject({ status: 'fail', reason: 'expired' });
  });

  it('Error when there was no handshake or no certificate, or the probe was not made', () => {
    const down = known({ reachable: false as const, error: 'GET /healthz: request failed: ECONNREFUSED' });
    expect(run(down)).toMatchObject({ status: 'error' });
    expect(run(down).detail).toContain('no TLS handshake');
    expect(run(answered()).status).toBe('error');
    expect(run(failed('Coder /healthz')).status).toBe('error');
  });

  it('passes an access URL without TLS: there is nothing to expire', () => {
    expect(run(answered(), coderDeployment({ url: 'http://coder.internal' })).status).toBe('pass');
  });
});
