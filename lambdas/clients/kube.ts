import {
  ApiException,
  AppsV1Api,
  CustomObjectsApi,
  CoreV1Api,
  KubeConfig,
  ResponseContext,
  ServerConfiguration,
  createConfiguration,
  wrapHttpLibrary,
  type CoreV1Event,
  type HttpLibrary,
  type Middleware,
  type RequestContext,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { fetch } from 'undici';
import { z } from 'zod';
import type { CallRecorder } from '../audit/calls.js';
import { AuditError, describeError } from '../audit/errors.js';
import { readCapped } from './body.js';

/** Where the Kubernetes API is and how to authenticate to it. */
export interface KubeClientOptions {
  /** API server URL (`https://...`). */
  server: string;
  /** PEM bundle that signs the API server's certificate (the cluster CA). TLS is always verified. */
  caPem: string;
  /** Bearer token source (an EKS token provider); asked before every request. */
  token: () => Promise<string>;
  /** Client-side timeout of one request (`timeouts.callMs`). */
  timeoutMs: number;
  /** Aborts every request in flight (the group deadline). */
  signal?: AbortSignal;
  calls: CallRecorder;
  /** Attempts per request for 429 and 5xx answers (default 3). */
  maxAttempts?: number;
}

/** Options of a pod log read. */
export interface PodLogOptions {
  container?: string;
  sinceSeconds?: number;
  /** The last N lines (of the `sinceSeconds` window when both are given). */
  tailLines?: number;
  /**
   * The FIRST N bytes of what the other options select (the oldest lines of a tail): a memory bound, not a
   * way to choose lines. Default LOG_LIMIT_BYTES.
   */
  limitBytes?: number;
}

/** The Kubernetes API answered with an error status (or not at all). */
export class KubernetesApiError extends AuditError {
  /** HTTP status; 0 when no answer arrived (timeout, TLS, connection). */
  public readonly status: number;
  public readonly reason: string;
  public constructor(operation: string, resource: string, status: number, reason: string, message: string) {
    super(`kubernetes ${operation} ${resource}: ${status ? `HTTP ${status} ${reason}: ` : ''}${message}`);
    this.name = 'KubernetesApiError';
    this.status = status;
    this.reason = reason;
  }
}

const USER = 'coder-auditor';
const RETRYABLE = new Set([429, 500, 502, 503, 504]);
const PAGE_SIZE = 250;
/** Largest list page read (250 objects with their managedFields stay far below). */
export const MAX_PAGE_BYTES = 16 * 2 ** 20;
/**
 * Largest log read per container (`limitBytes`): the API server stops there; a little more is accepted,
 * since it "may return slightly more" (PodLogOptions), and nothing beyond.
 */
export const LOG_LIMIT_BYTES = 4 * 2 ** 20;
/** Most same-host redirects followed; a redirect to another host is refused. */
const MAX_REDIRECTS = 3;

/** The Kubernetes API answered something that is not the object it should be (validated with zod). */
export class KubernetesShapeError extends AuditError {
  public constructor(operation: string, resource: string, issue: string) {
    super(`kubernetes ${operation} ${resource}: unexpected answer: ${issue}`);
    this.name = 'KubernetesShapeError';
  }
}

/** The fields of each listed kind the checks rely on; the rest passes through unchecked. */
const Meta = z.object({ name: z.string().min(1), namespace: z.string().optional() }).passthrough();
const Containers = z.array(z.object({ name: z.string() }).passthrough());
const ITEM_SCHEMAS = {
  pods: z
    .object({
      metadata: Meta,
      spec: z.object({ containers: Containers }).passthrough().optional(),
      status: z
        .object({
          phase: z.string().optional(),
          containerStatuses: z.array(z.object({ name: z.string() }).passthrough()).optional(),
          conditions: z.array(z.object({ type: z.string() }).passthrough()).optional(),
        })
        .passthrough()
        .optional(),
    })
    .passthrough(),
  events: z
    .object({ metadata: Meta, message: z.string().optional(), reason: z.string().optional() })
    .passthrough(),
  deployments: z
    .object({
      metadata: Meta,
      spec: z
        .object({
          template: z.object({ spec: z.object({ containers: Containers }).passthrough() }).passthrough(),
        })
        .passthrough()
        .optional(),
    })
    .passthrough(),
} as const;

/** A PodMetricsList (metrics.k8s.io/v1beta1): each item's containers with their usage quantities. */
const PodMetricsList = z
  .object({
    items: z.array(
      z
        .object({
          metadata: Meta,
          containers: z.array(
            z
              .object({
                name: z.string(),
                usage: z.object({ cpu: z.string().optional(), memory: z.string().optional() }).passthrough(),
              })
              .passthrough(),
          ),
        })
        .passthrough(),
    ),
  })
  .passthrough();

/** One list page: `items` must be a list of objects of the kind, with a continue token at most. */
function listSchema(kind: keyof typeof ITEM_SCHEMAS) {
  return z
    .object({
      items: z.array(ITEM_SCHEMAS[kind]),
      metadata: z.object({ _continue: z.string().optional() }).passthrough().optional(),
    })
    .passthrough();
}

/**
 * The HTTP library of the generated client, replaced: undici with redirects followed only on the same
 * scheme, host and port (a redirect elsewhere is refused: an answer from another host is never taken for the
 * cluster's, and the bearer token never leaves it), and every body read with a cap (log reads: their
 * `limitBytes` plus a margin; lists: MAX_PAGE_BYTES).
 */
function cappedHttpLibrary(): HttpLibrary {
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      let url = new URL(request.getUrl());
      const isLog = url.pathname.endsWith('/log');
      const max = isLog
        ? Number(url.searchParams.get('limitBytes') ?? LOG_LIMIT_BYTES) + 64 * 1024
        : MAX_PAGE_BYTES;
      for (let hop = 0; ; hop++) {
        const res = await fetch(url, {
          method: request.getHttpMethod().toString(),
          body: request.getBody() as never,
          headers: request.getHeaders(),
          signal: request.getSignal() ?? null,
          dispatcher: request.getDispatcher() as never,
          redirect: 'manual',
        });
        const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
        if (location !== null) {
          await res.body?.cancel().catch(() => undefined);
          const next = new URL(location, url);
          if (next.origin !== url.origin) {
            throw new AuditError(`redirected to another host (${next.origin}); refused`);
          }
          if (hop >= MAX_REDIRECTS) throw new AuditError(`more than ${MAX_REDIRECTS} redirects`);
          url = next;
          continue;
        }
        const text = await readCapped(res, max, `GET ${url.pathname}`);
        const headers: Record<string, string> = {};
        res.headers.forEach((value, name) => {
          headers[name] = value;
        });
        return new ResponseContext(res.status, headers, {
          text: async () => text,
          binary: async () => Buffer.from(text),
        } as never);
      }
    },
  });
}

