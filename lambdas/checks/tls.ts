import type { FindingInput } from '../audit/check.js';
import type { DeploymentConfig } from '../audit/config.js';
import { describeError } from '../audit/errors.js';
import { shq } from '../audit/model.js';

/** `host:port` of an https URL (443 unless it names a port): what `openssl s_client -connect` takes. */
function hostPort(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 443}`;
}

/**
 * TLS verification turned off in the configuration is said on every audit, never silently: a medium
 * finding (coder-healthz for `coder.insecureTls`, db-connectivity for `database.tls.disable`, both with the
 * reason `tls-off` declared in their metadata) and a warning line (`tlsWarnings`).
 */
export function insecureTransport(d: DeploymentConfig, part: 'coder' | 'database'): FindingInput[] {
  if (part === 'coder' && d.coder?.insecureTls) {
    return [
      {
        status: 'fail',
        reason: 'tls-off',
        resource: d.coder.url,
        key: 'tls-off',
        title: 'TLS verification is off for the Coder URL and the OIDC issuer',
        detail:
          'coder.insecureTls is set: the Coder token is sent to whatever answers at the access URL, unverified. ' +
          'Trust a private CA with coder.caFile instead.',
        remediation: {
          text: 'Remove coder.insecureTls from the configuration; set coder.caFile to the CA bundle that signs the access URL.',
          commands: [`openssl s_client -connect ${shq(hostPort(d.coder.url))} -showcerts </dev/null`],
        },
      },
    ];
  }
  if (part === 'database' && d.database?.tls.disable) {
    return [
      {
        status: 'fail',
        reason: 'tls-off',
        resource: `${d.database.host}:${d.database.port}`,
        key: 'tls-off',
        title: 'TLS is off for the database connection',
        detail:
          'database.tls.disable is set: the auditor role authenticates to PostgreSQL over plain TCP. ' +
          'Verify the server with database.tls.caFile (the RDS global bundle) instead.',
        remediation: {
          text: 'Remove database.tls.disable; set database.tls.caFile to the RDS global bundle.',
          commands: ['curl -sO https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem'],
        },
      },
    ];
  }
  return [];
}

/** The warning lines of an audit whose configuration turns TLS verification off. */
export function tlsWarnings(d: DeploymentConfig): string[] {
  return [
    ...(d.coder?.insecureTls
      ? [`Warning: TLS verification of ${d.coder.url} and the OIDC issuer is OFF (coder.insecureTls).`]
      : []),
    ...(d.database?.tls.disable
      ? [`Warning: TLS to the database ${d.database.host} is OFF (database.tls.disable).`]
      : []),
  ];
}

/**
 * `extra` findings, then the check's own; when the check cannot run (a fact it needs is missing), its
 * `error` result instead of its own, and `extra` still reported.
 */
export function withFindings(
  extra: FindingInput[],
  deployment: DeploymentConfig,
  run: () => FindingInput[],
): FindingInput[] {
  if (extra.length === 0) return run();
  try {
    return [...extra, ...run()];
  } catch (err) {
    const reason = describeError(err);
    return [
      ...extra,
      {
        status: 'error',
        resource: deployment.id,
        key: 'error',
        detail: `Check could not run: ${reason}`,
        evidence: { error: reason },
      },
    ];
  }
}
