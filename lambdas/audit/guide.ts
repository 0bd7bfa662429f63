/**
 * Runbook sections that checks automate: the exact headings of `coder-troubleshooting-guide.md`.
 * A test keeps this list in step with the runbook.
 */
export const GuideSection = {
  PodsPending: 'Pods Stuck in Pending State',
  DatabaseConnection: 'Database Connection Errors',
  Oidc: 'OIDC Authentication Failures',
  ProvisioningTimeouts: 'Workspace Provisioning Timeouts',
  NlbHealth: 'NLB Health Check Failures',
  ContractValidation: 'Contract Validation Failures',
  TemplateNotAppearing: 'Template Not Appearing in Coder',
  CoderLogs: 'Coder Logs',
  KubernetesDebugging: 'Kubernetes Debugging',
  AwsDebugging: 'AWS Debugging',
  NetworkDebugging: 'Network Debugging',
  DatabaseDebugging: 'Database Debugging',
  CoderCli: 'Coder CLI Debugging',
  LogPatterns: 'Common Log Patterns',
  ScaleTesting: 'Scale Testing Troubleshooting',
} as const;
export type GuideSection = (typeof GuideSection)[keyof typeof GuideSection];

/**
 * Runbook headings no check cites, and why (docs/runbook-coverage.md is generated from it; a test fails when
 * a heading of the runbook is neither cited by a check, nor grouped above cited ones, nor listed here).
 */
export const NOT_CHECKED: Readonly<Record<string, string>> = {
  'Table of Contents': 'Navigation.',
  'Terraform Debugging':
    "Runs Terraform (TF_LOG, `terraform show`, `refresh`, `plan`) with the infrastructure repository's state " +
    'and credentials: a change-making tool, not a read of the running platform. The Terraform errors of ' +
    'workspace builds and template imports are read from their job logs (workspace-builds, template-versions).',
  'Success Patterns':
    'A success line in a log proves little and its absence proves nothing; liveness is checked positively ' +
    '(coderd-ready, provisioners-ready, provisioner-daemons, db-connectivity, workspace-builds).',
  'Escalation Path': 'A human procedure; its parts are below.',
  'Level 1: Self-Service':
    'What the whole auditor automates (the guide, CloudWatch logs, pod events): no single check.',
  'Level 2: Team Support':
    '"Review recent changes or deployments" is answered on every failing AWS resource finding: who changed ' +
    'it in the last 24 h (CloudTrail), shown first in its root cause (lambdas/checks/infra/changes.ts). ' +
    'Sharing logs and reading team documentation are human steps.',
  'Level 3: Vendor Support': 'Opening a ticket with Coder is a human step.',
  'Log Collection for Scale Tests':
    'Saving logs and events to files is an activity, not a diagnosis; the audit reads the same logs and ' +
    'events (log-error-patterns, pods-pending, pvc-provisioning) every run.',
  'Related Documentation': 'Links.',
  'External Resources': 'Links.',
};

/** GitHub-style anchor of a runbook heading, for links in alerts. */
export function guideAnchor(section: string): string {
  return (
    '#' +
    section
      .toLowerCase()
      .replace(/[^a-z0-9 -]/g, '')
      .replace(/ /g, '-')
  );
}
