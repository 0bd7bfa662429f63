// The CDK side of coder-auditor for CDK users (`import { CoderAuditor } from 'coder-auditor/cdk'`), with
// aws-cdk-lib and constructs as peer dependencies. The Lambda code ships prebuilt in dist/lambdas.
export {
  alarmPeriod,
  CODER_DEPLOY_SOURCE,
  CoderAuditor,
  DEFAULT_MAX_CONCURRENCY,
  deployEventPattern,
  deployPatterns,
  MAX_DEPLOYMENTS,
  type CoderAuditorProps,
} from './coder-auditor.js';
export { CoderAuditorStack, type CoderAuditorStackProps } from './coder-auditor-stack.js';
export { CoderAuditorTarget, type CoderAuditorTargetProps } from './target.js';
export { AuditorAlerts, type AuditorAlertsProps } from './alerts.js';
export { AuditorConfiguration, type AuditorConfigurationProps } from './configuration.js';
export { AuditorFunctions, type AuditorFunctionsProps } from './functions.js';
export { AuditorStore, type AuditorStoreProps } from './store.js';
export { AuditorTriggers, type AuditorTriggersProps } from './triggers.js';
export { AuditorWorkflow, type AuditorWorkflowProps } from './workflow.js';
export { accessEntryPlan } from './access-entries.js';
export { ASL_PATH, FUNCTION_ROLES, type FunctionRole } from './paths.js';
export type { AuditConfig, DeploymentConfig } from '../lambdas/audit/config.js';