/** metrics.k8s.io/v1beta1 PodMetrics: each container's current usage (`cpu` like `250m`/`12345678n`, `memory` like `1500Ki`). */
export interface PodMetrics {
  metadata: { name: string; namespace?: string };
  timestamp?: string;
  window?: string;
  containers: Array<{ name: string; usage: { cpu?: string; memory?: string } }>;
}

/**
 * Read-only Kubernetes client for the cluster checks: the real @kubernetes/client-node over HTTPS, the
 * cluster CA pinned, an EKS bearer token, a client-side timeout and the group's abort signal on every
 * request, bounded retries of 429/5xx (honouring Retry-After), and every request counted by the recorder.
 */
export class KubeClient {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly opts: KubeClientOptions;

  public constructor(opts: KubeClientOptions) {
    this.opts = opts;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: 'eks',
          server: opts.server,
          caData: Buffer.from(opts.caPem, 'utf8').toString('base64'),
          skipTLSVerify: false,
        },
      ],
      users: [{ name: USER }],
      contexts: [{ name: 'audit', cluster: 'eks', user: USER }],
      currentContext: 'audit',
    });
    kc.addAuthenticator({
      isAuthProvider: (user) => user.name === USER,
      applyAuthentication: async (_user, reqOpts) => {
        reqOpts.headers = { ...reqOpts.headers, Authorization: `Bearer ${await opts.token()}` };
      },
    });
    const deadline: Middleware = {
      pre: async (rc: RequestContext) => {
        const timeout = AbortSignal.timeout(opts.timeoutMs);
        rc.setSignal(opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout);
        return rc;
      },
      post: async (response) => response,
    };
    const config = createConfiguration({
      baseServer: new ServerConfiguration(opts.server.replace(/\/+$/, ''), {}),
      authMethods: { default: kc },
      promiseMiddleware: [deadline],
      httpApi: cappedHttpLibrary(),
    });
    this.core = new CoreV1Api(config);
    this.apps = new AppsV1Api(config);
    this.custom = new CustomObjectsApi(config);
  }

  /** Every pod of a namespace (optionally filtered by a label selector). */
  public listPods(namespace: string, labelSelector?: string): Promise<V1Pod[]> {
    return this.list('listNamespacedPod', 'pods', `${namespace}/pods`, (cont) =>
      this.core.listNamespacedPod({ namespace, labelSelector, limit: PAGE_SIZE, _continue: cont }),
    );
  }

  /** Every event of a namespace (optionally filtered by a field selector). */
  public listEvents(namespace: string, fieldSelector?: string): Promise<CoreV1Event[]> {
    const resource = `${namespace}/events${fieldSelector ? `?fieldSelector=${fieldSelector}` : ''}`;
    return this.list('listNamespacedEvent', 'events', resource, (cont) =>
      this.core.listNamespacedEvent({ namespace, fieldSelector, limit: PAGE_SIZE, _continue: cont }),
    );
  }

  /** Every deployment of a namespace. */
  public listDeployments(namespace: string): Promise<V1Deployment[]> {
    return this.list('listNamespacedDeployment', 'deployments', `${namespace}/deployments`, (cont) =>
      this.apps.listNamespacedDeployment({ namespace, limit: PAGE_SIZE, _continue: cont }),
    );
  }

  /** One deployment, by name (`get`: what a Role with resourceNames grants, unlike `list`). */
  public readDeployment(namespace: string, name: string): Promise<V1Deployment> {
    return this.call('readNamespacedDeployment', `${namespace}/deployments/${name}`, () =>
      this.apps.readNamespacedDeployment({ namespace, name }),
    );
  }

  /**
   * What the pods of a namespace use now, from the resource metrics API (metrics-server,
   * `metrics.k8s.io/v1beta1` PodMetrics: what `kubectl top pods` reads). A pod without a sample is absent.
   */
  public async listPodMetrics(namespace: string, labelSelector?: string): Promise<PodMetrics[]> {
    const resource = `${namespace}/pods.metrics.k8s.io`;
    const out: unknown = await this.call('listNamespacedPodMetrics', resource, () =>
      this.custom.listNamespacedCustomObject({
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        namespace,
        plural: 'pods',
        labelSelector,
      }),
    );
    const checked = PodMetricsList.safeParse(out);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
      throw new KubernetesShapeError('listNamespacedPodMetrics', resource, where);
    }
    return checked.data.items as PodMetrics[];
  }

  /** The log of one container (`pods/log`), at most `limitBytes` (default LOG_LIMIT_BYTES) long. */
  public async readPodLog(namespace: string, name: string, o: PodLogOptions = {}): Promise<string> {
    const text = await this.call('readNamespacedPodLog', `${namespace}/pods/${name}/log`, () =>
      this.core.readNamespacedPodLog({ namespace, name, limitBytes: LOG_LIMIT_BYTES, ...o }),
    );
    if (typeof text !== 'string') {
      throw new KubernetesShapeError('readNamespacedPodLog', `${namespace}/pods/${name}/log`, 'not text');
    }
    return text;
  }

  private async list<T>(
    operation: string,
    kind: keyof typeof ITEM_SCHEMAS,
    resource: string,
    page: (cont: string | undefined) => Promise<{ items: T[]; metadata?: { _continue?: string } }>,
  ): Promise<T[]> {
    const items: T[] = [];
    const schema = listSchema(kind);
    let cont: string | undefined;
    do {
      const res = await this.call(operation, cont ? `${resource} page:${cont}` : resource, () => page(cont));
      const checked = schema.safeParse(res);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
        throw new KubernetesShapeError(operation, resource, where);
      }
      items.push(...res.items);
      cont = res.metadata?._continue || undefined;
    } while (cont);
    return items;
  }

  private call<T>(operation: string, resource: string, fn: () => Promise<T>): Promise<T> {
    const attempts = this.opts.maxAttempts ?? 3;
    return this.opts.calls.track('kubernetes', operation, resource, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn();
        } catch (err) {
          const e = toApiError(operation, resource, err);
          if (attempt >= attempts || !RETRYABLE.has(e.status) || this.opts.signal?.aborted) throw e;
          await sleep(retryDelayMs(err, attempt), this.opts.signal);
        }
      }
    });
  }
}

