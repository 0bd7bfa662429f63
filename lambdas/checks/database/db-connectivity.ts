import { defineCheck, type FindingInput } from '../../audit/check.js';
import type { DeploymentConfig } from '../../audit/config.js';
import { need } from '../../audit/fact.js';
import { insecureTransport, withFindings } from '../tls.js';
import { connectionRemediation, FAILURE_REASONS } from './lib.js';
import { DATABASE_META } from './meta.js';
import type { DatabaseSnapshot } from './snapshot.js';

/**
 * Compliant when the auditor connects over verified TLS and `SELECT 1` answers within `dbLatencyWarnMs`; a
 * configuration that turns TLS off (database.tls.disable) is reported on every audit.
 */
export default defineCheck<DatabaseSnapshot>(DATABASE_META['db-connectivity'], (snap, { deployment }) =>
  withFindings(insecureTransport(deployment, 'database'), deployment, () => connectivity(snap, deployment)),
);

/** The check proper: what the probe answered. */
function connectivity(snap: DatabaseSnapshot, deployment: DeploymentConfig): FindingInput[] {
  const c = need(snap.connectivity);
  const resource = snap.resource;
  if (!c.reachable) {
    return [
      {
        status: 'fail',
        reason: c.failure,
        resource,
        detail: `Cannot ${c.stage === 'connect' ? 'connect to' : 'query'} ${snap.endpoint}: ${FAILURE_REASONS[c.failure]}. ${c.reason}`,
        evidence: { endpoint: snap.endpoint, stage: c.stage, failure: c.failure, error: c.reason },
        remediation: connectionRemediation(deployment, c.failure),
      },
    ];
  }
  const limit = deployment.thresholds.dbLatencyWarnMs;
  const evidence = {
    endpoint: snap.endpoint,
    roundTripMs: c.roundTripMs,
    connectMs: c.connectMs,
    thresholdMs: limit,
  };
  if (c.roundTripMs > limit) {
    return [
      {
        status: 'fail',
        reason: 'slow',
        title: 'Database round trips are slow',
        resource,
        detail: `SELECT 1 took ${c.roundTripMs} ms (threshold ${limit} ms); coderd queries will be slow too.`,
        evidence,
        remediation: {
          text: 'Check the cluster load (CPU, connections) and that coderd runs in the same region/AZs as Aurora.',
          commands: connectionRemediation(deployment, 'timeout').commands.slice(0, 1),
        },
      },
    ];
  }
  return [
    {
      status: 'pass',
      resource,
      detail: `Connected to ${snap.endpoint}; SELECT 1 took ${c.roundTripMs} ms.`,
      evidence,
    },
  ];
}
