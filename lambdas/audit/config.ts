import { parse as parseYaml } from 'yaml';
// A namespace import lets esbuild drop what is unused (the `z` object would keep every locale: 360 KB).
import * as z from 'zod';
import { ConfigError } from './errors.js';
import { readTextFile } from './read-file.js';

const id = (what: string) => z.string().min(1, `${what} must not be empty`);
const sgId = z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id like sg-0123456789abcdef0');

/** Where and how to reach AWS. */
export const AwsSchema = z
  .object({
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-1')
      .describe('AWS region of the deployment (EKS cluster, Aurora, NLB), e.g. us-east-1.'),
    /** Send every AWS call to this endpoint (the simulated deployment, LocalStack...). */
    endpoint: z
      .url()
      .optional()
      .describe(
        'Send every AWS call to this endpoint instead of the regional ones (the simulated deployment, LocalStack); refused by the serverless deployment. Default: the AWS endpoints.',
      ),
    /** Assume this role (read-only auditor role) instead of using the default credentials. */
    roleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN')
      .optional()
      .describe(
        "Read-only auditor role to assume for this deployment (another account, or least privilege). Default: use the caller's credentials (default AWS chain, or the Lambda execution role).",
      ),
    externalId: z
      .string()
      .optional()
      .describe(
        "External id passed to sts:AssumeRole with aws.roleArn, when the role's trust policy requires one.",
      ),
    /** Static credentials: only for the simulated deployment. */
    credentials: z
      .object({
        accessKeyId: z.string().describe('Access key id (simulated deployment only).'),
        secretAccessKey: z.string().describe('Secret access key (simulated deployment only).'),
      })
      .optional()
      .describe(
        'Static credentials, only for the simulated deployment (with aws.roleArn, the credentials that assume the role); refused by the serverless deployment. Default: the default AWS credential chain.',
      ),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(4)
      .describe(
        'Attempts per AWS call, the first included (1-10); throttling and transient errors are retried.',
      ),
    /**
     * SDK retry mode. `standard` retries throttling with exponential backoff and jitter; `adaptive` also
     * rate-limits the client after throttling, which protects a shared account but can slow an audit a lot.
     */
    retryMode: z
      .enum(['standard', 'adaptive'])
      .default('standard')
      .describe(
        'SDK retry mode: standard (exponential backoff with jitter) or adaptive (also rate-limits the client after throttling; gentler on a shared account, can slow an audit a lot).',
      ),
  })
  .strict()
  .describe('Where and how to reach AWS for this deployment.');

