import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallRecorder } from '../../lambdas/audit/calls.js';
import { eksTokenProvider } from '../../lambdas/clients/eks-token.js';
import {
  KubeClient,
  KubernetesApiError,
  KubernetesShapeError,
  LOG_LIMIT_BYTES,
  type KubeClientOptions,
} from '../../lambdas/clients/kube.js';
import { loadScenario } from '../../sim/scenario.js';
import { startKubeSim, type KubeSimPart } from '../../sim/kube/server.js';
import { kubeEnv } from '../checks/cluster/harness.js';

const env = kubeEnv();
let kube: KubeSimPart;

function client(o: Partial<KubeClientOptions> = {}): KubeClient {
  return new KubeClient({
    server: kube.url,
    caPem: kube.caPem,
    token: eksTokenProvider({ clusterName: 'coder-prod', region: 'us-east-1', credentials: env.credentials }),
    timeoutMs: 5_000, // success paths; timeout tests pass a short timeoutMs
    calls: new CallRecorder(),
    ...o,
  });
}

async function failure(p: Promise<unknown>): Promise<KubernetesApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KubernetesApiError);
  return err as KubernetesApiError;
}

describe('Class: KubeClient (over HTTPS against the twin)', () => {
  beforeAll(async () => {
    kube = await startKubeSim(env, loadScenario('healthy'), new Date());
  });
  afterAll(async () => kube.stop());

  describe('Method: listPods', () => {
    it('authenticates with the EKS token and returns typed pods', async () => {
      const calls = new CallRecorder();
      const pods = await client({ calls }).listPods('coder', 'app.kubernetes.io/name=coder');
      expect(pods.map((p) => p.metadata?.name).sort()).toEqual([
        'coder-6f7d9c8b5-k2x8m',
        'coder-6f7d9c8b5-p9w4t',
      ]);
      // The API's JSON as it is: metav1.Time is an RFC 3339 string (no Date conversion).
      expect(pods[0]!.metadata?.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(calls.list()).toMatchObject([
        { service: 'kubernetes', operation: 'listNamespacedPod', resource: 'coder/pods', ok: true },
      ]);
    });

    it('a token for another cluster or signed with another key is rejected with 401', async () => {
      const other = eksTokenProvider({
        clusterName: 'other',
        region: 'us-east-1',
        credentials: env.credentials,
      });
      expect((await failure(client({ token: other }).listPods('coder'))).status).toBe(401);
      const forged = eksTokenProvider({
        clusterName: 'coder-prod',
        region: 'us-east-1',
        credentials: { accessKeyId: env.credentials.accessKeyId, secretAccessKey: 'forged' },
      });
      expect((await failure(client({ token: forged }).listPods('coder'))).status).toBe(401);
      expect(
        (await failure(client({ token: async () => 'k8s-aws-v1.bm90LWEtdXJs' }).listPods('coder'))).status,
      ).toBe(401);
    });

    it('namespaces outside the access scope are 403 Forbidden', async () => {
      const err = await failure(client().listPods('kube-system'));
      expect(err.status).toBe(403);
      expect(err.message).toContain(
        'cannot list resource "pods" in API group "" in the namespace "kube-system"',
      );
    });

    it('verifies TLS against the cluster CA', async () => {
      const err = await failure(client({ caPem: env.tls.cert }).listPods('coder'));
      expect(err.status).toBe(0);
    });

    it('a hanging server fails within the client timeout', async () => {
      env.faults.set([{ service: 'kubernetes', kind: 'hang', ms: 0, rate: 1 }]);
      try {
        const err = await failure(client({ timeoutMs: 300 }).listPods('coder'));
        expect(err.reason).toBe('Timeout');
      } finally {
        env.faults.set([]);
      }
    });

    it('retries 429 and 5xx answers, then reports them', async () => {
      env.faults.set([
        { service: 'kubernetes', operation: 'listNamespacedPod', kind: 'throttle', ms: 0, rate: 1 },
      ]);
      try {
        const calls = new CallRecorder();
        const err = await failure(client({ calls, maxAttempts: 2 }).listPods('coder'));
        expect([err.status, err.reason]).toEqual([429, 'TooManyRequests']);
        expect(calls.list()).toHaveLength(1); // one logical call, retries included
      } finally {
        env.faults.set([]);
      }
    });

    it('the group signal aborts a request in flight', async () => {
      env.faults.set([{ service: 'kubernetes', kind: 'hang', ms: 0, rate: 1 }]);
      try {
        const ac = new AbortController();
        const p = client({ signal: ac.signal, timeoutMs: 30_000 }).listPods('coder');
        setTimeout(() => ac.abort(), 50);
        expect((await failure(p)).reason).toBe('Aborted');
      } finally {
        env.faults.set([]);
      }
    });
  });

  describe('Hostile answers', () => {
    const withFault = async <T>(f: Parameters<typeof env.faults.set>[0], run: () => Promise<T>) => {
      env.faults.set(f);
      try {
        return await run();
      } finally {
        env.faults.set([]);
      }
    };

    it('Noncompliance 1: an answer of another shape (items: "nope") is an error, never bogus pods', async () => {
      const err = await withFault([{ service: 'kubernetes', kind: 'wrongShape', ms: 0, rate: 1 }], () =>
        client()
          .listPods('coder')
          .then(
            () => undefined,
            (e: unknown) => e as Error,
          ),
      );
      expect(err).toBeInstanceOf(KubernetesShapeError);
      expect(err!.message).toMatch(/^kubernetes listNamespacedPod coder\/pods: unexpected answer: items/);
    });

    it('Noncompliance 2: a redirect to another host is refused, never followed', async () => {
      const err = await withFault([{ service: 'kubernetes', kind: 'redirect', ms: 0, rate: 1 }], () =>
        failure(client().listPods('coder')),
      );
      expect(err.message).toMatch(/redirected to another host \(https:\/\/localhost:\d+\); refused/);
    });

    it('Noncompliance 3: an endless list body is cut at the page cap; a log read stops at limitBytes', async () => {
      const list = await withFault([{ service: 'kubernetes', kind: 'endless', ms: 0, rate: 1 }], () =>
        failure(client({ timeoutMs: 30_000 }).listPods('coder')),
      );
      expect(list.message).toMatch(/answer is larger than 16777216 bytes; not read/);
      const log = await withFault(
        [{ service: 'kubernetes', operation: 'readNamespacedPodLog', kind: 'endless', ms: 0, rate: 1 }],
        () =>
          client({ timeoutMs: 30_000 }).readPodLog('coder', 'coder-6f7d9c8b5-k2x8m', { container: 'coder' }),
      );
      expect(log.length).toBe(LOG_LIMIT_BYTES);
    });
  });

  describe('Method: listEvents / listDeployments / readPodLog', () => {
    it('read events, deployments and logs', async () => {
      const c = client();
      expect((await c.listEvents('coder-ws', 'reason=Scheduled')).map((e) => e.reason)).toEqual([
        'Scheduled',
      ]);
      expect((await c.listEvents('coder-ws', 'reason=FailedScheduling')).length).toBe(0);
      const deps = await c.listDeployments('coder');
      expect(
        deps[0]!.spec?.template.spec?.containers[0]!.env?.find((e) => e.name === 'CODER_PG_CONNECTION_URL'),
      ).toEqual({
        name: 'CODER_PG_CONNECTION_URL',
        valueFrom: { secretKeyRef: { name: 'coder-db-credentials', key: 'url' } },
      });
      const log = await c.readPodLog('coder', 'coder-6f7d9c8b5-k2x8m', {
        container: 'coder',
        sinceSeconds: 3600,
      });
      expect(log).toContain('workspace build completed');
      expect(log).not.toContain('successfully connected to database'); // older than the window
    });
  });
});
