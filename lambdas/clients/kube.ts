import https from 'node:https';
import tls from 'node:tls';
import * as z from 'zod';
import type { CallRecorder } from '../audit/calls.js';
import { AuditError, describeError } from '../audit/errors.js';
import { getCapped, type HttpAnswer } from './http.js';
import { pause } from './pause.js';
import type { CoreV1Event, V1Deployment, V1Pod } from './kube-types.js';

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

/** What each list answers: the kind's objects (the fields the checks rely on checked, the rest passed through). */
interface ListedKinds {
  pods: V1Pod;
  events: CoreV1Event;
  deployments: V1Deployment;
}
type Kind = keyof ListedKinds;

/**
 * One list page of each kind: `items` a list of objects of the kind, a continue token at most. Built on the
 * first list (zod schemas cost CPU to build; a cold start that lists nothing builds none).
 */
let listSchemas: Record<Kind, z.ZodType> | undefined;
function listSchema(kind: Kind): z.ZodType {
  listSchemas ??= (() => {
    const Meta = z.object({ name: z.string().min(1), namespace: z.string().optional() }).passthrough();
    const Containers = z.array(z.object({ name: z.string() }).passthrough());
    const items = {
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
        .object({
          metadata: Meta,
          involvedObject: z.object({}).passthrough(),
          message: z.string().optional(),
          reason: z.string().optional(),
        })
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
    };
    const page = (item: z.ZodType) =>
      z
        .object({
          items: z.array(item),
          metadata: z.object({ continue: z.string().optional() }).passthrough().optional(),
        })
        .passthrough();
    return { pods: page(items.pods), events: page(items.events), deployments: page(items.deployments) };
  })();
  return listSchemas[kind];
}

/** metrics.k8s.io/v1beta1 PodMetrics: each container's current usage (`cpu` like `250m`/`12345678n`, `memory` like `1500Ki`). */
export interface PodMetrics {
  metadata: { name: string; namespace?: string };
  timestamp?: string;
  window?: string;
  containers: Array<{ name: string; usage: { cpu?: string; memory?: string } }>;
}

/** Single objects read by name, and the PodMetricsList: the fields the checks rely on (built on first use). */
let objectSchemas: { deployment: z.ZodType; podMetrics: z.ZodType } | undefined;
function objectSchema(kind: 'deployment' | 'podMetrics'): z.ZodType {
  objectSchemas ??= (() => {
    const Meta = z.object({ name: z.string().min(1), namespace: z.string().optional() }).passthrough();
    const usage = z.object({ cpu: z.string().optional(), memory: z.string().optional() }).passthrough();
    return {
      deployment: z.object({ metadata: Meta }).passthrough(),
      podMetrics: z
        .object({
          items: z.array(
            z
              .object({
                metadata: Meta,
                containers: z.array(z.object({ name: z.string(), usage }).passthrough()),
              })
              .passthrough(),
          ),
        })
        .passthrough(),
    };
  })();
  return objectSchemas[kind];
}

/** A list page as the API sends it (ListMeta's `continue` names the next page). */
interface ListPage<T> {
  items: T[];
  metadata?: { continue?: string };
}

/** The parameters of a list or log read, encoded as the API server's query parser expects. */
type Query = Record<string, string | number | undefined>;

/**
 * Read-only Kubernetes client for the cluster checks: plain GETs over `node:https` with the cluster CA pinned
 * (the only CA trusted; TLS always verified), an EKS bearer token per request, a client-side timeout and the
 * group's abort signal on every request, bounded retries of 429/5xx (honouring Retry-After), pages of
 * `limit=250` followed by their `continue` token, capped bodies, redirects followed on the same origin only,
 * and every request counted by the recorder. Answers are the API's JSON: timestamps stay strings (see
 * kube-types.ts).
 */
export class KubeClient {
  private readonly opts: KubeClientOptions;
  private readonly base: string;
  private readonly agent: https.Agent;

  public constructor(opts: KubeClientOptions) {
    this.opts = opts;
    this.base = opts.server.replace(/\/+$/, '');
    this.agent = new https.Agent({
      keepAlive: true,
      // Only the cluster CA: a certificate signed by a public root is not the cluster's.
      secureContext: tls.createSecureContext({ ca: opts.caPem }),
      rejectUnauthorized: true,
    });
  }

