import { defineMetas } from '../../audit/check.js';
import { GuideSection } from '../../audit/guide.js';

/**
 * Metadata of the cluster checks, written once: id (the key), severity, title, description, risk, runbook
 * section and the reasons each can report (see lambdas/checks/infra/meta.ts).
 */
export const CLUSTER_META = defineMetas('cluster', {
  'pods-pending': {
    severity: 'high',
    title: 'Pods are not stuck in Pending',
    description:
      'Finds workspace, coderd and provisioner pods that the scheduler could not place for longer than the ' +
      'threshold and groups them by namespace and by the cause in the scheduler message (capacity, ' +
      'untolerated taint, node selector, PVC, pod limit).',
    risk: 'Users wait for workspaces that never start; a coderd or provisioner pod that cannot be placed never serves.',
    guideSection: GuideSection.PodsPending,
    reasons: {
      'insufficient-resources': {
        message: 'No node has the CPU, memory or other resource the pods request.',
        severity: 'high',
      },
      'too-many-pods': { message: 'Every node runs its maximum number of pods.', severity: 'high' },
      'untolerated-taint': { message: 'The nodes carry a taint the pods do not tolerate.', severity: 'high' },
      'node-selector': {
        message: "No node matches the pods' node selector or affinity.",
        severity: 'high',
      },
      'unbound-pvc': { message: 'The pods wait for a PersistentVolumeClaim to bind.', severity: 'high' },
      unschedulable: { message: 'The scheduler cannot place the pods.', severity: 'high' },
    },
  },
  'nodegroup-taints-tolerated': {
    severity: 'high',
    title: 'Workspace pods tolerate the taints of the node groups they target',
    description:
      'Compares the taints of each workspace node group (EKS DescribeNodegroup) with the tolerations of the ' +
      'workspace pods that target it (nodeSelector/affinity on its labels) or wait unscheduled.',
    risk: 'Pods without the toleration can never schedule on the workspace nodes and stay Pending.',
    guideSection: GuideSection.PodsPending,
    reasons: {
      'untolerated-taint': {
        message: 'Workspace pods do not tolerate a taint of the node group they target.',
        severity: 'high',
      },
    },
  },
  'coderd-ready': {
    severity: 'critical',
    title: 'coderd pods are ready and stable',
    description:
      'Checks the coderd deployment (available vs desired replicas) and each of its pods: Ready, ' +
      'CrashLoopBackOff or other waiting states, restarts within the window, and OOMKilled terminations.',
    risk: 'Without ready coderd pods the NLB has no healthy targets: the Coder URL returns 502/503.',
    guideSection: GuideSection.NlbHealth,
    reasons: {
      'deployment-missing': { message: 'The coderd deployment does not exist.', severity: 'critical' },
      'no-replica-available': { message: 'No coderd replica is available.', severity: 'critical' },
      'replicas-unavailable': {
        message: 'Fewer coderd replicas are available than desired.',
        severity: 'critical',
      },
      unschedulable: { message: 'A coderd pod cannot be scheduled.', severity: 'critical' },
      'container-blocked': {
        message: 'The coderd container cannot be created (configuration or image).',
        severity: 'critical',
      },
      'oom-killed': { message: 'The coderd container was OOMKilled.', severity: 'critical' },
      'crash-loop': { message: 'The coderd container is in CrashLoopBackOff.', severity: 'critical' },
      restarting: { message: 'The coderd container restarted within the window.', severity: 'critical' },
      'not-ready': { message: 'A coderd pod is not Ready.', severity: 'critical' },
    },
  },
  'provisioners-ready': {
    severity: 'high',
    title: 'External provisioners are running and ready',
    description: 'Checks that provisioner pods exist in the provisioner namespace and are Running and Ready.',
    risk: 'Without a ready provisioner, workspace builds queue until they time out.',
    guideSection: GuideSection.ProvisioningTimeouts,
    reasons: {
      'no-pods': { message: 'No provisioner pod runs.', severity: 'high' },
      unschedulable: { message: 'A provisioner pod cannot be scheduled.', severity: 'high' },
      'container-blocked': {
        message: 'The provisioner container cannot be created (configuration or image).',
        severity: 'high',
      },
      'crash-loop': { message: 'The provisioner container is in CrashLoopBackOff.', severity: 'high' },
      'not-ready': { message: 'A provisioner pod is not Running and Ready.', severity: 'high' },
      'failed-pod': { message: 'A Failed provisioner pod lingers next to running ones.', severity: 'low' },
    },
  },
  'pods-config-errors': {
    severity: 'high',
    title: 'No pod is blocked by a missing secret or an image pull failure',
    description:
      'Finds containers waiting in CreateContainerConfigError (missing secret, config map or key) or ' +
      'ImagePullBackOff/ErrImagePull in the coderd, provisioner and workspaces namespaces.',
    risk: 'The container never starts: coderd loses its database credentials, or workspaces never boot.',
    guideSection: GuideSection.DatabaseConnection,
    reasons: {
      'missing-secret': { message: 'A container references a secret that does not exist.', severity: 'high' },
      'missing-secret-key': {
        message: 'A container references a key its secret does not have.',
        severity: 'high',
      },
      'missing-config-map': {
        message: 'A container references a config map (or a key of it) that does not exist.',
        severity: 'high',
      },
      'config-error': { message: 'A container cannot be created from its configuration.', severity: 'high' },
      'image-pull': { message: "A container's image cannot be pulled.", severity: 'high' },
      'invalid-image': { message: "A container's image name is invalid.", severity: 'high' },
    },
  },
  'oidc-config': {
    severity: 'high',
    title: 'coderd OIDC configuration is complete',
    description:
      "Reads the coderd deployment's container env: CODER_OIDC_ISSUER_URL is set, CODER_OIDC_SCOPES " +
      'includes the required scopes (default openid, profile, email, groups; groups only for a provider with a ' +
      'groups scope) and CODER_OIDC_GROUP_FIELD names the claim of a provider that puts groups in a claim. ' +
      'Secret references are not read.',
    risk: 'Without the groups scope, group sync and template ACLs fail; without an issuer users cannot log in.',
    guideSection: GuideSection.Oidc,
    reasons: {
      'issuer-unset': { message: 'CODER_OIDC_ISSUER_URL is not set.', severity: 'high' },
      'scopes-missing': { message: 'CODER_OIDC_SCOPES lacks required scopes.', severity: 'high' },
      'group-field-unset': {
        message: 'The identity provider delivers groups in a claim, but CODER_OIDC_GROUP_FIELD is not set.',
        severity: 'high',
      },
      'no-groups': {
        message: 'Group sync is expected but the identity provider puts no groups in its tokens.',
        severity: 'high',
      },
    },
  },
  'log-error-patterns': {
    severity: 'medium',
    title: 'No runbook error patterns in coderd and provisioner logs',
    description:
      'Counts the runbook error patterns (connection refused, database timeout, terraform plan failed, AWS API ' +
      "rate limit, OIDC callback failed, token expired) and PostgreSQL's too many clients in the coderd and " +
      'provisioner logs of the window, one finding per pattern (connection refused to the database apart).',
    risk: 'These errors precede outages: database loss, failed builds, throttled provisioning, failed logins.',
    guideSection: GuideSection.LogPatterns,
    reasons: {
      'database-connection-refused': {
        message: 'Connections to the database are refused.',
        severity: 'high',
      },
      'database-timeout': { message: 'Database operations time out.', severity: 'high' },
      'too-many-clients': {
        message: 'PostgreSQL turns connections away: too many clients.',
        severity: 'high',
      },
      'connection-refused': {
        message: 'Connections to a service other than the database are refused.',
        severity: 'medium',
      },
      'terraform-plan-failed': { message: 'Terraform plans of workspace builds fail.', severity: 'medium' },
      'aws-api-rate-limit': { message: 'AWS API calls are throttled.', severity: 'medium' },
      'oidc-callback-failed': { message: 'OIDC login callbacks fail.', severity: 'medium' },
      'token-expired': { message: 'Requests fail with an expired token.', severity: 'medium' },
    },
  },
  'cluster-dns': {
    severity: 'critical',
    title: 'Cluster DNS is available',
    description:
      'Reads the cluster DNS deployment (eks.dnsDeployment, CoreDNS in kube-system by default): missing, no ' +
      'replica available (critical), or fewer available than desired (medium).',
    risk: 'Without cluster DNS coderd cannot resolve its database, provisioners cannot find coderd, workspaces resolve nothing.',
    guideSection: GuideSection.NetworkDebugging,
    reasons: {
      missing: { message: 'The cluster DNS deployment does not exist.', severity: 'critical' },
      unavailable: { message: 'No cluster DNS replica is available.', severity: 'critical' },
      degraded: { message: 'Fewer cluster DNS replicas are available than desired.', severity: 'medium' },
    },
  },
  'pvc-provisioning': {
    severity: 'high',
    title: 'Workspace volumes are provisioned and attached',
    description:
      'Reads the warning events of the workspaces namespace within thresholds.logWindowMinutes: volumes the ' +
      'EBS CSI driver could not create (ProvisioningFailed; VolumeLimitExceeded named as the EBS quota) or ' +
      'attach (FailedAttachVolume), one finding per cause.',
    risk: 'Workspaces whose home volume cannot be created or attached never start: at scale, the EBS quota is the usual wall.',
    guideSection: GuideSection.ScaleTesting,
    reasons: {
      'ebs-quota': {
        message: 'Workspace volumes cannot be created: the EBS storage quota of the region is reached.',
        severity: 'high',
      },
      'provisioning-failed': { message: 'Workspace volumes cannot be created.', severity: 'high' },
      'attach-failed': {
        message: 'Workspace volumes cannot be attached to their nodes.',
        severity: 'medium',
      },
    },
  },
  'coderd-resources': {
    severity: 'medium',
    title: 'coderd has CPU and memory headroom',
    description:
      "Compares each coderd container's current usage (metrics.k8s.io, what kubectl top pods reads) with its " +
      'limits: memory at or above 90% of the limit (high: the next spike is an OOM kill), CPU at or above 90% of ' +
      'the limit (medium: the container is being throttled).',
    risk: 'A coderd at its CPU limit is throttled (slow API, dropped websocket pings); at its memory limit it is OOM-killed.',
    guideSection: GuideSection.ScaleTesting,
    reasons: {
      'memory-near-limit': {
        message: 'A coderd container uses 90% or more of its memory limit.',
        severity: 'high',
      },
      'cpu-throttled': {
        message: 'A coderd container runs at 90% or more of its CPU limit.',
        severity: 'medium',
      },
    },
  },
});