export const ThresholdsSchema = z
  .object({
    auroraEventWindowMinutes: z
      .number()
      .int()
      .positive()
      .max(20160, 'RDS keeps events for 14 days (20160 minutes)')
      .default(60)
      .describe(
        'Minutes of Aurora cluster and instance events aurora-recent-events reads (at most 20160, the 14 days RDS keeps).',
      ),
    pendingPodMinutes: z
      .number()
      .int()
      .positive()
      .default(15)
      .describe(
        'Minutes a workspace, coderd or provisioner pod may stay unschedulable before pods-pending reports it.',
      ),
    restartWindowMinutes: z
      .number()
      .int()
      .positive()
      .default(60)
      .describe('Minutes back in which coderd-ready counts container restarts and OOM kills.'),
    logWindowMinutes: z
      .number()
      .int()
      .positive()
      .default(60)
      .describe('Minutes of coderd and provisioner logs log-error-patterns reads.'),
    provisionerKeyMaxAgeDays: z
      .number()
      .int()
      .positive()
      .default(90)
      .describe(
        'Age in days at which provisioner-key-age reports a provisioner key as expired by policy (high).',
      ),
    provisionerKeyWarnDays: z
      .number()
      .int()
      .positive()
      .default(75)
      .describe(
        "Age in days at which provisioner-key-age warns that a key's rotation is due (medium); at most provisionerKeyMaxAgeDays.",
      ),
    longQueryMinutes: z
      .number()
      .positive()
      .default(5)
      .describe(
        'Minutes an active query may run before db-long-running-queries reports it (fractions allowed).',
      ),
    idleInTransactionMinutes: z
      .number()
      .positive()
      .default(5)
      .describe(
        'Minutes a session may sit idle in a transaction before db-idle-in-transaction reports it (fractions allowed).',
      ),
    connectionsWarnPercent: z
      .number()
      .min(1)
      .max(100)
      .default(80)
      .describe(
        'Share of the usable connection slots (max_connections minus reserved) at which db-connections-usage warns; at most connectionsCriticalPercent.',
      ),
    connectionsCriticalPercent: z
      .number()
      .min(1)
      .max(100)
      .default(95)
      .describe('Share of the usable connection slots at which db-connections-usage reports critical.'),
    databaseSizeWarnGiB: z
      .number()
      .positive()
      .default(500)
      .describe('Size of the Coder database, in GiB, at which db-size reports.'),
    dbLatencyWarnMs: z
      .number()
      .positive()
      .default(200)
      .describe('Milliseconds of a SELECT 1 round trip above which db-connectivity reports slowness.'),
    healthzLatencyWarnMs: z
      .number()
      .positive()
      .default(1000)
      .describe(
        'Milliseconds for /healthz through the access URL above which coder-healthz reports slowness (medium).',
      ),
    tokenExpiryWarnDays: z
      .number()
      .int()
      .positive()
      .default(7)
      .describe("Days before the auditor's Coder token expires at which auditor-token-expiry warns."),
    buildWindowMinutes: z
      .number()
      .int()
      .positive()
      .default(60)
      .describe('Minutes back in which workspace-builds counts failed workspace builds.'),
    buildStuckMinutes: z
      .number()
      .int()
      .positive()
      .default(15)
      .describe(
        "Minutes a workspace build may stay pending or starting before workspace-builds reports it (coderd's reaper fails a job pending for 30 minutes).",
      ),
    provisionerQueueMinutes: z
      .number()
      .int()
      .positive()
      .default(5)
      .describe(
        'Minutes a provisioner job may wait in the queue before provisioner-queue reports it, and before template-versions reports a pending import.',
      ),
    ebsQuotaWarnPercent: z
      .number()
      .min(1)
      .max(100)
      .default(80)
      .describe(
        "Share of the region's EBS storage quota (eks.volumeType) in use at which ebs-quota warns (medium); at 100% it fails (high).",
      ),
    natWindowMinutes: z
      .number()
      .int()
      .min(5)
      .max(1440)
      .default(60)
      .describe(
        'Minutes of AWS/NATGateway metrics nat-gateway-capacity sums (5 to 1440); a scheduled read sums at least the natReadEveryHours since the one before.',
      ),
    natReadEveryHours: z
      .number()
      .int()
      .min(1)
      .max(24)
      .default(6)
      .describe(
        'Hours between two reads of the NAT gateway metrics by the scheduled audits (UTC hours divisible by it; 1 reads every run). GetMetricData bills $0.01 per 1,000 metrics, two per gateway: about $0.015 a month per gateway read hourly, more than the rest of a fleet audit. coder-audit run always reads. With a schedule slower than hourly set it to 1 (the stack refuses more: such a schedule may never audit in those hours).',
      ),
    natPacketDropsWarn: z
      .number()
      .int()
      .nonnegative()
      .default(1000)
      .describe(
        'Packets a NAT gateway may drop within natWindowMinutes before nat-gateway-capacity reports it (medium); any ErrorPortAllocation fails.',
      ),
    apiLatencyWarnMs: z
      .number()
      .positive()
      .default(1000)
      .describe(
        "Milliseconds of the auditor's own Coder API calls at which coder-api-latency reports: p95 above it (medium), p50 above it (high).",
      ),
    certificateWarnDays: z
      .number()
      .int()
      .positive()
      .default(21)
      .describe(
        'Days before the access URL certificate expires at which access-url-certificate warns (medium).',
      ),
    certificateFailDays: z
      .number()
      .int()
      .positive()
      .default(7)
      .describe(
        'Days before the access URL certificate expires at which access-url-certificate fails (high); at most certificateWarnDays.',
      ),
    vcpuQuotaWarnPercent: z
      .number()
      .min(1)
      .max(100)
      .default(90)
      .describe(
        'Share of the On-Demand Standard vCPU quota, reached by the node groups at their maximum size, at which ec2-vcpu-quota warns (medium).',
      ),
  })
  .strict()
  .describe('When checks report: ages, windows, sizes and percentages; every field has a default.');

