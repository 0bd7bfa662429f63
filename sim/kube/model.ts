import { z } from 'zod';
import { ConfigError } from '../../lambdas/audit/errors.js';
import { formatIssues } from '../../lambdas/audit/config.js';
import { AccessEntriesSchema } from './access.js';

/**
 * The `kubernetes:` section of a scenario: the objects the Kubernetes twin serves. Collections are maps keyed
 * by `<namespace>/<name>` (and a container's env by variable name) so that a scenario changes, adds or deletes
 * (`null`) one object of its base. Times are minutes before the scenario's `now`.
 */

const minutesAgo = z.number().nonnegative();
const Labels = z.record(z.string(), z.string());
const dnsName = z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'must be a DNS-1123 name');
const objectKey = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'must be <namespace>/<name>');

const KeyRef = z.object({ name: dnsName, key: z.string().min(1) }).strict();
/** An env var: a literal value, or a reference the twin serves as `valueFrom` (never resolved). */
const EnvVar = z.union([
  z.object({ value: z.string() }).strict(),
  z.object({ secretKeyRef: KeyRef }).strict(),
  z.object({ configMapKeyRef: KeyRef }).strict(),
]);
export type SimEnvVar = z.output<typeof EnvVar>;

const Resources = z.object({ requests: Labels.optional(), limits: Labels.optional() }).strict().optional();

const Toleration = z
  .object({
    key: z.string().optional(),
    operator: z.enum(['Equal', 'Exists']).optional(),
    value: z.string().optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.number().int().optional(),
  })
  .strict();

const Terminated = z
  .object({
    reason: z.string(),
    exitCode: z.number().int(),
    message: z.string().optional(),
    startedMinutesAgo: minutesAgo.optional(),
    finishedMinutesAgo: minutesAgo,
  })
  .strict();

const ContainerState = z
  .object({
    running: z.object({ startedMinutesAgo: minutesAgo }).strict().optional(),
    waiting: z.object({ reason: z.string(), message: z.string().optional() }).strict().optional(),
    terminated: Terminated.optional(),
  })
  .strict()
  .refine((s) => [s.running, s.waiting, s.terminated].filter(Boolean).length === 1, {
    message: 'set exactly one of running, waiting, terminated',
  });

/** The spec part of a container (a deployment's template, or a pod's own). */
const ContainerSpec = z
  .object({
    image: z.string().min(1),
    env: z.record(z.string(), EnvVar).default({}),
    resources: Resources,
  })
  .strict();

/** A pod's container: spec (defaults from the owning deployment's template) plus its status. */
const PodContainer = z
  .object({
    image: z.string().min(1).optional(),
    env: z.record(z.string(), EnvVar).optional(),
    resources: Resources,
    ready: z.boolean().default(true),
    restartCount: z.number().int().nonnegative().default(0),
    /** Default: running since the pod was created. */
    state: ContainerState.optional(),
    lastState: z.object({ terminated: Terminated }).strict().optional(),
  })
  .strict();

const Pod = z
  .object({
    ageMinutes: minutesAgo,
    labels: Labels.default({}),
    /** Owning deployment in the same namespace: labels, containers and scheduling come from its template. */
    deployment: dnsName.optional(),
    phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']).default('Running'),
    nodeName: z.string().optional(),
    nodeSelector: Labels.optional(),
    tolerations: z.array(Toleration).optional(),
    /** The PodScheduled condition; `False` + `Unschedulable` + the scheduler's message for a pod that cannot schedule. */
    scheduled: z
      .object({
        status: z.enum(['True', 'False']).default('True'),
        reason: z.string().optional(),
        message: z.string().optional(),
      })
      .strict()
      .default({ status: 'True' }),
    containers: z.record(dnsName, PodContainer).default({}),
  })
  .strict();
export type SimPod = z.output<typeof Pod>;

const Deployment = z
  .object({
    ageMinutes: minutesAgo,
    labels: Labels,
    replicas: z.number().int().nonnegative().default(1),
    readyReplicas: z.number().int().nonnegative().optional(),
    availableReplicas: z.number().int().nonnegative().optional(),
    nodeSelector: Labels.optional(),
    tolerations: z.array(Toleration).optional(),
    containers: z.record(dnsName, ContainerSpec),
  })
  .strict();
export type SimDeployment = z.output<typeof Deployment>;

