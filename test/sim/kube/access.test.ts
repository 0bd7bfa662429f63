import { describe, expect, it } from 'vitest';
import { EKS_VIEW_POLICY, viewEntry, type AccessEntry } from '../../../lambdas/audit/access-entries.js';
import { SimIam } from '../../../sim/aws/iam.js';
import { allows, clusterAccessEntries, eksIdentity } from '../../../sim/kube/access.js';
import { parseKubernetesScenario } from '../../../sim/kube/model.js';
import { loadScenario } from '../../../sim/scenario.js';

const OTHER = '210987654321';
const ROLE = `arn:aws:iam::${OTHER}:role/coder-auditor-read-only`;
const view = (namespaces: string[]): AccessEntry => viewEntry(ROLE, namespaces);
const cluster = (policyArn: string): AccessEntry => ({
  principalArn: ROLE,
  accessPolicies: [{ policyArn, accessScope: { type: 'cluster' } }],
});
const pods = (namespace?: string, verb = 'list') => ({
  verb,
  resource: 'pods',
  group: '',
  ...(namespace ? { namespace } : {}),
});

describe('Function: allows', () => {
  it('Compliance: AmazonEKSViewPolicy reads pods, logs, events and deployments in its namespaces', () => {
    const e = view(['coder', 'coder-prov']);
    expect(allows(e, pods('coder'))).toBe(true);
    expect(allows(e, { verb: 'get', resource: 'pods/log', group: '', namespace: 'coder-prov' })).toBe(true);
    expect(allows(e, { verb: 'list', resource: 'events', group: '', namespace: 'coder' })).toBe(true);
    expect(allows(e, { verb: 'list', resource: 'deployments', group: 'apps', namespace: 'coder' })).toBe(
      true,
    );
  });

  it('Noncompliance 1: outside its namespaces, cluster-wide, secrets, nodes and writes are not allowed', () => {
    const e = view(['coder', 'coder-prov']);
    expect(allows(e, pods('coder-ws'))).toBe(false);
    expect(allows(e, pods())).toBe(false);
    expect(allows(e, { verb: 'list', resource: 'secrets', group: '', namespace: 'coder' })).toBe(false);
    expect(allows(e, pods('coder', 'create'))).toBe(false);
    // Not even at the cluster scope: the view policy has no nodes and no secrets.
    const wide = cluster(EKS_VIEW_POLICY);
    expect(allows(wide, pods())).toBe(true);
    expect(allows(wide, { verb: 'list', resource: 'nodes', group: '' })).toBe(false);
    expect(allows(wide, { verb: 'get', resource: 'secrets', group: '', namespace: 'coder' })).toBe(false);
  });

  it('Noncompliance 2: an entry without policies, or with a policy the twin does not know, allows nothing', () => {
    expect(allows({ principalArn: ROLE, accessPolicies: [] }, pods('coder'))).toBe(false);
    expect(
      allows(cluster('arn:aws:eks::aws:cluster-access-policy/AmazonEKSMadeUpPolicy'), pods('coder')),
    ).toBe(false);
  });

  it('a trailing * in a namespace scope matches a prefix; the admin policies allow what they say', () => {
    expect(allows(view(['coder-*']), pods('coder-ws'))).toBe(true);
    expect(allows(view(['coder-*']), pods('coder'))).toBe(false);
    const adminView = cluster('arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy');
    expect(allows(adminView, { verb: 'list', resource: 'secrets', group: '', namespace: 'x' })).toBe(true);
    expect(allows(adminView, pods('x', 'delete'))).toBe(false);
    expect(
      allows(
        cluster('arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy'),
        pods('x', 'delete'),
      ),
    ).toBe(true);
  });
});

describe('Function: eksIdentity', () => {
  it('maps a role session to its role (the entry) and names it by the session ARN; a user is its ARN', () => {
    const iam = new SimIam({ accessKeyId: 'AKIAX', secretAccessKey: 's', accountId: '123456789012' });
    const { credentials } = iam.startSession(
      { arn: ROLE, account: OTHER, name: 'coder-auditor-read-only', id: 'AROAEXAMPLE' },
      'coder-audit',
      900,
    );
    const session = iam.principal(credentials.AccessKeyId);
    expect(session !== 'expired' && session && eksIdentity(session)).toEqual({
      principalArn: ROLE,
      username: `arn:aws:sts::${OTHER}:assumed-role/coder-auditor-read-only/coder-audit`,
    });
    const user = iam.principal('AKIAX');
    expect(user !== 'expired' && user && eksIdentity(user)).toEqual({
      principalArn: 'arn:aws:iam::123456789012:user/coder-auditor-sim',
      username: 'arn:aws:iam::123456789012:user/coder-auditor-sim',
    });
  });
});

describe('Function: clusterAccessEntries', () => {
  const iam = { userArn: 'arn:aws:iam::123456789012:user/coder-auditor-sim' };
  it('derives, as the stacks create them, the sim principal and each other-account role on the deployment namespaces', () => {
    const s = {
      ...loadScenario('healthy'),
      accounts: {
        [OTHER]: { aws: { iam: { roles: { 'coder-auditor-read-only': { trust: [iam.userArn] } } } } },
      },
    };
    const ns = ['coder', 'coder-prov', 'coder-ws'];
    expect(clusterAccessEntries(s, iam, undefined)).toEqual([
      viewEntry(iam.userArn, ns),
      viewEntry(ROLE, ns),
    ]);
    const moved = { ...s, deployment: { namespaces: { workspaces: 'workspaces' } } };
    expect(clusterAccessEntries(moved, iam, undefined)[0]).toEqual(
      viewEntry(iam.userArn, ['coder', 'coder-prov', 'workspaces']),
    );
  });

  it("a scenario's entries replace the derived ones", () => {
    expect(clusterAccessEntries(loadScenario('healthy'), iam, [view(['coder'])])).toEqual([view(['coder'])]);
  });

  it('Noncompliance 1: a principal in two entries, a namespace scope without namespaces, or a session ARN is refused', () => {
    const entry = (e: Record<string, unknown>) => () =>
      parseKubernetesScenario({ accessEntries: [e] }, 'test');
    expect(() =>
      parseKubernetesScenario({ accessEntries: [view(['coder']), view(['coder-ws'])] }, 'test'),
    ).toThrow(/one access entry only/);
    expect(
      entry({
        principalArn: ROLE,
        accessPolicies: [{ policyArn: EKS_VIEW_POLICY, accessScope: { type: 'namespace' } }],
      }),
    ).toThrow(/accessEntries/);
    expect(entry({ principalArn: `arn:aws:sts::${OTHER}:assumed-role/r/s` })).toThrow(/IAM role or user ARN/);
  });
});
