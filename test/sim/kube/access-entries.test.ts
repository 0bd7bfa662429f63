import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessEntryPlan, viewEntry } from '../../../lambdas/audit/access-entries.js';
import { parseConfig } from '../../../lambdas/audit/config.js';
import { createEksToken } from '../../../lambdas/clients/eks-token.js';
import { roleId } from '../../../sim/aws/iam.js';
import { baseSimDeployment } from '../../../sim/deployment.js';
import { startKubeSim, type KubeSimPart } from '../../../sim/kube/server.js';
import { loadScenario, type Scenario } from '../../../sim/scenario.js';
import { kubeEnv } from '../../checks/cluster/harness.js';

// The Kubernetes twin as an EKS cluster in API authentication mode, with real EKS tokens (presigned STS
// GetCallerIdentity) of the sim's IAM user and of a role session in another account.

const OTHER = '210987654321';
const ROLE = `arn:aws:iam::${OTHER}:role/coder-auditor-read-only`;
const SESSION = `arn:aws:sts::${OTHER}:assumed-role/coder-auditor-read-only/coder-audit`;
const env = kubeEnv();
let kube: KubeSimPart;
let userToken: string;
let roleToken: string;

const withEntries = (accessEntries: unknown[]): Scenario => {
  const healthy = loadScenario('healthy');
  return { ...healthy, kubernetes: { ...healthy.kubernetes, accessEntries } };
};

function get(path: string, token: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${kube.url}${path}`,
      { ca: kube.caPem, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  // The other account's read-only role has an entry scoped to coder and coder-prov; the sim user has none.
  kube = await startKubeSim(env, withEntries([viewEntry(ROLE, ['coder', 'coder-prov'])]), new Date());
  const token = async (credentials: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
  }) => (await createEksToken({ clusterName: 'coder-prod', region: 'us-east-1', credentials })).token;
  userToken = await token(env.credentials);
  const { credentials } = env.iam.startSession(
    { arn: ROLE, account: OTHER, name: 'coder-auditor-read-only', id: roleId(ROLE) },
    'coder-audit',
    900,
  );
  roleToken = await token({
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
  });
});
afterAll(async () => kube.stop());

describe('Kubernetes twin: EKS access entries', () => {
  it('Noncompliance 1: a validly signed principal without an access entry is 401 Unauthorized', async () => {
    const r = await get('/api/v1/namespaces/coder/pods', userToken);
    expect(r).toEqual({
      status: 401,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      },
    });
  });

  it('Compliance: a role session is authorised by its role’s entry within the entry’s namespaces', async () => {
    const r = await get('/api/v1/namespaces/coder-prov/pods', roleToken);
    expect(r.status).toBe(200);
    expect(r.body.kind).toBe('PodList');
  });

  it('Noncompliance 2: outside its scope, 403 Forbidden names the session as EKS does', async () => {
    const r = await get('/api/v1/namespaces/coder-ws/pods', roleToken);
    expect(r.status).toBe(403);
    expect(r.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `pods is forbidden: User "${SESSION}" cannot list resource "pods" in API group "" in the namespace "coder-ws"`,
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    });
  });

  it('a namespace added to the union of the deployments on the cluster is readable', async () => {
    const base = parseConfig(baseSimDeployment()).deployments[0]!;
    const other = { ...base, id: 'sim-b', namespaces: { ...base.namespaces, workspaces: 'coder-ws-b' } };
    const [plan] = accessEntryPlan([base, other]);
    expect(plan!.namespaces).toEqual(['coder', 'coder-prov', 'coder-ws', 'coder-ws-b']);
    await kube.apply(withEntries([viewEntry(ROLE, plan!.namespaces)]), new Date());
    try {
      expect((await get('/api/v1/namespaces/coder-ws-b/pods', roleToken)).status).toBe(200);
      expect((await get('/api/v1/namespaces/coder-ws/pods', roleToken)).status).toBe(200);
      expect((await get('/api/v1/namespaces/kube-system/pods', roleToken)).status).toBe(403);
    } finally {
      await kube.apply(withEntries([viewEntry(ROLE, ['coder', 'coder-prov'])]), new Date());
    }
  });
});
