import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.js';

const id = (what: string) => z.string().min(1, `${what} must not be empty`);
const sgId = z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id like sg-0123456789abcdef0');

/** Where and how to reach AWS. */
export const AwsSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-1'),
    /** Send every AWS call to this endpoint (the simulated deployment, LocalStack...). */
    endpoint: z.url().optional(),
    /** Assume this role (read-only auditor role) instead of using the default credentials. */
    roleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN')
      .optional(),
    externalId: z.string().optional(),
    /** Static credentials: only for the simulated deployment. */
    credentials: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }).optional(),
    maxAttempts: z.number().int().min(1).max(10).default(4),
    /**
     * SDK retry mode. `standard` retries throttling with exponential backoff and jitter; `adaptive` also
     * rate-limits the client after throttling, which protects a shared account but can slow an audit a lot.
     */
    retryMode: z.enum(['standard', 'adaptive']).default('standard'),
  })
  .strict();

export const ThresholdsSchema = z
  .object({
    auroraEventWindowMinutes: z
      .number()
      .int()
      .positive()
      .max(20160, 'RDS keeps events for 14 days (20160 minutes)')
      .default(60),
    pendingPodMinutes: z.number().int().positive().default(15),
    restartWindowMinutes: z.number().int().positive().default(60),
    logWindowMinutes: z.number().int().positive().default(60),
    provisionerKeyMaxAgeDays: z.number().int().positive().default(90),
    provisionerKeyWarnDays: z.number().int().positive().default(75),
    longQueryMinutes: z.number().positive().default(5),
    idleInTransactionMinutes: z.number().positive().default(5),
    connectionsWarnPercent: z.number().min(1).max(100).default(80),
    connectionsCriticalPercent: z.number().min(1).max(100).default(95),
    databaseSizeWarnGiB: z.number().positive().default(500),
    dbLatencyWarnMs: z.number().positive().default(200),
    healthzLatencyWarnMs: z.number().positive().default(1000),
    tokenExpiryWarnDays: z.number().int().positive().default(7),
    vcpuQuotaWarnPercent: z.number().min(1).max(100).default(90),
  })
  .strict();

export const TimeoutsSchema = z
  .object({
    /** Client-side timeout of one call (socket/request). */
    callMs: z.number().int().positive().default(5_000),
    /** Deadline of one check group; what is unread by then becomes `error` findings. */
    groupMs: z.number().int().positive().default(30_000),
  })
  .strict();

export const DatabaseSchema = z
  .object({
    host: id('database.host'),
    port: z.number().int().min(1).max(65535).default(5432),
    database: z.string().default('coder'),
    user: z.string().default('coder_auditor'),
    auth: z.discriminatedUnion('type', [
      z.object({ type: z.literal('iam') }).strict(),
      z.object({ type: z.literal('secret'), secretId: id('database.auth.secretId') }).strict(),
    ]),
    tls: z
      .object({
        /** PEM bundle to verify the server, e.g. the RDS global bundle (default: Node's trust store; in Lambda the runtime bundle). */
        caFile: z.string().optional(),
        /** Only for the simulated deployment. */
        disable: z.boolean().default(false),
      })
      .strict()
      .default({ disable: false }),
  })
  .strict();

export const CoderSchema = z
  .object({
    /** Public access URL (through the NLB), e.g. https://coder.example.com */
    url: z.url(),
    /** Secrets Manager secret holding the auditor's Coder session token. */
    tokenSecretId: id('coder.tokenSecretId'),
    expectedTemplates: z.array(z.string()).default([]),
    organization: z.string().default('coder'),
    oidc: z
      .object({
        issuerUrl: z.url(),
        requiredScopes: z.array(z.string()).default(['openid', 'profile', 'email', 'groups']),
      })
      .strict()
      .optional(),
    /** PEM CA bundle trusted for the access URL and the OIDC issuer (default: the system trust store). */
    caFile: z.string().optional(),
    /** Skip TLS verification (never in production; prefer caFile). */
    insecureTls: z.boolean().default(false),
  })
  .strict();

export const DeploymentSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes'),
    aws: AwsSchema,
    eks: z
      .object({
        clusterName: id('eks.clusterName'),
        /** Every node group the audit inspects. */
        nodegroups: z.array(id('node group name')).min(1, 'list at least one node group'),
        /** Node groups that run workspace pods (taint checks); default: all. */
        workspaceNodegroups: z.array(z.string()).optional(),
        /** Kubernetes API overrides (the sim); production reads endpoint and CA from DescribeCluster. */
        apiEndpoint: z.url().optional(),
      })
      .strict(),
    aurora: z.object({ clusterId: id('aurora.clusterId') }).strict(),
    network: z
      .object({
        /** VPC of the deployment; default: the EKS cluster's VPC. */
        vpcId: z
          .string()
          .regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id')
          .optional(),
        dbSecurityGroupId: sgId,
        nodeSecurityGroupId: sgId,
        /** Service names (`ecr.api`, `s3`...) or full names (`com.amazonaws.us-east-1.s3`). */
        requiredVpcEndpoints: z.array(z.string()).default([]),
      })
      .strict(),
    nlb: z
      .object({
        targetGroupArns: z
          .array(z.string().regex(/^arn:aws[a-z-]*:elasticloadbalancing:/, 'must be a target group ARN'))
          .min(1, 'list at least one target group'),
      })
      .strict(),
    coderd: z
      .object({
        /** Port coderd serves on (the Service target port); health checks must use it. */
        port: z.number().int().min(1).max(65535).default(8080),
        healthPath: z.string().default('/healthz'),
        deploymentName: z.string().default('coder'),
      })
      .strict()
      .default({ port: 8080, healthPath: '/healthz', deploymentName: 'coder' }),
    namespaces: z
      .object({
        coderd: z.string().default('coder'),
        provisioner: z.string().default('coder-prov'),
        workspaces: z.string().default('coder-ws'),
      })
      .strict()
      .default({ coderd: 'coder', provisioner: 'coder-prov', workspaces: 'coder-ws' }),
    database: DatabaseSchema.optional(),
    coder: CoderSchema.optional(),
    thresholds: ThresholdsSchema.default(ThresholdsSchema.parse({})),
    timeouts: TimeoutsSchema.default(TimeoutsSchema.parse({})),
    /** E-mail addresses subscribed to the alert topic (deployment). */
    alertEmails: z.array(z.email()).default([]),
  })
  .strict();