export const TimeoutsSchema = z
  .object({
    /** Client-side timeout of one call (socket/request). */
    callMs: z
      .number()
      .int()
      .positive()
      .default(5_000)
      .describe(
        'Client-side timeout of one call (AWS, Kubernetes, PostgreSQL statement, Coder, OIDC), in milliseconds.',
      ),
    /** Deadline of one check group; what is unread by then becomes `error` findings. */
    groupMs: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe(
        'Deadline of one check group, in milliseconds; what is still unread then becomes error findings. Also sizes the Lambda timeouts.',
      ),
  })
  .strict()
  .describe('Time limits of the audit.');

export const DatabaseSchema = z
  .object({
    host: id('database.host').describe(
      'Host name of the Aurora writer (cluster) endpoint, e.g. coder-prod.cluster-abc.us-east-1.rds.amazonaws.com.',
    ),
    port: z.number().int().min(1).max(65535).default(5432).describe('PostgreSQL port.'),
    database: z.string().default('coder').describe("Name of Coder's database."),
    user: z
      .string()
      .default('coder_auditor')
      .describe(
        'Monitoring role the auditor logs in as (pg_monitor and CONNECT only; see docs/database-monitoring-role.md).',
      ),
    auth: z
      .discriminatedUnion('type', [
        z
          .object({
            type: z
              .literal('iam')
              .describe(
                'IAM database authentication: a token signed with the AWS credentials (rds-db:connect).',
              ),
          })
          .strict(),
        z
          .object({
            type: z.literal('secret').describe('Password from a Secrets Manager secret.'),
            secretId: id('database.auth.secretId').describe(
              'Name or ARN of the Secrets Manager secret holding JSON {"username": "...", "password": "..."} (username optional, default database.user).',
            ),
          })
          .strict(),
      ])
      .describe('How the monitoring role authenticates: {type: iam} or {type: secret, secretId}.'),
    tls: z
      .object({
        /** PEM bundle to verify the server, e.g. the RDS global bundle (default: Node's trust store; in Lambda the runtime bundle). */
        caFile: z
          .string()
          .optional()
          .describe(
            "Local PEM bundle the server certificate must chain to, e.g. the RDS global bundle. Default: Node's trust store (extend it with NODE_EXTRA_CA_CERTS); ignored by the deployed function, which trusts the Lambda runtime bundle.",
          ),
        /** Only for the simulated deployment. */
        disable: z
          .boolean()
          .default(false)
          .describe(
            'Connect without TLS: local experiments only; refused by the serverless deployment. Every audit reports it (a medium db-connectivity finding and a warning line).',
          ),
      })
      .strict()
      .default({ disable: false })
      .describe('TLS to the database: always verified unless disabled.'),
  })
  .strict()
  .describe('The Coder PostgreSQL database (database checks). Default: the database group is skipped.');

