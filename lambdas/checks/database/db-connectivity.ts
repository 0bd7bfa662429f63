import { defineCheck } from '../../audit/check.js';
import type { DeploymentConfig } from '../../audit/config.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { shq, type Remediation } from '../../audit/model.js';
import type { DbFailure } from '../../clients/pg.js';
import type { DatabaseSnapshot } from './snapshot.js';

const WHY: Record<DbFailure, string> = {
  refused: 'the connection was refused or reset (nothing listening, or a security group/NACL rejects it)',
  timeout:
    'the database did not answer in time (packets dropped by a security group, or an overloaded server)',
  auth: 'authentication failed (wrong password or IAM token, or no pg_hba entry for the role)',
  tls: 'the TLS handshake or the server certificate verification failed',
  saturated: 'every connection slot is taken (too many clients)',
  'not-found': 'the database does not exist',
  dns: 'the database host name does not resolve',
  other: 'the connection failed',
};

function remediation(d: DeploymentConfig, failure: DbFailure): Remediation {
  const extra =
    failure === 'auth'
      ? ' Check the credentials: the secret coderd and the auditor use, and the role (rds_iam for IAM auth).'
      : '';
  return {
    text: `Verify the Aurora cluster is available and that the database security group allows port ${d.database?.port ?? 5432} from the EKS nodes; look for database errors in the coderd logs.${extra}`,
    commands: [
      `aws rds describe-db-clusters --db-cluster-identifier ${shq(d.aurora.clusterId)} --region ${shq(d.aws.region)}`,
      `aws ec2 describe-security-groups --group-ids ${shq(d.network.dbSecurityGroupId)} --region ${shq(d.aws.region)}`,
      `kubectl logs -n ${shq(d.namespaces.coderd)} -l app.kubernetes.io/name=coder | grep -i database`,
    ],
  };
}

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
  (snap, { deployment }) => {
    const c = need(snap.connectivity);
    const resource = snap.resource;
    if (!c.reachable) {
      return [
        {
          status: 'fail',
          resource,
          detail: `Cannot ${c.stage === 'connect' ? 'connect to' : 'query'} ${snap.endpoint}: ${WHY[c.failure]}. ${c.reason}`,
          evidence: { endpoint: snap.endpoint, stage: c.stage, failure: c.failure, error: c.reason },
          remediation: remediation(deployment, c.failure),
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
            commands: remediation(deployment, 'timeout').commands.slice(0, 1),
          },
        },
      ];
    }
    return [
      {
        status: 'pass',
        resource,
        detail: `Connected over TLS; SELECT 1 took ${c.roundTripMs} ms.`,
        evidence,
      },
    ];
  },
);
