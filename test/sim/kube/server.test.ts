import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEksToken } from '../../../lambdas/clients/eks-token.js';
import { loadScenario } from '../../../sim/scenario.js';
import { startKubeSim, type KubeSimPart } from '../../../sim/kube/server.js';
import { kubeEnv } from '../../checks/cluster/harness.js';

const env = kubeEnv();
let kube: KubeSimPart;
let token: string;

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

function get(path: string, auth: string | undefined = `Bearer ${token}`, method = 'GET'): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${kube.url}${path}`,
      { method, ca: kube.caPem, headers: auth ? { authorization: auth } : {} },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const names = (r: Res) => (r.json().items as { metadata: { name: string } }[]).map((i) => i.metadata.name);

describe('Kubernetes twin', () => {
  beforeAll(async () => {
    kube = await startKubeSim(env, loadScenario('healthy'), new Date());
    ({ token } = await createEksToken({
      clusterName: 'coder-prod',
      region: 'us-east-1',
      credentials: env.credentials,
    }));
  });
  afterAll(async () => kube.stop());

  describe('pagination', () => {
    it('cuts lists at limit with a continue token and remainingItemCount, as the API server does', async () => {
      const all = names(await get('/api/v1/namespaces/coder-ws/pods'));
      expect(all.length).toBeGreaterThan(2);
      const first = await get('/api/v1/namespaces/coder-ws/pods?limit=2');
      const meta = first.json().metadata as { continue?: string; remainingItemCount?: number };
      expect(names(first)).toEqual(all.slice(0, 2));
      expect(meta.remainingItemCount).toBe(all.length - 2);
      expect(JSON.parse(Buffer.from(meta.continue!, 'base64url').toString())).toMatchObject({
        v: 'meta.k8s.io/v1',
        start: `${all[1]}\u0000`,
      });
      const rest = await get(`/api/v1/namespaces/coder-ws/pods?limit=250&continue=${meta.continue}`);
      expect(names(rest)).toEqual(all.slice(2));
      expect(rest.json().metadata).not.toHaveProperty('continue');
      // With a selector the server cannot count what remains: no remainingItemCount.
      const selected = await get(
        '/api/v1/namespaces/coder-ws/pods?limit=1&labelSelector=app.kubernetes.io%2Fpart-of%3Dcoder',
      );
      expect(selected.json().metadata).not.toHaveProperty('remainingItemCount');
      const bad = await get('/api/v1/namespaces/coder-ws/pods?limit=2&continue=bm90LWEtdG9rZW4');
      expect([bad.status, bad.json().reason]).toEqual([400, 'BadRequest']);
    });
  });

  describe('authentication', () => {
    it('answers 401 with a Status object without a valid EKS token', async () => {
      const url = Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString();
      const retoken = (u: string) => `Bearer k8s-aws-v1.${Buffer.from(u).toString('base64url')}`;
      const tampered = [
        url.replace(
          /X-Amz-Signature=([0-9a-f])/,
          (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
        ),
        url.replace('Action=GetCallerIdentity', 'Action=GetSessionToken'),
        url.replace('sts.us-east-1', 'sts.us-west-2'),
        url.replace('X-Amz-SignedHeaders=host%3Bx-k8s-aws-id', 'X-Amz-SignedHeaders=host'),
      ].map(retoken);
      for (const auth of ['', 'Bearer abc', `Basic ${token}`, ...tampered]) {
        const r = await get('/api/v1/namespaces/coder/pods', auth);
        expect(r.status).toBe(401);
        expect(r.json()).toMatchObject({
          kind: 'Status',
          status: 'Failure',
          reason: 'Unauthorized',
          code: 401,
        });
      }
      expect((await get('/api/v1/namespaces/coder/pods', retoken(url))).status).toBe(200);
    });
  });

  describe('RBAC of AmazonEKSViewPolicy scoped to the Coder namespaces', () => {
    it.each([
      ['/api/v1/nodes', 'cannot list resource "nodes" in API group "" at the cluster scope'],
      ['/api/v1/pods', 'cannot list resource "pods" in API group "" at the cluster scope'],
      [
        '/api/v1/namespaces/coder/secrets',
        'cannot list resource "secrets" in API group "" in the namespace "coder"',
      ],
      ['/api/v1/namespaces/coder/secrets/coder-db-credentials', 'cannot get resource "secrets"'],
      ['/api/v1/namespaces/kube-system/pods', 'in the namespace "kube-system"'],
      [
        '/apis/apps/v1/deployments',
        'cannot list resource "deployments" in API group "apps" at the cluster scope',
      ],
      // The Role on the CoreDNS deployment grants get of that object only: no list, no other object.
      [
        '/apis/apps/v1/namespaces/kube-system/deployments',
        'cannot list resource "deployments" in API group "apps" in the namespace "kube-system"',
      ],
      ['/apis/apps/v1/namespaces/kube-system/deployments/aws-load-balancer-controller', 'cannot get'],
    ])('%s is 403 Forbidden', async (path, message) => {
      const r = await get(path);
      expect(r.status).toBe(403);
      expect(r.json()).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
      expect(r.json().message).toContain(message);
    });

    it('gets the one object a Role grants outside the Coder namespaces', async () => {
      const r = await get('/apis/apps/v1/namespaces/kube-system/deployments/coredns');
      expect(r.status).toBe(200);
      expect(r.json()).toMatchObject({ kind: 'Deployment', metadata: { name: 'coredns' } });
    });

    it('writes are forbidden', async () => {
      expect((await get('/api/v1/namespaces/coder/pods', `Bearer ${token}`, 'POST')).status).toBe(403);
    });

    it('pods/log is allowed (the view role grants it)', async () => {
      expect(
        (await get('/api/v1/namespaces/coder/pods/coder-6f7d9c8b5-k2x8m/log?container=coder')).status,
      ).toBe(200);
    });
  });

  describe('objects', () => {
    it('lists pods with label selectors', async () => {
      expect(names(await get('/api/v1/namespaces/coder-ws/pods')).length).toBe(3);
      const sel = encodeURIComponent(
        'com.coder.user.username in (alice,bob),app.kubernetes.io/name=coder-workspace',
      );
      expect(names(await get(`/api/v1/namespaces/coder-ws/pods?labelSelector=${sel}`)).sort()).toEqual([
        'coder-alice-dev',
        'coder-bob-api',
      ]);
    });

    it('serves realistic pods: owner, template env, default tolerations, statuses', async () => {
      const pod = (await get('/api/v1/namespaces/coder/pods/coder-6f7d9c8b5-k2x8m')).json() as {
        metadata: { ownerReferences: { kind: string }[] };
        spec: { containers: { env: { name: string }[] }[]; tolerations: { key: string }[] };
        status: { phase: string; containerStatuses: { ready: boolean; state: { running?: unknown } }[] };
      };
      expect(pod.metadata.ownerReferences[0]!.kind).toBe('ReplicaSet');
      expect(pod.spec.containers[0]!.env.map((e) => e.name)).toContain('CODER_OIDC_SCOPES');
      expect(pod.spec.tolerations.map((t) => t.key)).toContain('node.kubernetes.io/not-ready');
      expect(pod.status.containerStatuses[0]).toMatchObject({ ready: true, state: { running: {} } });
    });

    it('serves events with field selectors, deployments by name, 404 for unknown', async () => {
      const ev = await get(
        '/api/v1/namespaces/coder-ws/events?fieldSelector=involvedObject.name%3Dcoder-carol-ml',
      );
      expect((ev.json().items as unknown[]).length).toBe(1);
      const dep = (await get('/apis/apps/v1/namespaces/coder/deployments/coder')).json();
      expect(dep).toMatchObject({ kind: 'Deployment', status: { availableReplicas: 2 } });
      const missing = await get('/apis/apps/v1/namespaces/coder/deployments/nope');
      expect(missing.status).toBe(404);
      expect(missing.json()).toMatchObject({
        reason: 'NotFound',
        message: 'deployments.apps "nope" not found',
      });
    });

    it('serves logs with sinceSeconds, timestamps and limitBytes', async () => {
      const base = '/api/v1/namespaces/coder/pods/coder-6f7d9c8b5-k2x8m/log?container=coder';
      const all = await get(base);
      expect(all.headers['content-type']).toBe('text/plain');
      expect(all.text.split('\n').filter(Boolean)).toHaveLength(4);
      expect((await get(`${base}&sinceSeconds=1200`)).text.split('\n').filter(Boolean)).toHaveLength(1);
      // The kubelet's RFC 3339 timestamp, then coderd's own slog line (cdr.dev/slog human format).
      expect((await get(`${base}&timestamps=true&sinceSeconds=1200`)).text).toMatch(
        /^\d{4}-\d\d-\d\dT[\d:.]+Z \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[info\] {2}coderd: user logged in {2}login_type=oidc\n$/,
      );
      expect((await get(`${base}&limitBytes=10`)).text).toHaveLength(10);
      expect((await get(base.replace('container=coder', 'container=nope'))).status).toBe(400);
    });

    it('a container that never started has no log (400, as the kubelet answers)', async () => {
      await kube.apply(loadScenario('missing-db-secret'), new Date());
      try {
        const r = await get('/api/v1/namespaces/coder/pods/coder-6f7d9c8b5-k2x8m/log?container=coder');
        expect(r.status).toBe(400);
        expect(r.json().message).toContain('is waiting to start: CreateContainerConfigError');
      } finally {
        await kube.apply(loadScenario('healthy'), new Date());
      }
    });
  });

  describe('faults', () => {
    const op = (kind: 'throttle' | 'error5xx' | 'accessDenied' | 'malformed') => [
      { service: 'kubernetes' as const, operation: 'listNamespacedPod', kind, ms: 0, rate: 1 },
    ];
    it.each([
      ['throttle', 429, 'TooManyRequests'],
      ['error5xx', 503, 'ServiceUnavailable'],
      ['accessDenied', 403, 'Forbidden'],
    ] as const)('%s answers %i %s', async (kind, code, reason) => {
      env.faults.set(op(kind));
      try {
        const r = await get('/api/v1/namespaces/coder/pods');
        expect(r.status).toBe(code);
        expect(r.json()).toMatchObject({ kind: 'Status', reason, code });
        if (kind === 'throttle') expect(r.headers['retry-after']).toBe('1');
        expect((await get('/apis/apps/v1/namespaces/coder/deployments')).status).toBe(200); // other operations
      } finally {
        env.faults.set([]);
      }
    });

    it('malformed answers invalid JSON', async () => {
      env.faults.set(op('malformed'));
      try {
        const r = await get('/api/v1/namespaces/coder/pods');
        expect(r.status).toBe(200);
        expect(() => r.json()).toThrow();
      } finally {
        env.faults.set([]);
      }
    });

    it('stop() closes hung connections', async () => {
      const part = await startKubeSim(env, loadScenario('healthy'), new Date());
      env.faults.set([{ service: 'kubernetes', kind: 'hang', ms: 0, rate: 1 }]);
      // Stop only once the server holds the request: stopping during the TLS handshake fails it differently,
      // and a connection the server has not yet accepted (client handshake done first) is not closed by stop().
      const decide = env.faults.decide.bind(env.faults);
      let held!: () => void;
      const holding = new Promise<void>((resolve) => (held = resolve));
      const spy = vi.spyOn(env.faults, 'decide').mockImplementation((service, operation) => {
        const decision = decide(service, operation);
        if (decision.failure === 'hang') held();
        return decision;
      });
      try {
        const req = request(`${part.url}/api/v1/namespaces/coder/pods`, {
          ca: part.caPem,
          headers: { authorization: `Bearer ${token}` },
        });
        const hung = new Promise<string>((resolve) => {
          req.on('error', (e) => resolve(e.message));
          req.on('response', () => resolve('answered'));
        });
        req.end();
        await Promise.race([holding, hung]);
        await part.stop();
        expect(await hung).toMatch(/socket hang up|ECONNRESET/);
      } finally {
        spy.mockRestore();
        env.faults.set([]);
      }
    });
  });

  it('rejects an invalid kubernetes section with the field path', async () => {
    const bad = { ...loadScenario('healthy'), kubernetes: { pods: { 'coder/x': { ageMinutes: -1 } } } };
    await expect(kube.apply(bad, new Date())).rejects.toThrow(/pods\.coder\/x\.ageMinutes/);
  });
});