export const CoderSchema = z
  .object({
    /** Public access URL (through the NLB), e.g. https://coder.example.com */
    url: z
      .url()
      .describe('Public access URL of Coder (through DNS and the NLB), e.g. https://coder.example.com.'),
    /** Secrets Manager secret holding the auditor's Coder session token. */
    tokenSecretId: id('coder.tokenSecretId').describe(
      "Name or ARN of the Secrets Manager secret whose SecretString is the auditor's Coder session token (<key id>-<secret>, as printed by coder tokens create).",
    ),
    expectedTemplates: z
      .array(z.string())
      .default([])
      .describe(
        'Template names that must exist in the organization, not deprecated, and granted to someone.',
      ),
    organization: z
      .string()
      .default('coder')
      .describe('Coder organization (name or id) whose provisioner keys, daemons and templates are read.'),
    oidc: z
      .object({
        issuerUrl: z
          .url()
          .describe(
            'OIDC issuer URL exactly as coderd is configured (CODER_OIDC_ISSUER_URL); its discovery document is read.',
          ),
        requiredScopes: z
          .array(z.string())
          .default(['openid', 'profile', 'email', 'groups'])
          .describe('Scopes the issuer must support and coderd must request (CODER_OIDC_SCOPES).'),
      })
      .strict()
      .optional()
      .describe('OIDC login checks. Default: oidc-discovery is not run.'),
    /** PEM CA bundle trusted for the access URL and the OIDC issuer (default: the system trust store). */
    caFile: z
      .string()
      .optional()
      .describe(
        'Local PEM CA bundle trusted, besides the public roots, for the access URL and the OIDC issuer (a private CA). Default: the public roots only.',
      ),
    /** Skip TLS verification (never in production; prefer caFile). */
    insecureTls: z
      .boolean()
      .default(false)
      .describe(
        'Skip TLS verification of the access URL and the issuer: local experiments only, prefer caFile; refused by the serverless deployment. Every audit reports it (a medium coder-healthz finding and a warning line).',
      ),
  })
  .strict()
  .describe('The Coder API and OIDC issuer (coder checks). Default: the coder group is skipped.');

/** An alert recipient: an address (every alert of the deployment), or an address with a minimum severity. */
export const AlertRecipientSchema = z.union([
  z.email().describe('An e-mail address: every alert of the deployment.'),
  z
    .object({
      email: z.email().describe('The e-mail address.'),
      minSeverity: z
        .enum(['critical', 'high', 'medium', 'low', 'info'])
        .default('info')
        .describe(
          "Lowest alert severity delivered (an alert's severity is its worst new or escalated failure; could-not-check is medium; resolved-only is info).",
        ),
    })
    .strict(),
]);

