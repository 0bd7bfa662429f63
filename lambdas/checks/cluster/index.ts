import { defineGroup } from '../../audit/group.js';
import clusterDns from './cluster-dns.js';
import coderdReady from './coderd-ready.js';
import coderdResources from './coderd-resources.js';
import type { ClusterSnapshot } from './collector.js';
import logErrorPatterns from './log-error-patterns.js';
import nodegroupTaintsTolerated from './nodegroup-taints-tolerated.js';
import oidcConfig from './oidc-config.js';
import podsConfigErrors from './pods-config-errors.js';
import podsPending from './pods-pending.js';
import provisionersReady from './provisioners-ready.js';
import pvcProvisioning from './pvc-provisioning.js';

/**
 * Kubernetes side of the runbook, read through the auditor's EKS access entry (AmazonEKSViewPolicy scoped
 * to the Coder namespaces): pods, FailedScheduling events, the coderd deployment and coderd/provisioner logs.
 */
export const clusterGroup = defineGroup<ClusterSnapshot>({
  id: 'cluster',
  skipReason: () => undefined,
  // Loaded when the group runs (the catalogue and `coder-audit checks` need no client library), before
  // any group's clock starts.
  load: () => import('./collector.js'),
  collect: async (ctx) => (await import('./collector.js')).collectCluster(ctx),
  checks: [
    podsPending,
    nodegroupTaintsTolerated,
    coderdReady,
    provisionersReady,
    podsConfigErrors,
    oidcConfig,
    logErrorPatterns,
    clusterDns,
    pvcProvisioning,
    coderdResources,
  ],
});