/** Optional settings of the serverless deployment (`npx cdk deploy`); the CLI ignores them. */
export const ServerlessSchema = z
  .object({
    /** VPC the cluster, database and coder check groups run in (they reach private endpoints). */
    vpcId: z
      .string()
      .regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id')
      .optional(),
    /** Private subnets (with a route to AWS APIs) for the VPC functions. */
    subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id')).default([]),
    /** Availability zones of `subnetIds`, in the same order; default: unknown (synth stays offline). */
    availabilityZones: z
      .array(z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, 'must be an AZ'))
      .optional(),
    /** Link to the runbook rendered into alerts. */
    runbookUrl: z.url().optional(),
    /** Retention of the functions' and the workflow's log groups, in days. */
    logRetentionDays: z.number().int().positive().default(90),
    /** Express instead of Standard workflow (no debounce wait above 4 minutes then). */
    expressWorkflow: z.boolean().default(false),
    /** Deployments audited at once by one execution. */
    maxConcurrency: z.number().int().min(1).max(40).default(4),
    /** Aurora cluster resource ids (`cluster-ABC...`) by deployment id, to scope `rds-db:connect`. */
    dbResourceIds: z
      .record(
        z.string(),
        z.string().regex(/^cluster-[A-Z0-9]+$/, 'must be a DbClusterResourceId like cluster-ABC123'),
      )
      .default({}),
    /**
     * Period, in minutes, of the "no successful audit" alarm (it fires after two periods without a success).
     * Required when `schedule` is a `cron(...)` or `at(...)` expression; default: the `rate(...)` of the schedule.
     */
    alarmPeriodMinutes: z.number().int().positive().optional(),
    /**
     * Customer managed KMS keys (ARNs) that encrypt the secrets the functions read; they get `kms:Decrypt`
     * through Secrets Manager only. Not needed for secrets encrypted with the AWS managed key.
     */
    secretKmsKeyArns: z
      .array(z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/, 'must be a KMS key ARN'))
      .default([]),
  })
  .strict();

export const ConfigSchema = z
  .object({
    deployments: z.array(DeploymentSchema).min(1, 'list at least one deployment'),
    /** Schedule expression of the serverless audit. */
    schedule: z.string().default('rate(1 hour)'),
    /** Settings of the serverless deployment only. */
    serverless: ServerlessSchema.optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.deployments.forEach((d, i) => {
      if (seen.has(d.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['deployments', i, 'id'],
          message: `duplicate deployment id "${d.id}"`,
        });
      }
      seen.add(d.id);
      const t = d.thresholds;
      if (t.connectionsWarnPercent > t.connectionsCriticalPercent) {
        ctx.addIssue({
          code: 'custom',
          path: ['deployments', i, 'thresholds', 'connectionsWarnPercent'],
          message: 'must not exceed connectionsCriticalPercent',
        });
      }
      if (t.provisionerKeyWarnDays > t.provisionerKeyMaxAgeDays) {
        ctx.addIssue({
          code: 'custom',
          path: ['deployments', i, 'thresholds', 'provisionerKeyWarnDays'],
          message: 'must not exceed provisionerKeyMaxAgeDays',
        });
      }
      for (const ng of d.eks.workspaceNodegroups ?? []) {
        if (!d.eks.nodegroups.includes(ng)) {
          ctx.addIssue({
            code: 'custom',
            path: ['deployments', i, 'eks', 'workspaceNodegroups'],
            message: `"${ng}" is not listed in eks.nodegroups`,
          });
        }
      }
    });
  });

export type AuditConfig = z.output<typeof ConfigSchema>;
export type DeploymentConfig = z.output<typeof DeploymentSchema>;
export type DeploymentInput = z.input<typeof DeploymentSchema>;
export type Thresholds = z.output<typeof ThresholdsSchema>;
export type ServerlessConfig = z.output<typeof ServerlessSchema>;

/** Render zod issues as `field.path: problem` lines. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const path = i.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
      const message = / received undefined$/.test(i.message) ? 'is required' : i.message;
      return `  ${path || '(root)'}: ${message}`;
    })
    .join('\n');
}

/** Validate an already parsed document: a single deployment or `{ deployments: [...] }`. */
export function parseConfig(doc: unknown, source = 'configuration'): AuditConfig {
  const wrapped =
    doc && typeof doc === 'object' && !Array.isArray(doc) && !('deployments' in doc)
      ? { deployments: [doc] }
      : doc;
  const result = ConfigSchema.safeParse(wrapped);
  if (!result.success) throw new ConfigError(`invalid ${source}:\n${formatIssues(result.error.issues)}`);
  return result.data;
}

/** Read and validate a YAML or JSON configuration file. */
export function loadConfig(file: string): AuditConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read configuration file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new ConfigError(`configuration file ${file} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  return parseConfig(doc, `configuration file ${file}`);
}

/** JSON Schema of the configuration file, for editors. */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' });
}
