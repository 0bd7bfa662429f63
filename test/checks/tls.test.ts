import { describe, expect, it } from 'vitest';
import { CODER_META } from '../../lambdas/checks/coder/meta.js';
import { DATABASE_META } from '../../lambdas/checks/database/meta.js';
import { insecureTransport, tlsWarnings, withFindings } from '../../lambdas/checks/tls.js';
import { testDeployment } from '../fixtures/deployment.js';

const coder = { url: 'https://coder.example.com', tokenSecretId: 't' };
const database = { host: 'db.example.com', auth: { type: 'iam' as const } };

describe('Function: tlsWarnings', () => {
  it('Compliance: nothing to say when TLS is verified', () => {
    expect(tlsWarnings(testDeployment({ coder, database }))).toEqual([]);
  });

  it('Noncompliance: one line per part whose TLS verification is off', () => {
    const d = testDeployment({
      coder: { ...coder, insecureTls: true },
      database: { ...database, tls: { disable: true } },
    });
    expect(tlsWarnings(d)).toEqual([
      'Warning: TLS verification of https://coder.example.com and the OIDC issuer is OFF (coder.insecureTls).',
      'Warning: TLS to the database db.example.com is OFF (database.tls.disable).',
    ]);
    expect(insecureTransport(d, 'coder')).toMatchObject([
      { status: 'fail', reason: 'tls-off', key: 'tls-off' },
    ]);
    expect(insecureTransport(d, 'database')).toMatchObject([
      { status: 'fail', reason: 'tls-off', key: 'tls-off' },
    ]);
    // The certificate is read where the access URL points: its own port, or 443.
    expect(insecureTransport(d, 'coder')[0]!.remediation!.commands).toEqual([
      'openssl s_client -connect coder.example.com:443 -showcerts </dev/null',
    ]);
    const onPort = testDeployment({ coder: { ...coder, url: 'https://10.0.0.9:8443', insecureTls: true } });
    expect(insecureTransport(onPort, 'coder')[0]!.remediation!.commands[0]).toContain(
      '-connect 10.0.0.9:8443 ',
    );
    // The reason is declared by both checks that report it, at medium.
    expect(CODER_META['coder-healthz'].reasons['tls-off'].severity).toBe('medium');
    expect(DATABASE_META['db-connectivity'].reasons['tls-off'].severity).toBe('medium');
  });
});

describe('Function: withFindings', () => {
  it('keeps the extra findings when the check cannot run', () => {
    const d = testDeployment({ coder: { ...coder, insecureTls: true } });
    const out = withFindings(insecureTransport(d, 'coder'), d, () => {
      throw new Error('boom');
    });
    expect(out.map((f) => f.status)).toEqual(['fail', 'error']);
    expect(out[1]).toMatchObject({ key: 'error', detail: 'Check could not run: Error: boom' });
  });
});
