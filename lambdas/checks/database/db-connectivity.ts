import { defineCheck, type FindingInput } from '../../audit/check.js';
import type { DeploymentConfig } from '../../audit/config.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { insecureTransport, withFindings } from '../tls.js';
import { connectionRemediation, FAILURE_REASONS } from './lib.js';
import type { DatabaseSnapshot } from './snapshot.js';

/** Compliant when the auditor connects over verified TLS and `SELECT 1` answers within `dbLatencyWarnMs`. */
export default defineCheck<DatabaseSnapshot>(
  {
    id: 'db-connectivity',
    group: 'database',
    severity: 'critical',
    title: 'Database accepts connections',
    description:
      'Connects to the Coder database over TLS as the auditor role and times a SELECT 1 round trip.',
    risk: 'coderd cannot start or serve requests without its database: the whole platform is down or degraded.',
    guideSection: GuideSection.DatabaseConnection,
  },
  (snap, { deployment }) =>
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
        severity: 'medium',
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
