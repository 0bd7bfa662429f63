import { describe, expect, it } from 'vitest';
import {
  connectionRemediation,
  databaseResource,
  formatDuration,
  formatMinutes,
  psqlCommand,
  sqlIdent,
} from '../../../lambdas/checks/database/lib.js';
import { testDeployment } from '../../fixtures/deployment.js';
import { pasteInBash } from '../coder/shell.js';
import { deployment } from './fixtures.js';

describe('Function: psqlCommand', () => {
  it("fills the runbook's psql with the endpoint, namespace and deployment, quoting the SQL", () => {
    expect(psqlCommand(deployment, "SELECT 'x';")).toBe(
      `kubectl exec -it deploy/coder -n coder -- psql -h ${deployment.database!.host} -U coder -d coder -c 'SELECT '\\''x'\\'';'`,
    );
  });

  it('pasted into bash, hands psql exactly the SQL, names and port, however they are spelled', () => {
    const odd = testDeployment({
      coderd: { deploymentName: 'coder server' },
      namespaces: { coderd: "coder's" },
      database: { ...deployment.database!, port: 6432, database: 'Coder "prod"' },
    });
    const sql = [
      'SELECT pg_terminate_backend(31);',
      `ALTER DATABASE ${sqlIdent('Coder "prod"')} SET idle_in_transaction_session_timeout = '5min';`,
      "SELECT $1, `x`, \\n, 'it''s' -- $HOME !",
    ];
    const { calls, status } = pasteInBash([psqlCommand(odd, sql)]);
    expect(status).toBe(0);
    expect(calls.map((c) => c.argv)).toEqual([
      [
        'kubectl',
        'exec',
        '-it',
        'deploy/coder server',
        '-n',
        "coder's",
        '--',
        'psql',
        '-h',
        deployment.database!.host,
        '-p',
        '6432',
        '-U',
        'coder',
        '-d',
        'Coder "prod"',
        ...sql.flatMap((q) => ['-c', q]),
      ],
    ]);
  });

  it('passes no -p for the default port', () => {
    expect(psqlCommand(deployment, 'SELECT 1;')).not.toContain(' -p ');
  });
});

describe('Function: databaseResource', () => {
  it('names the Aurora cluster and the database', () => {
    expect(databaseResource(deployment)).toBe('coder-prod-aurora/coder');
  });
});

describe('Function: connectionRemediation', () => {
  it('adds the credentials hint only for authentication failures', () => {
    const d = testDeployment({ namespaces: { coderd: 'coder-system' }, database: deployment.database! });
    expect(connectionRemediation(d, 'auth').text).toContain('credentials');
    expect(connectionRemediation(d, 'refused').text).not.toContain('credentials');
    expect(connectionRemediation(d, 'refused').commands[2]).toBe(
      'kubectl logs -n coder-system -l app.kubernetes.io/name=coder --tail=-1 --prefix | grep -i database',
    );
  });
});

describe('Function: sqlIdent', () => {
  it('quotes only identifiers that need it', () => {
    expect(sqlIdent('coder')).toBe('coder');
    expect(sqlIdent('Coder "prod"')).toBe('"Coder ""prod"""');
  });
});

describe('Function: formatDuration', () => {
  it.each([
    [45.4, '45s'],
    [432, '7m 12s'],
    [11_100, '3h 05m'],
  ])('%d s → %s', (s, text) => expect(formatDuration(s)).toBe(text));

  it('formats whole and fractional minute thresholds', () => {
    expect(formatMinutes(5)).toBe('5 min');
    expect(formatMinutes(0.5)).toBe('30s');
  });
});