export const DeploymentSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes')
      .describe(
        'Short unique name of the deployment (lowercase letters, digits, dashes), e.g. prod; used in reports, alerts, stored findings and `run -d`.',
      ),
    aws: AwsSchema,
    eks: z
      .object({
        clusterName: id('eks.clusterName').describe('Name of the EKS cluster that runs Coder.'),
        /** Every node group the audit inspects. */
        nodegroups: z
          .array(id('node group name'))
          .min(1, 'list at least one node group')
          .describe(
            'Every managed node group the audit inspects (health, capacity, vCPU quota); at least one.',
          ),
        /** Node groups that run workspace pods (taint checks); default: all. */
        workspaceNodegroups: z
          .array(z.string())
          .optional()
          .describe(
            'Node groups that run workspace pods, for the taint checks; each must be listed in nodegroups. Default: all of nodegroups.',
          ),
        /** Kubernetes API overrides (the sim); production reads endpoint and CA from DescribeCluster. */
        apiEndpoint: z
          .url()
          .optional()
          .describe(
            'Kubernetes API URL override, for the simulated deployment. Default: the endpoint (and CA) that DescribeCluster returns.',
          ),
        volumeType: z
          .enum(['gp3', 'gp2'])
          .default('gp3')
          .describe(
            "EBS volume type of the workspaces' storage class: ebs-quota compares the region's volumes of this type with its storage quota.",
          ),
        dnsDeployment: z
          .object({
            namespace: z.string().default('kube-system').describe('Namespace of the cluster DNS deployment.'),
            name: z.string().default('coredns').describe('Name of the cluster DNS deployment.'),
          })
          .strict()
          .default({ namespace: 'kube-system', name: 'coredns' })
          .describe(
            'The cluster DNS deployment cluster-dns reads (the EKS CoreDNS add-on by default); the access entry needs get on it (README, Kubernetes access entry).',
          ),
      })
      .strict()
      .describe('The EKS cluster and its node groups.'),
    aurora: z
      .object({
        clusterId: id('aurora.clusterId').describe('DB cluster identifier of the Aurora PostgreSQL cluster.'),
      })
      .strict()
      .describe('The Aurora PostgreSQL cluster behind Coder.'),
    network: z
      .object({
        /** VPC of the deployment; default: the EKS cluster's VPC. */
        vpcId: z
          .string()
          .regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id')
          .optional()
          .describe("VPC of the deployment, for the VPC endpoint check. Default: the EKS cluster's VPC."),
        dbSecurityGroupId: sgId.describe(
          'Security group of the Aurora cluster; it must admit TCP 5432 from the node security group.',
        ),
        nodeSecurityGroupId: sgId.describe(
          "Security group of the EKS worker nodes (the coderd pods' source).",
        ),
        /** Service names (`ecr.api`, `s3`...) or full names (`com.amazonaws.us-east-1.s3`). */
        requiredVpcEndpoints: z
          .array(z.string())
          .default([])
          .describe(
            'VPC endpoints that must exist and be available: short service names (ecr.api, s3) or full ones (com.amazonaws.us-east-1.s3). Default: none checked.',
          ),
      })
      .strict()
      .describe('Network: the VPC and the security groups between the nodes and the database.'),
    nlb: z
      .object({
        targetGroupArns: z
          .array(
            z
              .string()
              .regex(/^arn:aws[a-z-]*:elasticloadbalancing:/, 'must be a target group ARN')
              .describe('ARN of a target group.'),
          )
          .min(1, 'list at least one target group')
          .describe('Target groups of the NLB in front of coderd; at least one.'),
      })
      .strict()
      .describe('The Network Load Balancer in front of coderd.'),
    coderd: z
      .object({
        /** Port coderd serves on (the Service target port); health checks must use it. */
        port: z
          .number()
          .int()
          .min(1)
          .max(65535)
          .default(8080)
          .describe('Port coderd serves on (the Service target port); the NLB health check must probe it.'),
        healthPath: z.string().default('/healthz').describe('HTTP path the NLB health check must use.'),
        deploymentName: z
          .string()
          .default('coder')
          .describe('Name of the coderd Kubernetes Deployment in the coderd namespace.'),
      })
      .strict()
      .default({ port: 8080, healthPath: '/healthz', deploymentName: 'coder' })
      .describe('The coderd workload.'),
    namespaces: z
      .object({
        coderd: z.string().default('coder').describe('Namespace of coderd.'),
        provisioner: z
          .string()
          .default('coder-prov')
          .describe('Namespace of the external provisioner daemons.'),
        workspaces: z.string().default('coder-ws').describe('Namespace of the workspace pods.'),
      })
      .strict()
      .default({ coderd: 'coder', provisioner: 'coder-prov', workspaces: 'coder-ws' })
      .describe('Kubernetes namespaces the cluster checks read (and the EKS access entry covers).'),
    database: DatabaseSchema.optional(),
    coder: CoderSchema.optional(),
    thresholds: ThresholdsSchema.default(ThresholdsSchema.parse({})),
    timeouts: TimeoutsSchema.default(TimeoutsSchema.parse({})),
    /** E-mail addresses subscribed to the alert topic (deployment). */
    alertEmails: z
      .array(AlertRecipientSchema)
      .default([])
      .describe(
        "Who gets this deployment's alerts in the serverless deployment (each address confirms once): an e-mail address, or {email, minSeverity} to receive only alerts at or above a severity. Other deployments' alerts are filtered out (SNS filter policy on `deployment`). The CLI ignores them.",
      ),
  })
  .strict()
  .describe('One Coder deployment to audit.');

