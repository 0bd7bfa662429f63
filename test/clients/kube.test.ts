import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallRecorder } from '../../lambdas/audit/calls.js';
import { eksTokenProvider } from '../../lambdas/clients/eks-token.js';
import {
  KubeClient,
  KubernetesApiError,
  KubernetesShapeError,
  LOG_LIMIT_BYTES,
  MAX_PAGE_BYTES,
  retryDelayMs,
  type KubeClientOptions,
} from '../../lambdas/clients/kube.js';
import { listenLocal } from '../../sim/listen.js';
import { deepMerge, loadScenario, type Scenario } from '../../sim/scenario.js';
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

/**
 * A scripted HTTPS server (the twin's certificate, so the same pinned CA): answers each request with the next
 * of `answers`, and records what it was asked. For what the twin cannot be made to do on demand: a 429 once
 * then a page, a redirect on the same origin, a declared length above the cap.
 */
async function scripted(
  answers: Array<(req: IncomingMessage, res: ServerResponse) => void>,
): Promise<{ url: string; seen: IncomingMessage[]; close(): Promise<void> }> {
  const seen: IncomingMessage[] = [];
  const server = createServer({ cert: env.tls.cert, key: env.tls.key }, (req, res) => {
    seen.push(req);
    const answer = answers[Math.min(seen.length, answers.length) - 1]!;
    answer(req, res);
  });
  const l = await listenLocal(server);
  return { url: `https://127.0.0.1:${l.port}`, seen, close: () => l.close() };
}

const json = (code: number, body: unknown, headers: Record<string, string> = {}) =>
  ((_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }) as (req: IncomingMessage, res: ServerResponse) => void;
const podList = (names: string[], cont?: string) => ({
  kind: 'PodList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '1', ...(cont ? { continue: cont } : {}) },
  items: names.map((name) => ({ metadata: { name, namespace: 'coder' } })),
});