const Event = z
  .object({
    involvedObject: z.object({ kind: z.string().default('Pod'), name: dnsName }).strict(),
    type: z.enum(['Normal', 'Warning']).default('Warning'),
    reason: z.string(),
    message: z.string(),
    count: z.number().int().positive().default(1),
    firstMinutesAgo: minutesAgo,
    lastMinutesAgo: minutesAgo,
    source: z.string().default('default-scheduler'),
  })
  .strict();
export type SimEvent = z.output<typeof Event>;

/**
 * A log line: verbatim (`line`), or a cdr.dev/slog entry the twin renders in coderd's human format with its
 * real timestamp: `2024-05-01 12:00:00.000 [erro]  coderd: msg  key=value  key="quoted value"`.
 */
const LogLine = z.union([
  z
    .object({
      ageMinutes: minutesAgo,
      line: z.string(),
      /** The line is `line` repeated this many times (long adversarial lines without a long scenario file). */
      repeat: z.number().int().positive().max(100_000).optional(),
    })
    .strict(),
  z
    .object({
      ageMinutes: minutesAgo,
      level: z.enum(['debu', 'info', 'warn', 'erro', 'crit', 'fata']),
      logger: z.string(),
      msg: z.string(),
      fields: z.record(z.string(), z.string()).default({}),
    })
    .strict(),
]);
export type SimLogLine = z.output<typeof LogLine>;

/**
 * cdr.dev/slog's human format (sloghuman): UTC time to the millisecond, the level in brackets, two spaces,
 * `logger: message`, then `key=value` fields two spaces apart, a value quoted (Go %q) when it has a space,
 * a quote, an equals sign or nothing at all.
 */
export function slogHuman(
  at: Date,
  l: { level: string; logger: string; msg: string; fields: Record<string, string> },
): string {
  const ts = at.toISOString().replace('T', ' ').replace('Z', '');
  const fields = Object.entries(l.fields).map(
    ([k, v]) => `  ${k}=${/^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)}`,
  );
  return `${ts} [${l.level}]  ${l.logger}: ${l.msg}${fields.join('')}`;
}

export const KubernetesScenarioSchema = z
  .object({
    /**
     * The cluster's EKS access entries (principal ARN, access policies with their scopes, as
     * `AWS::EKS::AccessEntry` has them). Absent: those the auditor's stacks create for the simulated
     * deployment (see `clusterAccessEntries` in sim/kube/access.ts).
     */
    accessEntries: AccessEntriesSchema.optional(),
    /**
     * In-cluster RBAC: Role rules bound to a Kubernetes group an access entry carries (`kubernetesGroups`),
     * e.g. `get` of the CoreDNS deployment in kube-system by name (resourceNames: that one object, never a
     * `list`), or `list` of metrics.k8s.io pods in the coderd namespace (no access policy grants those).
     */
    roleGrants: z
      .array(
        z
          .object({
            /** The Kubernetes group the RoleBinding names (an access entry's `kubernetesGroups`). */
            group: z.string().min(1),
            namespace: dnsName,
            /** API group of the rule (`''` core, `apps`, `metrics.k8s.io`). */
            apiGroup: z.string().default(''),
            resource: z.string(),
            /** The rule's resourceNames: absent for every object (a `list` needs that). */
            names: z.array(dnsName).optional(),
            verbs: z.array(z.enum(['get', 'list', 'watch'])).default(['get']),
          })
          .strict(),
      )
      .default([]),
    deployments: z.record(objectKey, Deployment).default({}),
    pods: z.record(objectKey, Pod).default({}),
    events: z.record(objectKey, Event).default({}),
    /** Log lines of a pod's (first) container, keyed by `<namespace>/<pod>`. */
    logs: z.record(objectKey, z.array(LogLine)).default({}),
    /**
     * metrics-server samples by `<namespace>/<pod>`: each container's current usage, as the metrics API
     * reports it (`cpu` in cores or millicores, `memory` with a binary suffix). Pods not listed have no sample.
     */
    metrics: z
      .record(objectKey, z.record(dnsName, z.object({ cpu: z.string(), memory: z.string() }).strict()))
      .default({}),
  })
  .strict();
export type KubernetesScenario = z.output<typeof KubernetesScenarioSchema>;

/** Validate a scenario's `kubernetes:` section. */
export function parseKubernetesScenario(doc: unknown, scenario: string): KubernetesScenario {
  const r = KubernetesScenarioSchema.safeParse(doc ?? {});
  if (!r.success) {
    throw new ConfigError(
      `invalid kubernetes section of scenario ${scenario}:\n${formatIssues(r.error.issues)}`,
    );
  }
  return r.data;
}