/** Optional settings of the serverless deployment (`npx cdk deploy`); the CLI ignores them. */
export const ServerlessSchema = z
  .object({
    /** Hours after which an open finding is reported once more, as a "Finding still open" event. */
    stillOpenAfterHours: z
      .number()
      .int()
      .min(0)
      .max(8760)
      .optional()
      .describe(
        'Hours after which an open, unmuted failing finding is reported once as a "Finding still open" EventBridge event (docs/alert-routing.md); 0 never. Default: 24.',
      ),
    /** VPC the cluster, database and coder check groups run in (they reach private endpoints). */
    vpcId: z
      .string()
      .regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id')
      .optional()
      .describe(
        'VPC the cluster, database and coder functions run in, to reach private endpoints (imported by id, no lookup). Default: no VPC (public endpoints only).',
      ),
    /** Private subnets (with a route to AWS APIs) for the VPC functions. */
    subnetIds: z
      .array(
        z
          .string()
          .regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id')
          .describe('A subnet id.'),
      )
      .default([])
      .describe(
        'Private subnets of vpcId, with a route to the AWS APIs, for the VPC functions; required with vpcId.',
      ),
    /** Availability zones of `subnetIds`, in the same order; default: unknown (synth stays offline). */
    availabilityZones: z
      .array(
        z
          .string()
          .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, 'must be an AZ')
          .describe('An availability zone.'),
      )
      .optional()
      .describe(
        'Availability zones of subnetIds, one per subnet in the same order. Default: unknown (synth stays offline).',
      ),
    /** Link to the runbook rendered into alerts. */
    runbookUrl: z
      .url()
      .optional()
      .describe(
        'Link to your copy of the troubleshooting runbook, rendered into alerts with each section anchor. Default: no link.',
      ),
    /** Retention of the functions' and the workflow's log groups, in days. */
    logRetentionDays: z
      .number()
      .int()
      .positive()
      .default(90)
      .describe(
        "Retention, in days, of the functions' and the workflow's log groups; a CloudWatch Logs value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365...).",
      ),
    workflowLogLevel: z
      .enum(['ALL', 'ERROR', 'FATAL'])
      .default('ERROR')
      .describe(
        "Step Functions log level of the workflow and its Express children (no execution data either way). ERROR logs failed states and executions; ALL logs every state event, about 60 per deployment and run: $0.008 per deployment-month, a sixth of a fleet audit's cost. The Standard parent's history stays in Step Functions for 90 days at any level; set ALL while debugging the children.",
      ),
    /** Obsolete: the per-deployment audits already run as Express child executions. */
    expressWorkflow: z
      .boolean()
      .default(false)
      .describe(
        'Obsolete, refused when true: the audit of each deployment already runs as an Express child execution of the Standard parent (schedule, debounce, history).',
      ),
    /** Deployments audited at once by one execution. */
    maxConcurrency: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(50)
      .describe(
        'Deployments one execution audits at once (1-1000): Express child executions of the Distributed Map, each auditing up to 10 deployments in parallel, four Lambda invocations each.',
      ),
    /** Aurora cluster resource ids (`cluster-ABC...`) by deployment id, to scope `rds-db:connect`. */
    dbResourceIds: z
      .record(
        z.string(),
        z
          .string()
          .regex(/^cluster-[A-Z0-9]+$/, 'must be a DbClusterResourceId like cluster-ABC123')
          .describe("DbClusterResourceId of that deployment's Aurora cluster, e.g. cluster-ABC123."),
      )
      .default({})
      .describe(
        'Aurora cluster resource ids by deployment id, to scope rds-db:connect to dbuser:<id>/<user>. Default: dbuser:*/<user>.',
      ),
    /**
     * Period, in minutes, of the "no successful audit" alarm (it fires after two periods without a success).
     * Required when `schedule` is a `cron(...)` or `at(...)` expression; default: the `rate(...)` of the schedule.
     */
    alarmPeriodMinutes: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'Period, in minutes, of the "no successful audit" alarm (it fires after two periods without a success); required with a cron(...) or at(...) schedule. Default: the rate(...) of the schedule, at least 5.',
      ),
    /**
     * Customer managed KMS keys (ARNs) that encrypt the secrets the functions read; they get `kms:Decrypt`
     * through Secrets Manager only. Not needed for secrets encrypted with the AWS managed key.
     */
    secretKmsKeyArns: z
      .array(
        z
          .string()
          .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/, 'must be a KMS key ARN')
          .describe('A KMS key ARN.'),
      )
      .default([])
      .describe(
        'Customer managed KMS keys encrypting the database or token secrets; the functions get kms:Decrypt through Secrets Manager only. Not needed with the AWS managed key.',
      ),
  })
  .strict()
  .describe('Settings of the serverless deployment (npx cdk deploy) only; the CLI ignores them.');

const deploymentIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes')
  .describe('A deployment id (deployments[].id).');

const checkIdSchema = (what: string) =>
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, `${what} must be a check id such as db-sg-allows-nodes`)
    .describe('Check id (see `coder-audit checks`).');

/** A mute: an accepted risk on some resources of one check, owned by someone, until a date. */
export const MuteSchema = z
  .object({
    check: checkIdSchema('mutes[].check').describe(
      'Check id whose failing findings it mutes (see `coder-audit checks`). Findings of a check that could not run are never muted.',
    ),
    resource: z
      .string()
      .min(1, 'must not be empty')
      .default('*')
      .describe(
        'Glob over the finding resource (ARN, AWS id, k8s:<namespace>/<kind>/<name>...): * matches any run of characters, / included; ? one character; {a,b} alternatives; [..] a class. Default: every resource of the check.',
      ),
    reasons: z
      .array(
        z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, 'must be a reason code such as no-ingress or EDB02'),
      )
      .min(1, 'list at least one reason code, or leave reasons out for any')
      .optional()
      .describe(
        'Only failing findings that report one of these reason codes of the check (docs/reasons.md), e.g. [image-pull]: the same check failing for another reason still counts. Default: any reason.',
      ),
    deployments: z
      .array(deploymentIdSchema)
      .min(1, 'list at least one deployment, or leave deployments out for all')
      .optional()
      .describe('Only in these deployments. Default: in every deployment.'),
    reason: z
      .string()
      .min(1, 'say why the risk is accepted')
      .describe('Why the risk is accepted; shown beside the finding ("because ...").'),
    owner: z
      .string()
      .min(1, 'say who owns the accepted risk')
      .describe(
        'Who owns the accepted risk (a person, team or e-mail address); shown beside the finding ("by ...").',
      ),
    expires: z
      .union([z.iso.date(), z.iso.datetime({ offset: true })], {
        error: (issue) =>
          issue.input === undefined
            ? 'is required'
            : 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time such as 2026-12-31T18:00:00Z',
      })
      .describe(
        'When the mute ends: a date (YYYY-MM-DD, muted through that day, UTC) or an ISO 8601 date-time. Required: an expired mute is reported and its findings count again.',
      ),
  })
  .strict()
  .describe('A mute: failing findings of one check on matching resources, accepted until a date.');

/** A severity override or a disabled check, in some deployments or all. */
export const OverrideSchema = z
  .object({
    check: checkIdSchema('overrides[].check').describe('Check id it applies to (see `coder-audit checks`).'),
    deployments: z
      .array(deploymentIdSchema)
      .min(1, 'list at least one deployment, or leave deployments out for all')
      .optional()
      .describe('Only in these deployments. Default: in every deployment.'),
    severity: z
      .enum(['critical', 'high', 'medium', 'low', 'info'])
      .optional()
      .describe(
        "Severity of the check's failing and erroring findings instead of the check's own. Default: the check's severity.",
      ),
    disabled: z
      .boolean()
      .default(false)
      .describe('Do not run the check at all (its findings are neither reported nor counted).'),
    reason: z
      .string()
      .min(1, 'say why the check is overridden')
      .describe('Why the severity is changed or the check disabled; shown in the report.'),
  })
  .strict()
  .refine((o) => o.severity !== undefined || o.disabled, {
    message: 'set severity or disabled: true',
  })
  .describe('A severity override or a disabled check.');