describe('Class: KubeClient (behaviours the twin is scripted for)', () => {
  beforeAll(async () => {
    kube = await startKubeSim(env, loadScenario('healthy'), new Date());
  });
  afterAll(async () => kube.stop());

  it('pages 600 pods by limit=250 and continue, one recorded call per page', async () => {
    const pods: Record<string, unknown> = {};
    for (let i = 0; i < 600; i++) {
      pods[`coder-ws/ws-${String(i).padStart(3, '0')}`] = {
        ageMinutes: 30,
        containers: { dev: { image: 'codercom/enterprise-base:ubuntu' } },
      };
    }
    const big = deepMerge(loadScenario('healthy'), { kubernetes: { pods } }) as Scenario;
    const part = await startKubeSim(env, big, new Date());
    try {
      const calls = new CallRecorder();
      const c = new KubeClient({
        server: part.url,
        caPem: part.caPem,
        token: eksTokenProvider({
          clusterName: 'coder-prod',
          region: 'us-east-1',
          credentials: env.credentials,
        }),
        timeoutMs: 5_000,
        calls,
      });
      const listed = await c.listPods('coder-ws');
      const names = listed.map((p) => p.metadata?.name ?? '');
      expect(names.filter((n) => n.startsWith('ws-'))).toHaveLength(600);
      expect(new Set(names).size).toBe(names.length); // no page read twice
      const records = calls.list();
      expect(records).toHaveLength(Math.ceil(names.length / 250));
      expect(records[0]!.resource).toBe('coder-ws/pods');
      expect(records.slice(1).every((r) => r.resource.startsWith('coder-ws/pods page:'))).toBe(true);
    } finally {
      await part.stop();
    }
  });

  it('encodes every query parameter as the API server parses it, and sends the bearer token', async () => {
    const s = await scripted([json(200, podList(['a'], 'tok/en+=')), json(200, podList(['b']))]);
    try {
      const c = client({ server: s.url, token: async () => 'k8s-aws-v1.token' });
      const pods = await c.listPods('coder', 'app.kubernetes.io/name=coder,tier in (web, api)');
      expect(pods.map((p) => p.metadata?.name)).toEqual(['a', 'b']);
      expect(s.seen.map((r) => r.url)).toEqual([
        '/api/v1/namespaces/coder/pods?labelSelector=app.kubernetes.io%2Fname%3Dcoder%2Ctier+in+%28web%2C+api%29&limit=250',
        '/api/v1/namespaces/coder/pods?labelSelector=app.kubernetes.io%2Fname%3Dcoder%2Ctier+in+%28web%2C+api%29&limit=250&continue=tok%2Fen%2B%3D',
      ]);
      expect(s.seen.every((r) => r.headers.authorization === 'Bearer k8s-aws-v1.token')).toBe(true);
      const p = new URL(`https://x${s.seen[1]!.url}`).searchParams;
      expect([p.get('labelSelector'), p.get('continue')]).toEqual([
        'app.kubernetes.io/name=coder,tier in (web, api)',
        'tok/en+=',
      ]);

      const events = await scripted([json(200, { kind: 'EventList', items: [] })]);
      const calls = new CallRecorder();
      await client({ server: events.url, calls }).listEvents('coder-ws', 'reason=FailedScheduling');
      expect(events.seen[0]!.url).toBe(
        '/api/v1/namespaces/coder-ws/events?fieldSelector=reason%3DFailedScheduling&limit=250',
      );
      expect(calls.list()[0]!.resource).toBe('coder-ws/events?fieldSelector=reason=FailedScheduling');
      await events.close();

      const logs = await scripted([
        (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('line\n');
        },
      ]);
      await client({ server: logs.url }).readPodLog('coder', 'coder-0', {
        container: 'coder',
        sinceSeconds: 3600,
        tailLines: 500,
      });
      expect(logs.seen[0]!.url).toBe(
        `/api/v1/namespaces/coder/pods/coder-0/log?container=coder&limitBytes=${LOG_LIMIT_BYTES}&sinceSeconds=3600&tailLines=500`,
      );
      await logs.close();
    } finally {
      await s.close();
    }
  });

  it('retries a 429 after its Retry-After, then returns the page', async () => {
    const s = await scripted([
      json(
        429,
        { kind: 'Status', reason: 'TooManyRequests', message: 'slow down', code: 429 },
        { 'retry-after': '0' },
      ),
      json(200, podList(['a'])),
    ]);
    try {
      const calls = new CallRecorder();
      const pods = await client({ server: s.url, calls }).listPods('coder');
      expect(pods).toHaveLength(1);
      expect(s.seen).toHaveLength(2);
      expect(calls.list()).toMatchObject([{ ok: true }]);
    } finally {
      await s.close();
    }
  });

  it('Function: retryDelayMs: Retry-After in seconds or as a date, capped at 2 s; else 200 ms doubling', () => {
    const now = Date.parse('2025-06-01T12:00:00Z');
    expect(retryDelayMs('1', 1, now)).toBe(1_000);
    expect(retryDelayMs('0', 3, now)).toBe(0);
    expect(retryDelayMs('120', 1, now)).toBe(2_000);
    expect(retryDelayMs('Sun, 01 Jun 2025 12:00:01 GMT', 1, now)).toBe(1_000);
    expect(retryDelayMs('Sun, 01 Jun 2025 11:00:00 GMT', 1, now)).toBe(0);
    expect(retryDelayMs(undefined, 1, now)).toBe(200);
    expect(retryDelayMs('soon', 3, now)).toBe(800);
  });

  it('401 and 403 carry the Status reason and message, never the token', async () => {
    const token = 'k8s-aws-v1.c2VjcmV0LXRva2Vu';
    const unauthorized = await failure(client({ token: async () => token }).listPods('coder'));
    expect([unauthorized.status, unauthorized.reason]).toEqual([401, 'Unauthorized']);
    expect(unauthorized.message).toBe(
      'kubernetes listNamespacedPod coder/pods: HTTP 401 Unauthorized: Unauthorized',
    );
    const forbidden = await failure(client().listDeployments('kube-system'));
    expect([forbidden.status, forbidden.reason]).toEqual([403, 'Forbidden']);
    expect(forbidden.message).toBe(
      'kubernetes listNamespacedDeployment kube-system/deployments: HTTP 403 Forbidden: deployments.apps is ' +
        `forbidden: User "${env.iam.userArn}" cannot list ` +
        'resource "deployments" in API group "apps" in the namespace "kube-system"',
    );
    for (const e of [unauthorized, forbidden]) expect(e.message).not.toContain(token);
  });

  it('follows a redirect on the same origin (token kept), at most 3', async () => {
    const to = (path: string) => (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(307, { location: path });
      res.end();
    };
    const once = await scripted([to('/moved?limit=250'), json(200, podList(['a']))]);
    try {
      expect(
        await client({ server: once.url, token: async () => 'k8s-aws-v1.t' }).listPods('coder'),
      ).toHaveLength(1);
      expect(once.seen.map((r) => [r.url, r.headers.authorization])).toEqual([
        ['/api/v1/namespaces/coder/pods?limit=250', 'Bearer k8s-aws-v1.t'],
        ['/moved?limit=250', 'Bearer k8s-aws-v1.t'],
      ]);
    } finally {
      await once.close();
    }
    const loop = await scripted([to('/again')]);
    try {
      const err = await failure(client({ server: loop.url }).listPods('coder'));
      expect([err.status, err.reason]).toEqual([0, 'NoResponse']);
      expect(err.message).toMatch(/more than 3 redirects/);
      expect(loop.seen).toHaveLength(4);
    } finally {
      await loop.close();
    }
  });

  it('refuses a page whose declared length is above the cap without reading it', async () => {
    let written = 0;
    const s = await scripted([
      (_req, res) => {
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': String(MAX_PAGE_BYTES + 1),
        });
        written = 1;
        res.write('{');
      },
    ]);
    try {
      const err = await failure(client({ server: s.url }).listPods('coder'));
      expect(written).toBe(1);
      expect(err.message).toMatch(/answer is larger than 16777216 bytes; not read/);
    } finally {
      await s.close();
    }
  });
});
