import type { CausalLink, FindingPattern } from '../audit/causality.js';
import { Component, SkipReason, Status, type ScopeKey } from '../audit/model.js';
import type { CheckId, ReasonOf } from './meta.js';

/** The findings of a check with one of `reasons` (none: any reason). Type-checked against the metadata. */
function on<C extends CheckId>(check: C, ...reasons: ReasonOf<C>[]): FindingPattern {
  return reasons.length ? { check, reasons } : { check };
}

/** The `skipped` findings of a check with one of `reasons` (skip reasons): what a cause left unchecked. */
function skippedOn(check: CheckId, ...reasons: SkipReason[]): FindingPattern {
  return { check, status: Status.Skipped, reasons };
}

/** `on(...)` narrowed to findings with one of the scope values, per key. */
function where<C extends CheckId>(
  filter: Partial<Record<ScopeKey, readonly string[]>>,
  check: C,
  ...reasons: ReasonOf<C>[]
): FindingPattern {
  return { ...on(check, ...reasons), where: filter };
}

/** coderd exits, restarts or stays unready: what losing a dependency it needs at start does to it. */
const CODERD_EXITS = on(
  'coderd-ready',
  'crash-loop',
  'not-ready',
  'restarting',
  'no-replica-available',
  'replicas-unavailable',
);

/** Reasons of a check that mean the database does not serve coderd. */
const DB_DOWN = {
  sg: on('db-sg-allows-nodes'),
  aurora: on('aurora-cluster-available', 'missing', 'cluster-unavailable', 'no-writer', 'writer-unavailable'),
  // Not `auth`, `tls` or `other`: those are as likely the auditor's own credentials or CA bundle.
  connectivity: on('db-connectivity', 'refused', 'timeout', 'not-found', 'dns'),
  saturated: on('db-connections-usage', 'saturated'),
  failover: on('aurora-recent-events', 'failure', 'failover'),
};
/** coderd pods that do not serve. */
const CODERD_DOWN = on(
  'coderd-ready',
  'deployment-missing',
  'no-replica-available',
  'replicas-unavailable',
  'unschedulable',
  'container-blocked',
  'crash-loop',
  'not-ready',
);
/** The coderd deployment short of replicas. */
const CODERD_SHORT = on('coderd-ready', 'no-replica-available', 'replicas-unavailable');
/** Database errors in coderd's logs. */
const DB_LOG = where(
  { component: ['coderd'] },
  'log-error-patterns',
  'database-connection-refused',
  'database-timeout',
  'too-many-clients',
);
/** The access URL failing from outside. */
const URL_DOWN = on('coder-healthz', 'unreachable', 'bad-status');
/** coderd's health report: the access URL and websocket (through the access URL) failing from inside. */
const HEALTH_URL = on('coder-health-report', 'EACS03', 'EACS04', 'EWS01', 'EWS02', 'EWS03');
/** Pods that never leave Pending for lack of nodes. */
const PODS_NO_ROOM = on('pods-pending', 'insufficient-resources', 'too-many-pods');

/**
 * The causal graph of the runbook, as data: which failing finding explains which, typed on check ids and
 * reasons (a test checks each against the metadata), narrowed by scope. Most upstream first: the order is
 * the tie-break when a symptom has several causes at the same depth. Links deliberately not made are listed
 * in docs/root-causes.md with the reason.
 */
