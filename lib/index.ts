// The CDK side of coder-auditor for CDK users (`import { CoderAuditor } from 'coder-auditor/cdk'`), with
// aws-cdk-lib and constructs as peer dependencies. The Lambda code ships prebuilt in dist/lambdas.
export {
  alarmPeriod,
  CODER_DEPLOY_SOURCE,
  CoderAuditor,
  deployPatterns,
  type CoderAuditorProps,
} from './coder-auditor.js';
export { CoderAuditorStack, type CoderAuditorStackProps } from './coder-auditor-stack.js';
export { ASL_PATH, FUNCTION_ROLES, type FunctionRole } from './paths.js';
export type { AuditConfig, DeploymentConfig } from '../lambdas/audit/config.js';