export const ConfigSchema = z
  .object({
    deployments: z
      .array(DeploymentSchema)
      .min(1, 'list at least one deployment')
      .describe(
        'The Coder deployments to audit; at least one, ids unique. A file may also hold one deployment alone (its mutes and overrides beside its fields).',
      ),
    /** Schedule expression of the serverless audit. */
    schedule: z
      .string()
      .default('rate(1 hour)')
      .describe(
        'EventBridge Scheduler expression of the serverless audit: rate(...), cron(...) or at(...). The CLI ignores it.',
      ),
    /** Settings of the serverless deployment only. */
    serverless: ServerlessSchema.optional(),
    mutes: z
      .array(MuteSchema)
      .optional()
      .describe(
        'Accepted risks: failing findings matched by check id and resource glob, optionally per deployment, each with a reason, an owner and an expiry date. Muted findings are listed apart and do not count for --fail-on; an expired mute, or one that matches nothing, is reported.',
      ),
    overrides: z
      .array(OverrideSchema)
      .optional()
      .describe(
        'Severity overrides and disabled checks, optionally per deployment, each with a reason. A check is disabled when any override for the deployment disables it; when several set its severity, the last one listed wins.',
      ),
  })
  .strict()
  .describe('coder-auditor configuration: the deployments to audit, for the coder-audit CLI and the CDK app.')
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
      if (t.certificateFailDays > t.certificateWarnDays) {
        ctx.addIssue({
          code: 'custom',
          path: ['deployments', i, 'thresholds', 'certificateFailDays'],
          message: 'must not exceed certificateWarnDays',
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
    const ids = new Set(cfg.deployments.map((d) => d.id));
    for (const key of ['mutes', 'overrides'] as const) {
      (cfg[key] ?? []).forEach((rule, i) => {
        (rule.deployments ?? []).forEach((d, j) => {
          if (!ids.has(d))
            ctx.addIssue({
              code: 'custom',
              path: [key, i, 'deployments', j],
              message: `"${d}" is not a deployment id of this file (have: ${[...ids].join(', ')})`,
            });
        });
      });
    }
  });

export type AuditConfig = z.output<typeof ConfigSchema>;
export type DeploymentConfig = z.output<typeof DeploymentSchema>;
export type DeploymentInput = z.input<typeof DeploymentSchema>;
export type Thresholds = z.output<typeof ThresholdsSchema>;
export type ServerlessConfig = z.output<typeof ServerlessSchema>;
export type MuteRule = z.output<typeof MuteSchema>;
export type AlertRecipient = z.output<typeof AlertRecipientSchema>;
export type OverrideRule = z.output<typeof OverrideSchema>;

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
  let wrapped = doc;
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && !('deployments' in doc)) {
    // A single deployment: its mutes and overrides stay beside it, at the top level.
    const { mutes, overrides, ...deployment } = doc as Record<string, unknown>;
    wrapped = {
      deployments: [deployment],
      ...(mutes !== undefined ? { mutes } : {}),
      ...(overrides !== undefined ? { overrides } : {}),
    };
  }
  const result = ConfigSchema.safeParse(wrapped);
  if (!result.success) throw new ConfigError(`invalid ${source}:\n${formatIssues(result.error.issues)}`);
  return result.data;
}

/** Read and validate a YAML or JSON configuration file. */
export function loadConfig(file: string): AuditConfig {
  let text: string;
  try {
    text = readTextFile(file);
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