export const CAUSAL_GRAPH: readonly CausalLink[] = [
  // Capacity: quota → node group → pending pods → coderd / provisioners → NLB → /healthz.
  {
    causes: [on('ec2-vcpu-quota', 'exceeded')],
    symptoms: [on('nodegroup-health', 'vcpu-limit-exceeded')],
    because: 'Instances beyond the On-Demand vCPU quota fail to launch (VcpuLimitExceeded).',
  },
  {
    causes: [on('nodegroup-taints-tolerated')],
    symptoms: [on('pods-pending', 'untolerated-taint')],
    same: ['nodegroup', 'namespace'],
    because:
      "The scheduler rejects nodes whose taints the pods do not tolerate: one fact, the node group's side first.",
  },
  {
    causes: [
      on('nodegroup-capacity', 'at-max', 'inconsistent-sizes'),
      on('nodegroup-health', 'vcpu-limit-exceeded', 'degraded'),
    ],
    symptoms: [PODS_NO_ROOM],
    same: ['nodegroup'],
    because: 'Pods stay Pending when the node group they need cannot add nodes.',
  },
  {
    causes: [on('ebs-quota', 'exceeded')],
    symptoms: [on('pvc-provisioning', 'ebs-quota')],
    because: "CreateVolume fails with VolumeLimitExceeded once the type's storage quota is used up.",
  },
  {
    causes: [on('pvc-provisioning', 'ebs-quota', 'provisioning-failed')],
    symptoms: [on('pods-pending', 'unbound-pvc')],
    same: ['namespace'],
    because: 'A pod waits on its unbound claim while the volume behind it cannot be created.',
  },
  {
    causes: [on('pods-pending')],
    symptoms: [
      on('coderd-ready', 'unschedulable', 'no-replica-available', 'replicas-unavailable'),
      on('provisioners-ready', 'unschedulable'),
    ],
    same: ['workload'],
    because: 'A Pending coderd or provisioner pod is never Ready.',
  },
  // Cluster DNS: coderd resolves its database, provisioners resolve coderd, through it.
  {
    causes: [on('cluster-dns', 'missing', 'unavailable')],
    symptoms: [
      CODERD_EXITS,
      on('provisioners-ready', 'crash-loop', 'not-ready'),
      // `dial tcp: lookup <aurora endpoint> on 172.20.0.10:53: ... i/o timeout` reads as a database timeout.
      where({ component: ['coderd'] }, 'log-error-patterns', 'database-timeout'),
    ],
    because:
      'Without cluster DNS coderd cannot resolve its database (its log shows the lookup timing out) and provisioners cannot resolve coderd.',
  },
  // Images: VPC endpoints → image pulls from the registries they serve → the pods' workloads.
  {
    causes: [where({ endpoint: ['ecr.api', 'ecr.dkr', 's3'] }, 'vpc-endpoints-available')],
    symptoms: [where({ registry: ['ecr'] }, 'pods-config-errors', 'image-pull')],
    because:
      "Private nodes pull images of the region's ECR through the ecr.api and ecr.dkr endpoints, layers through s3.",
  },
  {
    causes: [on('nat-gateway-capacity', 'port-exhaustion', 'packet-drops', 'blackhole-route')],
    symptoms: [on('pods-config-errors', 'image-pull')],
    because:
      'Pulls from registries outside the VPC (Docker Hub, GHCR) go through the NAT gateway: out of ports, or gone from the route, it drops them.',
  },
  {
    causes: [on('pods-config-errors')],
    symptoms: [
      on('coderd-ready', 'container-blocked', 'no-replica-available', 'replicas-unavailable'),
      on('provisioners-ready', 'container-blocked', 'not-ready'),
    ],
    same: ['workload'],
    because: 'A container that cannot be created (missing secret, key, image) never makes its pod Ready.',
  },
  // Database: security group, Aurora status, saturation → coderd, its logs, its health report.
  {
    causes: [on('aurora-cluster-available')],
    symptoms: [on('aurora-recent-events')],
    because: "The cluster's recent events describe the status it is in.",
  },
  {
    causes: [on('aurora-recent-events', 'failure')],
    symptoms: [on('aurora-recent-events', 'failover', 'notification')],
    because: 'A failure triggers the failover and the notifications that follow it.',
  },
  {
    causes: [on('aurora-recent-events', 'failover')],
    symptoms: [on('aurora-recent-events', 'notification')],
    because: 'The notifications of a failover window belong to the failover.',
  },
  {
    causes: [DB_DOWN.sg, DB_DOWN.aurora],
    symptoms: [DB_DOWN.connectivity],
    because:
      'The database does not accept connections while Aurora is down or its security group drops them.',
  },
  {
    causes: [DB_DOWN.saturated],
    symptoms: [on('db-connectivity', 'saturated')],
    because: 'With every connection slot taken, new connections are turned away (too many clients).',
  },
  {
    causes: [DB_DOWN.sg, DB_DOWN.aurora, DB_DOWN.connectivity],
    symptoms: [CODERD_EXITS],
    because: 'coderd exits or stays unready without its database (Aurora on 5432).',
  },
  {
    causes: [DB_DOWN.failover],
    symptoms: [on('coderd-ready', 'crash-loop', 'restarting', 'not-ready')],
    because: 'A failover drops every database connection: coderd restarts.',
  },
  {
    causes: [DB_LOG],
    symptoms: [on('coderd-ready', 'crash-loop', 'not-ready', 'restarting'), CODERD_SHORT],
    because: "coderd's own log says why it exits: its database refuses, times out or has no slot left.",
  },
  {
    causes: [DB_DOWN.sg, DB_DOWN.aurora, DB_DOWN.connectivity, DB_DOWN.failover],
    symptoms: [
      where(
        { component: ['coderd'] },
        'log-error-patterns',
        'database-connection-refused',
        'database-timeout',
      ),
    ],
    because: 'An unreachable database shows as connection errors in the coderd logs.',
  },
  {
    causes: [DB_DOWN.saturated, on('db-connectivity', 'saturated')],
    symptoms: [where({ component: ['coderd'] }, 'log-error-patterns', 'too-many-clients')],
    because: 'PostgreSQL answers "sorry, too many clients already" when the connection slots run out.',
  },
  {
    causes: [DB_DOWN.sg, DB_DOWN.aurora, DB_DOWN.connectivity, DB_DOWN.failover, DB_DOWN.saturated],
    symptoms: [on('coder-health-report', 'EDB01')],
    because: "coderd's own database ping fails for the same reason.",
  },
  {
    causes: [
      DB_DOWN.saturated,
      on('db-connectivity', 'slow'),
      on('aurora-cluster-available', 'operation-in-progress', 'reader-unavailable'),
      DB_DOWN.failover,
    ],
    symptoms: [on('coder-health-report', 'EDB02')],
    because: "coderd's database ping is slow while the database is saturated, slow, busy or failing over.",
  },
  {
    causes: [CODERD_SHORT],
    symptoms: [
      on(
        'coderd-ready',
        'unschedulable',
        'container-blocked',
        'oom-killed',
        'crash-loop',
        'restarting',
        'not-ready',
      ),
    ],
    same: ['workload'],
    because: "The deployment's missing replicas are its pods that do not run: one problem, pod by pod.",
  },
  // High API latency: the database connection pool, coderd short of replicas.
  {
    causes: [
      DB_DOWN.saturated,
      on('db-connectivity', 'slow', 'saturated'),
      on('coderd-ready', 'replicas-unavailable', 'restarting', 'oom-killed'),
    ],
    symptoms: [on('coder-api-latency')],
    because:
      'coderd answers slowly when its database is saturated or slow, or fewer replicas carry the load.',
  },
  {
    causes: [on('coderd-resources', 'cpu-throttled', 'memory-near-limit')],
    symptoms: [on('coder-api-latency')],
    because:
      'A coderd throttled at its CPU limit, or collecting garbage at its memory limit, answers slowly.',
  },
  {
    causes: [on('coderd-resources', 'memory-near-limit')],
    symptoms: [on('coderd-ready', 'oom-killed', 'restarting')],
    same: ['workload'],
    because: 'A coderd at its memory limit is OOM-killed at the next spike and restarts.',
  },
  // coderd → NLB targets → /healthz through the access URL → the health report's access URL and websocket.
  {
    causes: [CODERD_DOWN],
    symptoms: [on('nlb-targets-healthy', 'none-healthy', 'some-unhealthy', 'no-targets')],
    because: 'NLB targets are healthy only when coderd answers its health check.',
  },
  {
    causes: [on('nlb-health-check-config')],
    symptoms: [on('nlb-targets-healthy', 'none-healthy', 'some-unhealthy')],
    same: ['targetGroup'],
    because: 'A health check on the wrong protocol, path or port fails on a coderd that is ready.',
  },
  {
    causes: [on('nlb-targets-healthy', 'none-healthy', 'no-targets', 'target-group-missing')],
    symptoms: [URL_DOWN, HEALTH_URL],
    because: 'The access URL reaches coderd only through healthy NLB targets.',
  },
  {
    causes: [on('access-url-certificate', 'expired')],
    symptoms: [URL_DOWN, HEALTH_URL],
    because: 'TLS clients refuse an expired certificate: the access URL fails from outside and from coderd.',
  },
  {
    causes: [on('coderd-ready', 'deployment-missing', 'no-replica-available')],
    symptoms: [URL_DOWN],
    because: 'With no coderd replica, nothing answers the access URL.',
  },
  {
    causes: [URL_DOWN],
    symptoms: [HEALTH_URL],
    because: "coderd's access URL and websocket checks go through the same URL that fails from outside.",
  },
  // Provisioners: key → pods → daemons → the health report's provisioner section; the key in their logs.
  {
    causes: [on('provisioner-key-age', 'expired')],
    symptoms: [
      on('provisioners-ready', 'crash-loop', 'not-ready'),
      on('provisioner-daemons', 'none-online'),
      where({ component: ['provisioner'] }, 'log-error-patterns', 'token-expired'),
    ],
    because: 'Provisioners with an expired key are refused by coderd: they cannot register or take builds.',
  },
  {
    causes: [
      on('provisioners-ready', 'no-pods', 'unschedulable', 'container-blocked', 'crash-loop', 'not-ready'),
    ],
    symptoms: [on('provisioner-daemons', 'none-online')],
    because: 'Provisioner daemons register only from running, ready provisioner pods.',
  },
  {
    causes: [on('provisioner-daemons', 'none-online')],
    symptoms: [on('coder-health-report', 'EPD01')],
    because: "coderd's health report sees the same missing daemons (EPD01).",
  },
  {
    causes: [on('provisioner-daemons', 'version-skew')],
    symptoms: [on('coder-health-report', 'EPD02', 'EPD03')],
    because: "coderd's health report sees the same daemon version skew (EPD02, EPD03).",
  },
  // Workspace builds: quota, throttling, provisioners and unschedulable pods → failed or stuck builds.
  {
    causes: [on('ec2-vcpu-quota', 'exceeded'), on('nodegroup-health', 'vcpu-limit-exceeded')],
    symptoms: [on('workspace-builds', 'quota-exceeded')],
    because:
      'Instances beyond the On-Demand vCPU quota fail to launch: builds that need them fail on the limit.',
  },
  {
    causes: [on('provisioner-daemons', 'none-online')],
    symptoms: [on('provisioner-queue', 'workers-offline')],
    because: 'Pending jobs wait when every daemon that could take them is offline.',
  },
  {
    causes: [
      on('provisioner-key-age', 'expired'),
      on('provisioner-daemons', 'none-online'),
      on('provisioner-queue'),
    ],
    symptoms: [on('workspace-builds', 'no-provisioner', 'stuck-pending')],
    because: 'Builds whose jobs no daemon takes wait in the queue until coderd fails them after 30 minutes.',
  },
  {
    causes: [on('pods-pending')],
    symptoms: [on('workspace-builds', 'timeout', 'stuck-starting')],
    same: ['namespace'],
    because: 'A workspace pod that never schedules keeps its build running until Terraform times out.',
  },
  {
    causes: [on('provisioner-daemons', 'none-online'), on('provisioner-queue')],
    symptoms: [on('template-versions', 'import-stuck')],
    because: 'A template import is a provisioner job too: it waits in the same queue for the same daemons.',
  },
  {
    causes: [on('workspace-builds', 'provider-throttling')],
    symptoms: [where({ component: ['provisioner'] }, 'log-error-patterns', 'aws-api-rate-limit')],
    because: "The provisioners log the rate limit that failed the builds' provider calls.",
  },
  {
    causes: [on('workspace-builds', 'terraform-error')],
    symptoms: [where({ component: ['provisioner'] }, 'log-error-patterns', 'terraform-plan-failed')],
    because: 'The provisioners log the Terraform errors of the builds that failed.',
  },
  // Workspace agents: they dial coderd through the access URL and run in the workspace pods.
  {
    causes: [URL_DOWN, on('coderd-ready', 'deployment-missing', 'no-replica-available')],
    symptoms: [on('workspace-agents', 'disconnected', 'timeout')],
    because: 'Agents reach coderd through the access URL: with it down they disconnect or never connect.',
  },
  {
    causes: [on('pods-pending'), on('pods-config-errors')],
    symptoms: [on('workspace-agents', 'timeout', 'disconnected')],
    same: ['namespace'],
    because: 'An agent runs in its workspace pod: a pod that is not scheduled or cannot start has no agent.',
  },
  // Identity provider: discovery → authentication errors in the coderd logs. Not `no-groups`: logins work,
  // only group sync has nothing to read.
  {
    causes: [on('oidc-discovery', 'unreachable', 'issuer-mismatch', 'incomplete', 'scopes-unsupported')],
    symptoms: [where({ component: ['coderd'] }, 'log-error-patterns', 'oidc-callback-failed')],
    because: 'Logins fail at the OIDC callback when the issuer cannot be discovered or does not match.',
  },
  // The auditor itself: a token without the role to read a check's facts leaves that check unchecked. Only
  // `skipped` findings link here: what the token could not read is never a cause, nor a symptom, of a failure.
  {
    causes: [on('coder-token-role')],
    symptoms: [
      skippedOn('coder-health-report', SkipReason.RoleGap),
      skippedOn('provisioner-daemons', SkipReason.RoleGap),
      skippedOn('provisioner-key-age', SkipReason.RoleGap),
      skippedOn('templates-available', SkipReason.RoleGap),
      skippedOn('provisioner-queue', SkipReason.RoleGap),
      skippedOn('workspace-builds', SkipReason.RoleGap),
      skippedOn('workspace-agents', SkipReason.RoleGap),
    ],
    because: "The auditor's token lacks the role that reads these facts: the checks are skipped, not passed.",
  },
];

/**
 * When a component that remediation commands go through is down, by the findings that say so: a report
 * that has one never prints a command through it (see `Remediation.needs`).
 */
export const DOWN_WHEN: Readonly<Record<Component, readonly FindingPattern[]>> = {
  [Component.Coderd]: [on('coderd-ready', 'deployment-missing', 'no-replica-available')],
  [Component.CoderApi]: [URL_DOWN, on('coderd-ready', 'deployment-missing', 'no-replica-available')],
};
