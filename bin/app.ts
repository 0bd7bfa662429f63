#!/usr/bin/env node
// CDK app: `npx cdk synth -c config=FILE` (default examples/config.yaml). Synth is offline: no lookups.
import { resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig, type AuditConfig } from '../lambdas/audit/config.js';
import { ConfigError } from '../lambdas/audit/errors.js';
import { CoderAuditorStack } from '../lib/coder-auditor-stack.js';

const app = new App();
const file = String(app.node.tryGetContext('config') ?? 'examples/config.yaml');
let config: AuditConfig;
try {
  config = loadConfig(resolve(file));
} catch (err) {
  // The same field-naming message as the CLI, without a stack trace.
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
new CoderAuditorStack(app, String(app.node.tryGetContext('stackName') ?? 'CoderAuditor'), {
  config,
  description: 'coder-auditor: scheduled, serverless audit of a self-hosted Coder platform on AWS',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: config.deployments[0]!.aws.region },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