/** Backoff: the server's Retry-After (capped at 2 s), else 200 ms doubling. */
function retryDelayMs(err: unknown, attempt: number): number {
  const headers = err instanceof ApiException ? (err.headers as Record<string, string>) : {};
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return Math.min(retryAfter * 1000, 2_000);
  return 200 * 2 ** (attempt - 1);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** A short, secret-free error: status, reason and the API's Status message (never headers or tokens). */
function toApiError(operation: string, resource: string, err: unknown): KubernetesApiError {
  if (err instanceof KubernetesApiError) return err;
  if (err instanceof ApiException) {
    const status = Number(err.code);
    const body = parseStatus(err.body);
    const reason = body.reason ?? (status === 401 ? 'Unauthorized' : 'Error');
    return new KubernetesApiError(operation, resource, status, reason, body.message ?? reason);
  }
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError') {
    return new KubernetesApiError(operation, resource, 0, 'Timeout', 'no answer within the client timeout');
  }
  if (name === 'AbortError') return new KubernetesApiError(operation, resource, 0, 'Aborted', 'aborted');
  const cause = err instanceof Error && err.cause ? `: ${describeError(err.cause)}` : '';
  return new KubernetesApiError(operation, resource, 0, 'NoResponse', `${describeError(err)}${cause}`);
}

function parseStatus(body: unknown): { reason?: string; message?: string } {
  let v = body;
  if (typeof body === 'string') {
    try {
      v = JSON.parse(body);
    } catch {
      return { message: body.slice(0, 200) };
    }
  }
  if (v && typeof v === 'object') {
    const o = v as { reason?: unknown; message?: unknown };
    return {
      ...(typeof o.reason === 'string' ? { reason: o.reason } : {}),
      ...(typeof o.message === 'string' ? { message: o.message.slice(0, 300) } : {}),
    };
  }
  return {};
}