  /** Every pod of a namespace (optionally filtered by a label selector). */
  public listPods(namespace: string, labelSelector?: string): Promise<V1Pod[]> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
    return this.list('listNamespacedPod', 'pods', `${namespace}/pods`, path, { labelSelector });
  }

  /** Every event of a namespace (optionally filtered by a field selector). */
  public listEvents(namespace: string, fieldSelector?: string): Promise<CoreV1Event[]> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`;
    const resource = fieldSelector
      ? `${namespace}/events?fieldSelector=${fieldSelector}`
      : `${namespace}/events`;
    return this.list('listNamespacedEvent', 'events', resource, path, { fieldSelector });
  }

  /** Every deployment of a namespace. */
  public listDeployments(namespace: string): Promise<V1Deployment[]> {
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments`;
    return this.list('listNamespacedDeployment', 'deployments', `${namespace}/deployments`, path, {});
  }

  /** One deployment, by name (`get`: what a Role with resourceNames grants, unlike `list`). */
  public readDeployment(namespace: string, name: string): Promise<V1Deployment> {
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(name)}`;
    return this.read('readNamespacedDeployment', `${namespace}/deployments/${name}`, path, {}, 'deployment');
  }

  /**
   * What the pods of a namespace use now, from the resource metrics API (metrics-server,
   * `metrics.k8s.io/v1beta1` PodMetrics: what `kubectl top pods` reads). A pod without a sample is absent.
   */
  public async listPodMetrics(namespace: string, labelSelector?: string): Promise<PodMetrics[]> {
    const path = `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods`;
    const resource = `${namespace}/pods.metrics.k8s.io`;
    const list = await this.read<{ items: PodMetrics[] }>(
      'listNamespacedPodMetrics',
      resource,
      path,
      { labelSelector },
      'podMetrics',
    );
    return list.items;
  }

  /** The log of one container (`pods/log`), at most `limitBytes` (default LOG_LIMIT_BYTES) long. */
  public async readPodLog(namespace: string, name: string, o: PodLogOptions = {}): Promise<string> {
    const resource = `${namespace}/pods/${name}/log`;
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/log`;
    const limitBytes = o.limitBytes ?? LOG_LIMIT_BYTES;
    const query: Query = {
      container: o.container,
      limitBytes,
      sinceSeconds: o.sinceSeconds,
      tailLines: o.tailLines,
    };
    const res = await this.call('readNamespacedPodLog', resource, () =>
      // The API server "may return slightly more" than limitBytes (PodLogOptions): a margin, nothing beyond.
      this.get(path, query, limitBytes + 64 * 1024, '*/*'),
    );
    return res.text;
  }

  private async list<K extends Kind>(
    operation: string,
    kind: K,
    resource: string,
    path: string,
    query: Query,
  ): Promise<Array<ListedKinds[K]>> {
    const items: Array<ListedKinds[K]> = [];
    let cont: string | undefined;
    do {
      const q = { ...query, limit: PAGE_SIZE, continue: cont };
      const res = await this.call(operation, cont ? `${resource} page:${cont}` : resource, () =>
        this.get(path, q, MAX_PAGE_BYTES, 'application/json'),
      );
      const page = checkedJson<ListPage<ListedKinds[K]>>(operation, resource, res.text, listSchema(kind));
      items.push(...page.items);
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return items;
  }

  /** One object (or unpaged list) read as JSON and checked against its schema. */
  private async read<T>(
    operation: string,
    resource: string,
    path: string,
    query: Query,
    kind: 'deployment' | 'podMetrics',
  ): Promise<T> {
    const res = await this.call(operation, resource, () =>
      this.get(path, query, MAX_PAGE_BYTES, 'application/json'),
    );
    return checkedJson<T>(operation, resource, res.text, objectSchema(kind));
  }

  /** One GET, authenticated; an answer that is not 2xx is a KubernetesApiError of its Status object. */
  private async get(path: string, query: Query, maxBytes: number, accept: string): Promise<HttpAnswer> {
    const url = new URL(`${this.base}${path}`);
    for (const [k, v] of Object.entries(query))
      if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = this.opts.signal ? AbortSignal.any([timeout, this.opts.signal]) : timeout;
    try {
      const res = await getCapped(url, {
        headers: {
          Accept: accept,
          Authorization: `Bearer ${await this.opts.token()}`,
          'User-Agent': 'coder-auditor',
        },
        signal,
        httpsAgent: this.agent,
        maxBytes,
        what: `GET ${url.pathname}`,
        maxRedirects: MAX_REDIRECTS,
      });
      if (res.status < 200 || res.status > 299) throw new HttpStatusError(res);
      return res;
    } catch (err) {
      if (err instanceof HttpStatusError) throw err;
      if (this.opts.signal?.aborted) throw new RequestFailed('Aborted', 'aborted');
      if (timeout.aborted) throw new RequestFailed('Timeout', 'no answer within the client timeout');
      const cause = err instanceof Error && err.cause ? `: ${describeError(err.cause)}` : '';
      throw new RequestFailed('NoResponse', `${describeError(err)}${cause}`);
    }
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
          const retryAfter = err instanceof HttpStatusError ? err.res.headers['retry-after'] : undefined;
          await pause(retryDelayMs(retryAfter, attempt), this.opts.signal);
        }
      }
    });
  }
}

