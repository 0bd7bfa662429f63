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
