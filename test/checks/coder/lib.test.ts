import { describe, expect, it } from 'vitest';
import {
  healthDiagnosis,
  keyRotation,
  oidcDiagnosis,
  provisionerDiagnosis,
  tokenRotation,
  versionResults,
} from '../../../lambdas/checks/coder/lib.js';
import { coderDeployment, daemon, ISSUER, key, NOW } from './fixtures.js';
import { pasteInBash, STUB_KEY, STUB_TOKEN } from './shell.js';

const d = coderDeployment();
const args = (argv: string[]) => argv.slice(1).join(' ');

describe('Function: keyRotation', () => {
  it('pasted in order, stores the new key in the secret and restarts before deleting the old key', () => {
    const { calls, status } = pasteInBash(keyRotation(d, key('coder-prov-202503', 80), NOW).commands);
    expect(status).toBe(0);
    expect(calls.map((c) => `${c.argv[0]} ${args(c.argv)}`)).toEqual([
      'coder provisioner keys create coder-prov-202506 --org coder --tag scope=organization',
      `kubectl create secret generic coder-provisioner-keys -n coder-prov --from-literal=key=${STUB_KEY} --dry-run=client -o yaml`,
      'kubectl apply -f -',
      'kubectl rollout restart deployment -n coder-prov -l app.kubernetes.io/name=coder-provisioner',
      'kubectl rollout status deployment -n coder-prov -l app.kubernetes.io/name=coder-provisioner',
      'coder provisioner list --org coder',
      'coder provisioner keys delete coder-prov-202503 --org coder',
    ]);
    // The secret applied holds the key alone, not the CLI's "Successfully created" message.
    expect(calls[2]!.stdin).toContain(`--from-literal=key=${STUB_KEY} `);
    expect(calls[2]!.stdin).not.toContain('Successfully');
  });

  it('does not store an empty key when the key was not created', () => {
    const commands = keyRotation(d, key('coder-prov', 80), NOW).commands;
    const run = pasteInBash(['NEW_KEY=', commands[1]!]);
    expect(run.stderr).toContain('NEW_KEY: the new key was not created');
    expect(run.calls.some((c) => c.argv.some((a) => a.startsWith('--from-literal=')))).toBe(false);
  });

  it('names the Helm values that hold the secret and never the key itself', () => {
    const r = keyRotation(d, key('coder-prov', 80), NOW);
    expect(r.text).toContain('provisionerDaemon.keySecretName');
    expect(r.text).toContain('provisionerDaemon.keySecretKey');
    expect(JSON.stringify(r)).not.toContain(STUB_KEY);
  });
});

describe('Function: tokenRotation', () => {
  it('pasted in order, stores the new token (named per month) in the secret', () => {
    // `date +%Y%m` in the shell (local time): this month, or the next one if the shell ran past midnight.
    const before = new Date();
    const month = (t: Date) => `${t.getFullYear()}${String(t.getMonth() + 1).padStart(2, '0')}`;
    const names = [before, new Date(before.getFullYear(), before.getMonth() + 1, 1)].map(
      (t) => `coder-auditor-${month(t)}`,
    );
    const { calls } = pasteInBash(tokenRotation(d).commands);
    const name = calls[0]?.argv[4];
    expect(names).toContain(name);
    expect(calls.map((c) => c.argv)).toEqual([
      ['coder', 'tokens', 'create', '--name', name, '--lifetime', '720h'],
      [
        'aws',
        'secretsmanager',
        'put-secret-value',
        '--secret-id',
        'coder-auditor/prod/coder-token',
        '--secret-string',
        STUB_TOKEN,
      ],
    ]);
  });
});

describe('kubectl logs with a label selector', () => {
  it('shows every line of every pod, prefixed with the pod (not 10 lines per pod)', () => {
    const commands = [
      ...healthDiagnosis('EDB02', d).remediation.commands,
      ...healthDiagnosis('EPD01', d).remediation.commands,
      ...healthDiagnosis('EDERP01', d).remediation.commands,
      ...provisionerDiagnosis(d).commands,
      ...oidcDiagnosis(d, ISSUER).commands,
    ].filter((c) => c.startsWith('kubectl logs'));
    expect(commands).toHaveLength(5);
    for (const c of commands) expect(c).toMatch(/ -l \S+ --tail=-1 --prefix( |$)/);
  });
});

describe('Function: versionResults', () => {
  it("passes each daemon on coderd's major.minor and gives one finding for all the others, names quoted", () => {
    const up = [
      daemon('a', { version: 'v2.24.0' }),
      daemon('b\n$ rm -rf /', { version: 'v2.22.1' }),
      daemon('c', { version: 'not-a-version' }),
    ];
    const results = versionResults(up, 'v2.24.2', d);
    expect(results.map((r) => [r.status, r.resource])).toEqual([
      ['pass', 'coder:coder/provisionerdaemon/a'],
      ['fail', 'coder:coder/provisionerdaemons/coder'],
    ]);
    expect(results[1]).toMatchObject({
      reason: 'version-skew',
      detail: `2 provisioner daemon(s) off coderd's "v2.24.2": "b⏎$ rm -rf /" runs "v2.22.1", "c" runs "not-a-version".`,
    });
    expect(versionResults([up[0]!], 'v2.24.2', d).map((r) => r.status)).toEqual(['pass']);
  });
});