/** An answer's JSON, checked against the schema of what it should be: else a KubernetesShapeError. */
function checkedJson<T>(operation: string, resource: string, text: string, schema: z.ZodType): T {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new KubernetesShapeError(operation, resource, 'not JSON');
  }
  const checked = schema.safeParse(doc);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
    throw new KubernetesShapeError(operation, resource, where);
  }
  return checked.data as T;
}

/** A non-2xx answer (internal: becomes a KubernetesApiError). */
class HttpStatusError extends Error {
  public constructor(public readonly res: HttpAnswer) {
    super(`HTTP ${res.status}`);
  }
}

/** No answer (internal: becomes a KubernetesApiError with status 0). */
class RequestFailed extends Error {
  public constructor(
    public readonly reason: 'Timeout' | 'Aborted' | 'NoResponse',
    message: string,
  ) {
    super(message);
  }
}

/** Longest wait before a retry, whatever Retry-After asks. */
const MAX_RETRY_DELAY_MS = 2_000;

/** Backoff: the server's Retry-After (seconds or an HTTP date; capped at 2 s), else 200 ms doubling. */
export function retryDelayMs(header: string | undefined, attempt: number, now = Date.now()): number {
  if (header !== undefined && header.trim() !== '') {
    const seconds = Number(header);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
    if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), MAX_RETRY_DELAY_MS);
  }
  return 200 * 2 ** (attempt - 1);
}

/** A short, secret-free error: status, reason and the API's Status message (never headers or tokens). */
function toApiError(operation: string, resource: string, err: unknown): KubernetesApiError {
  if (err instanceof KubernetesApiError) return err;
  if (err instanceof HttpStatusError) {
    const status = err.res.status;
    const body = parseStatus(err.res.text);
    const reason = body.reason ?? (status === 401 ? 'Unauthorized' : 'Error');
    return new KubernetesApiError(operation, resource, status, reason, body.message ?? reason);
  }
  if (err instanceof RequestFailed)
    return new KubernetesApiError(operation, resource, 0, err.reason, err.message);
  return new KubernetesApiError(operation, resource, 0, 'NoResponse', describeError(err));
}

/** The `reason` and `message` of the API's Status object (metav1.Status), when the body is one. */
function parseStatus(body: string): { reason?: string; message?: string } {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return body ? { message: body.slice(0, 200) } : {};
  }
  if (v && typeof v === 'object') {
    const o = v as { reason?: unknown; message?: unknown };
    return {
      ...(typeof o.reason === 'string' && o.reason ? { reason: o.reason } : {}),
      ...(typeof o.message === 'string' && o.message ? { message: o.message.slice(0, 300) } : {}),
    };
  }
  return {};
}
