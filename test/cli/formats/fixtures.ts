import type { FormatContext } from '../../../cli/formats/context.js';
import { allChecks } from '../../../lambdas/checks/index.js';
import type { Finding } from '../../../lambdas/audit/model.js';
import { summarize, type AuditReport } from '../../../lambdas/audit/runner.js';
import { finding } from '../../store/fixtures.js';

/** Text from the audited system that tries to break out of every format it lands in. */
export const HOSTILE = {
  script: '<script>alert("x")</script>',
  attribute: '"><img src=x onerror=alert(1)>',
  xml: ']]></failure><testcase name="fake"/>&amp;\u0007\u001b[31m',
  markdown: '`](javascript:alert(1)) | pipe',
  quote: 'it\'s "quoted"',
} as const;

const cause = finding('db-sg-allows-nodes', 'fail', {
  resource: 'sg-0db0000000000001a',
  severity: 'high',
  reason: 'no-ingress',
  remediation: {
    text: 'Allow the nodes to reach PostgreSQL on port 5432.',
    commands: [
      'aws ec2 authorize-security-group-ingress --group-id sg-0db0000000000001a --protocol tcp --port 5432 --source-group sg-0e0de0000000000b2',
    ],
  },
});
const symptom = finding('coderd-ready', 'fail', {
  resource: 'k8s:coder/deployment/coder',
  severity: 'critical',
  reason: 'crash-loop',
  rootCause: cause.fingerprint,
});
const nlb = finding('nlb-targets-healthy', 'fail', {
  resource:
    'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/coder-prod-coderd/0123456789abcdef',
  severity: 'critical',
  reason: 'none-healthy',
  rootCause: cause.fingerprint,
});
/** A log finding whose every text field carries hostile text. */
const hostile = finding('log-error-patterns', 'fail', {
  resource: `k8s:logs/${HOSTILE.attribute}`,
  reason: 'database-connection-refused',
  title: `Log line ${HOSTILE.script}`,
  detail: `${HOSTILE.attribute} ${HOSTILE.xml} ${HOSTILE.markdown} ${HOSTILE.quote}`,
  evidence: { line: HOSTILE.script },
  remediation: {
    text: `Read ${HOSTILE.script}\n  indented: ${HOSTILE.attribute}`,
    commands: [`kubectl logs ${HOSTILE.attribute} </code></pre>${HOSTILE.script}`],
  },
});
const errored = finding('aurora-recent-events', 'error', {
  resource: 'prod',
  severity: 'high',
  detail: 'Check could not run: could not read rds:DescribeEvents: AccessDenied',
  evidence: { error: 'could not read rds:DescribeEvents: AccessDenied' },
  key: 'error',
});
const muted = finding('db-long-running-queries', 'fail', {
  resource: 'coder-prod-aurora/coder',
  severity: 'medium',
  muted: { until: '2026-12-31', by: 'data-team', because: `nightly ETL ${HOSTILE.script}` },
});
const overridden = finding('db-size', 'fail', {
  resource: 'coder-prod-aurora/coder',
  severity: 'low',
  severityOverride: { from: 'medium', because: 'small on purpose' },
});
const passing = finding('eks-cluster-active', 'pass', {
  resource: 'arn:aws:eks:us-east-1:123456789012:cluster/coder-prod',
});

function report(deployment: string, findings: Finding[], notices?: string[]): AuditReport {
  return {
    deployment,
    startedAt: '2026-11-25T10:00:00.000Z',
    finishedAt: '2026-11-25T10:00:01.250Z',
    findings,
    summary: summarize(findings, {
      infra: { findings: 4, ms: 812 },
      cluster: { findings: 2, ms: 640 },
      database: { findings: 2, ms: 120 },
    }),
    calls: { total: 42, byOperation: {}, sumMs: 900, maxDepth: 3, duplicates: [] },
    ...(notices ? { notices } : {}),
  };
}

/** Two deployments: prod with every kind of finding, staging healthy. */
export function reports(): AuditReport[] {
  return [
    report(
      'prod',
      [symptom, nlb, cause, hostile, errored, muted, overridden, passing],
      [`The mute of db-size on * (owner ${HOSTILE.attribute}) expired on 2026-11-01.`],
    ),
    report('staging', [
      finding('eks-cluster-active', 'pass', {
        resource: 'arn:aws:eks:eu-west-1:210987654321:cluster/staging',
      }),
    ]),
  ];
}

/** The context the CLI builds: the real catalogue, regions and accounts. */
export function context(over: Partial<FormatContext> = {}): FormatContext {
  return {
    catalogue: allChecks().map((c) => c.meta),
    version: '0.1.0-test',
    aws: {
      prod: { region: 'us-east-1', account: '123456789012' },
      staging: { region: 'eu-west-1', account: '210987654321' },
    },
    artifact: { uri: 'coder-audit.yaml', lines: { prod: 2, staging: 30 } },
    ...over,
  };
}

export const FINGERPRINTS = { cause: cause.fingerprint, symptom: symptom.fingerprint, nlb: nlb.fingerprint };
