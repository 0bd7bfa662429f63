import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/coder/coder-healthz.js';
import { coderDeployment, coderSnapshot, failed, NOW } from './fixtures.js';

const run = (healthz: Parameters<typeof coderSnapshot>[0], d = coderDeployment()) =>
  evaluateCheck(check, coderSnapshot(healthz), d, NOW);

describe('Check: coder-healthz', () => {
  it('Compliance', () => {
    const [f] = run({});
    expect(f).toMatchObject({
      status: 'pass',
      resource: 'https://coder.example.com/healthz',
      evidence: { status: 200, ms: 42 },
    });
  });

  it('Noncompliance 1: the NLB answers 503', () => {
    const [f] = run({
      healthz: known({ reachable: true, value: { status: 503, body: 'Service Unavailable', ms: 12 } }),
    });
    expect(f).toMatchObject({
      status: 'fail',
      severity: 'critical',
      guideSection: 'NLB Health Check Failures',
    });
    expect(f!.detail).toContain('HTTP 503');
    expect(f!.remediation!.commands).toEqual([
      'kubectl exec -it deploy/coder -n coder -- curl localhost:8080/healthz',
      'aws elbv2 describe-target-health --target-group-arn arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/coder/0123456789abcdef',
    ]);
  });

  it('Noncompliance 2: no answer at all', () => {
    const [f] = run({
      healthz: known({
        reachable: false,
        error: 'CoderRequestError: GET /healthz: request failed: ECONNREFUSED',
      }),
    });
    expect(f).toMatchObject({
      status: 'fail',
      severity: 'critical',
      evidence: { error: expect.stringContaining('ECONNREFUSED') },
    });
  });

  it('Noncompliance 3: OK but slower than the threshold', () => {
    const d = coderDeployment();
    d.thresholds.healthzLatencyWarnMs = 500;
    const [f] = run(
      { healthz: known({ reachable: true, value: { status: 200, body: 'OK', ms: 1_800 } }) },
      d,
    );
    expect(f).toMatchObject({
      status: 'fail',
      severity: 'medium',
      evidence: { ms: 1_800, thresholdMs: 500 },
    });
  });

  it('Noncompliance 4: 200 with another body (a default backend page)', () => {
    const [f] = run({
      healthz: known({ reachable: true, value: { status: 200, body: '<html>nginx</html>', ms: 5 } }),
    });
    expect(f).toMatchObject({ status: 'fail', severity: 'critical' });
  });

  it('uses the configured namespace, deployment and port in the remediation', () => {
    const d = coderDeployment();
    d.namespaces.coderd = 'coder-system';
    d.coderd.deploymentName = 'coderd';
    d.coderd.port = 3000;
    const [f] = run({ healthz: known({ reachable: true, value: { status: 502, body: '', ms: 5 } }) }, d);
    expect(f!.remediation!.commands[0]).toBe(
      'kubectl exec -it deploy/coderd -n coder-system -- curl localhost:3000/healthz',
    );
  });

  it('Noncompliance 5: TLS verification off in the configuration is a medium finding on every audit', () => {
    const d = coderDeployment({ insecureTls: true });
    const findings = run({}, d);
    expect(findings.map((f) => [f.status, f.severity, f.title])).toEqual([
      ['fail', 'medium', 'TLS verification is off for the Coder URL and the OIDC issuer'],
      ['pass', 'info', 'Coder answers /healthz through its access URL'],
    ]);
    // Even when the probe could not run, the TLS finding is there.
    const broken = run({ healthz: failed('Coder /healthz', 'aborted') }, d);
    expect(broken.map((f) => f.status)).toEqual(['fail', 'error']);
  });

  it('errors when the probe itself could not run (audit deadline)', () => {
    const [f] = run({
      healthz: failed('Coder /healthz', 'check group coder did not finish within 30000 ms'),
    });
    expect(f).toMatchObject({ status: 'error' });
  });
});
