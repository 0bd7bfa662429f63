import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SIM_IDS } from '../deployment.js';
import type { SimEnv, SimPart } from '../env.js';
import { listenLocal } from '../listen.js';
import { delay } from '../faults.js';
import { sendHostileBody } from '../hostile.js';
import type { Scenario } from '../scenario.js';
import { allows, clusterAccessEntries, eksIdentity, type AccessRequest } from './access.js';
import { verifyEksToken } from './auth.js';
import { parseKubernetesScenario } from './model.js';
import { buildState, type Wire } from './objects.js';

/** The Kubernetes twin: what the orchestrator hands to the AWS twin so that DescribeCluster returns it. */
export interface KubeSimPart extends SimPart {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** PEM of the CA that signs the twin's certificate (DescribeCluster's certificateAuthority, decoded). */
  caPem: string;
}

interface Route {
  operation: string;
  verb: 'get' | 'list';
  /** Resource as RBAC names it (`pods`, `pods/log`, `deployments`...). */
  resource: string;
  group: string;
  namespace?: string;
  name?: string;
}

const STATUS_BASE = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure' };

function status(code: number, reason: string, message: string, details?: Wire): Wire {
  return { ...STATUS_BASE, message, reason, ...(details ? { details } : {}), code };
}

/** Map a request path to the API operation it is, as client-node names them. */
function route(path: string): Route | undefined {
  let m =
    /^\/api\/v1\/namespaces\/([^/]+)\/(pods|events|secrets|configmaps|services)(?:\/([^/]+))?(\/log)?$/.exec(
      path,
    );
  if (m) {
    const [, namespace, kind, name, log] = m as unknown as [string, string, string, string?, string?];
    if (log && kind !== 'pods') return undefined;
    const title = {
      pods: 'Pod',
      events: 'Event',
      secrets: 'Secret',
      configmaps: 'ConfigMap',
      services: 'Service',
    }[kind]!;
    if (log)
      return {
        operation: 'readNamespacedPodLog',
        verb: 'get',
        resource: 'pods/log',
        group: '',
        namespace,
        name,
      };
    return name
      ? { operation: `readNamespaced${title}`, verb: 'get', resource: kind, group: '', namespace, name }
      : { operation: `listNamespaced${title}`, verb: 'list', resource: kind, group: '', namespace };
  }
  m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments(?:\/([^/]+))?$/.exec(path);
  if (m) {
    const [, namespace, name] = m as unknown as [string, string, string?];
    return name
      ? {
          operation: 'readNamespacedDeployment',
          verb: 'get',
          resource: 'deployments',
          group: 'apps',
          namespace,
          name,
        }
      : {
          operation: 'listNamespacedDeployment',
          verb: 'list',
          resource: 'deployments',
          group: 'apps',
          namespace,
        };
  }
  m = /^\/api\/v1\/(nodes|pods|events|secrets|namespaces)(?:\/([^/]+))?$/.exec(path);
  if (m) {
    const [, kind, name] = m as unknown as [string, string, string?];
    return {
      operation: name ? `read_${kind}` : `list_${kind}`,
      verb: name ? 'get' : 'list',
      resource: kind,
      group: '',
      // The API server authorises a namespace object within itself (RequestInfo's namespace is its name).
      ...(kind === 'namespaces' && name ? { namespace: name } : {}),
    };
  }
  m = /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods$/.exec(path);
  if (m)
    return {
      operation: 'listNamespacedPodMetrics',
      verb: 'list',
      resource: 'pods',
      group: 'metrics.k8s.io',
      namespace: m[1]!,
    };
  m = /^\/apis\/apps\/v1\/deployments$/.exec(path);
  if (m)
    return {
      operation: 'listDeploymentForAllNamespaces',
      verb: 'list',
      resource: 'deployments',
      group: 'apps',
    };
  return undefined;
}

/** Field/label selector terms: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`. */
function matchesSelector(selector: string | null, get: (key: string) => string | undefined): boolean {
  if (!selector) return true;
  const terms = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return terms.every((raw) => {
    const t = raw.trim();
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t);
    if (m) {
      const values = m[3]!.split(',').map((v) => v.trim());
      const v = get(m[1]!);
      return m[2] === 'in' ? v !== undefined && values.includes(v) : v === undefined || !values.includes(v);
    }
    m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(t);
    if (m) return m[2] === '!=' ? get(m[1]!) !== m[3] : get(m[1]!) === m[3];
    if (t.startsWith('!')) return get(t.slice(1)) === undefined;
    return get(t) !== undefined;
  });
}

const RESOURCE_VERSION = '48500';

/**
 * A list page as the API server cuts it (kubernetes/apiserver pkg/storage/etcd3/store.go GetList, continue
 * tokens from pkg/storage/continue.go): `limit` items at most, and while more remain a `continue` token,
 * base64url of {"v":"meta.k8s.io/v1","rv":<resourceVersion>,"start":"<next key>"}; `remainingItemCount`
 * only without selectors. A token that does not decode is a 400 ("continue key is not valid").
 */
function paginate(items: Wire[], q: URLSearchParams): { items: Wire[]; meta: Wire } | { error: string } {
  let start = 0;
  const token = q.get('continue');
  if (token) {
    let key: unknown;
    try {
      key = (JSON.parse(Buffer.from(token, 'base64url').toString()) as { start?: unknown }).start;
    } catch {
      key = undefined;
    }
    if (typeof key !== 'string' || !key.endsWith('\u0000')) {
      return { error: 'continue key is not valid: invalid start key' };
    }
    // The twin keeps its own (scenario) order: the page starts after the last object the token names.
    const after = items.findIndex((o) => field(o, 'metadata.name') === key.slice(0, -1));
    start = after + 1;
  }
  const limit = Number(q.get('limit') ?? 0);
  const end = limit > 0 ? start + limit : items.length;
  const meta: Wire = {};
  if (end < items.length) {
    const last = field(items[end - 1]!, 'metadata.name')!;
    meta.continue = Buffer.from(
      JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(RESOURCE_VERSION), start: `${last}\u0000` }),
    ).toString('base64url');
    if (!q.get('labelSelector') && !q.get('fieldSelector')) meta.remainingItemCount = items.length - end;
  }
  return { items: items.slice(start, end), meta };
}

function field(obj: Wire, path: string): string | undefined {
  let v: unknown = obj;
  for (const p of path.split('.')) v = v && typeof v === 'object' ? (v as Wire)[p] : undefined;
  return v === undefined || v === null ? undefined : String(v);
}

/** Start the Kubernetes API twin on loopback (HTTPS, random port). */
export async function startKubeSim(env: SimEnv, scenario: Scenario, now: Date): Promise<KubeSimPart> {
  const load = (s: Scenario, at: Date) => {
    const k = parseKubernetesScenario(s.kubernetes, s.name);
    return {
      state: buildState(k, at),
      entries: clusterAccessEntries(s, env.iam, k.accessEntries),
      roleGrants: k.roleGrants,
    };
  };
  let { state, entries, roleGrants } = load(scenario, now);
  let port = 0;
  const stopping = new AbortController();

  const send = (
    res: ServerResponse,
    code: number,
    body: Wire | string,
    headers: Record<string, string> = {},
  ) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(code, {
      'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      'audit-id': crypto.randomUUID(),
      ...headers,
    });
    res.end(text);
  };

  /** The Status of a refused request, as the API server words it for the user EKS named. */
  const forbidden = (user: string, r: AccessRequest & { name?: string }) =>
    status(
      403,
      'Forbidden',
      // apimachinery errors.NewForbidden: `<resource>[.<group>][ "<name>"] is forbidden: ...` (no subresource).
      `${r.resource.split('/')[0]}${r.group ? `.${r.group}` : ''}${r.name ? ` "${r.name}"` : ''} is forbidden: User "${user}" cannot ${r.verb} resource "${r.resource}" in API group "${r.group}" ` +
        (r.namespace ? `in the namespace "${r.namespace}"` : 'at the cluster scope'),
      { kind: r.resource.split('/')[0] },
    );
  /** The verb of a request: reads are get/list (the route's), writes by their HTTP method. */
  const verbOf = (method: string | undefined, r: Route): string =>
    ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: r.name ? 'delete' : 'deletecollection' })[
      method ?? 'GET'
    ] ?? r.verb;

  const serve = (r: Route, url: URL, res: ServerResponse) => {
    const ns = r.namespace!;
    const list = (kind: string, apiVersion: string, items: Wire[]) => {
      const page = paginate(items, url.searchParams);
      if ('error' in page) return send(res, 400, status(400, 'BadRequest', page.error));
      send(res, 200, {
        kind,
        apiVersion,
        metadata: { resourceVersion: RESOURCE_VERSION, ...page.meta },
        items: page.items,
      });
    };
    const notFound = (kind: string) =>
      send(res, 404, status(404, 'NotFound', `${kind} "${r.name}" not found`, { name: r.name, kind }));
    const byLabels = (items: Wire[]) =>
      items.filter((o) =>
        matchesSelector(url.searchParams.get('labelSelector'), (k) =>
          field(o, 'metadata.labels')
            ? ((o.metadata as Wire).labels as Record<string, string>)[k]
            : undefined,
        ),
      );
    const byFields = (items: Wire[]) =>
      items.filter((o) => matchesSelector(url.searchParams.get('fieldSelector'), (k) => field(o, k)));
    const pods = state.pods.get(ns) ?? [];
    switch (r.operation) {
      case 'listNamespacedPod':
        return list('PodList', 'v1', byFields(byLabels(pods)));
      case 'readNamespacedPod': {
        const pod = pods.find((p) => field(p, 'metadata.name') === r.name);
        return pod ? send(res, 200, pod) : notFound('pods');
      }
      case 'listNamespacedEvent':
        return list('EventList', 'v1', byFields(byLabels(state.events.get(ns) ?? [])));
      case 'listNamespacedDeployment':
        return list('DeploymentList', 'apps/v1', byFields(byLabels(state.deployments.get(ns) ?? [])));
      case 'readNamespacedDeployment': {
        const d = (state.deployments.get(ns) ?? []).find((x) => field(x, 'metadata.name') === r.name);
        return d ? send(res, 200, d) : notFound('deployments.apps');
      }
      case 'readNamespacedPodLog':
        return podLog(r, url, res, pods);
      case 'listNamespacedConfigMap':
        return list('ConfigMapList', 'v1', []);
      case 'listNamespacedService':
        return list('ServiceList', 'v1', []);
      case 'listNamespacedPodMetrics':
        return list('PodMetricsList', 'metrics.k8s.io/v1beta1', byLabels(state.podMetrics.get(ns) ?? []));
      default:
        return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    }
  };

  const podLog = (r: Route, url: URL, res: ServerResponse, pods: Wire[]) => {
    const pod = pods.find((p) => field(p, 'metadata.name') === r.name);
    if (!pod)
      return send(
        res,
        404,
        status(404, 'NotFound', `pods "${r.name}" not found`, { name: r.name, kind: 'pods' }),
      );
    const containers = ((pod.spec as Wire).containers as Wire[]).map((c) => String(c.name));
    const container =
      url.searchParams.get('container') ?? (containers.length === 1 ? containers[0] : undefined);
    if (!container) {
      return send(
        res,
        400,
        status(
          400,
          'BadRequest',
          `a container name must be specified for pod ${r.name}, choose one of: [${containers.join(' ')}]`,
        ),
      );
    }
    if (!containers.includes(container)) {
      return send(
        res,
        400,
        status(400, 'BadRequest', `container ${container} is not valid for pod ${r.name}`),
      );
    }
    const blocked = state.logBlocked.get(`${r.namespace}/${r.name}`);
    if (blocked) return send(res, 400, status(400, 'BadRequest', blocked));
    const since = Number(url.searchParams.get('sinceSeconds') ?? NaN);
    const cutoff = Number.isFinite(since) ? Date.now() - since * 1000 : -Infinity;
    const stamps = url.searchParams.get('timestamps') === 'true';
    let lines = (state.logs.get(`${r.namespace}/${r.name}`) ?? []).filter((l) => l.at.getTime() >= cutoff);
    const tail = Number(url.searchParams.get('tailLines') ?? NaN);
    if (Number.isFinite(tail)) lines = lines.slice(Math.max(0, lines.length - tail));
    let text = lines
      .map((l) => (stamps ? `${l.at.toISOString().replace('Z', '000000Z')} ` : '') + l.line + '\n')
      .join('');
    const limit = Number(url.searchParams.get('limitBytes') ?? NaN);
    if (Number.isFinite(limit) && limit > 0) text = Buffer.from(text).subarray(0, limit).toString('utf8');
    return send(res, 200, text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const verdict = verifyEksToken(req.headers.authorization, {
      clusterName: SIM_IDS.clusterName,
      region: env.region,
      key: (accessKeyId) => env.iam.principal(accessKeyId),
      now: new Date(),
    });
    if (!verdict.ok) return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    // EKS maps the token's IAM principal to the cluster's access entry: none, and it is not authenticated.
    const principal = env.iam.principal(verdict.accessKeyId);
    const identity = principal && principal !== 'expired' ? eksIdentity(principal) : undefined;
    const entry = identity && entries.find((e) => e.principalArn === identity.principalArn);
    if (!identity || !entry) return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    if (url.pathname === '/version') {
      return send(res, 200, {
        major: '1',
        minor: '31',
        gitVersion: 'v1.31.4-eks-2d5f260',
        platform: 'linux/amd64',
      });
    }
    const r = route(url.pathname);
    if (!r)
      return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const decision = env.faults.decide('kubernetes', r.operation);
    if (decision.delayMs) await delay(decision.delayMs, stopping.signal);
    switch (decision.failure) {
      case 'hang':
        return; // never answer; stop() closes the socket
      case 'refuse':
        return req.socket.destroy();
      case 'throttle':
        return send(
          res,
          429,
          status(429, 'TooManyRequests', 'Too many requests, please try again later.', {
            retryAfterSeconds: 1,
          }),
          { 'retry-after': '1' },
        );
      case 'error5xx':
        return send(
          res,
          503,
          status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'),
        );
      case 'accessDenied':
        return send(res, 403, forbidden(identity.username, r));
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":');
      case 'wrongShape':
        return send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: 'nope' } as Wire);
      case 'redirect':
        return send(res, 302, '', { location: `https://localhost:${port}${url.pathname}${url.search}` });
      case 'oversized':
      case 'endless':
      case 'slowBody': {
        // The API server honours limitBytes on logs (it stops there): so does the twin.
        const limit = Number(url.searchParams.get('limitBytes') ?? NaN);
        const isLog = r.operation === 'readNamespacedPodLog';
        const capped = isLog && Number.isFinite(limit) && limit > 0;
        const kind = capped && decision.failure === 'endless' ? 'oversized' : decision.failure;
        const bytes = capped ? Math.min(limit, decision.bytes ?? limit) : (decision.bytes ?? 0);
        return sendHostileBody(res, kind, {
          bytes,
          contentType: isLog ? 'text/plain' : 'application/json',
          signal: stopping.signal,
        });
      }
      default:
    }
    const asked = { ...r, verb: verbOf(req.method, r) };
    // Access policies within their scopes, or an in-cluster Role rule bound to one of the entry's Kubernetes
    // groups (with resourceNames: those objects only, so never a list).
    const roleGranted = roleGrants.some(
      (g) =>
        (entry.kubernetesGroups ?? []).includes(g.group) &&
        g.namespace === r.namespace &&
        g.apiGroup === r.group &&
        g.resource === r.resource &&
        g.verbs.includes(asked.verb as 'get') &&
        (g.names === undefined || (r.name !== undefined && g.names.includes(r.name))),
    );
    if (!roleGranted && !allows(entry, asked)) return send(res, 403, forbidden(identity.username, asked));
    // The twin serves reads only (an access policy that allowed a write would still be answered 405).
    if (asked.verb !== r.verb)
      return send(res, 405, status(405, 'MethodNotAllowed', 'the server does not allow this method'));
    return serve(r, url, res);
  };

  const server: Server = createServer({ cert: env.tls.cert, key: env.tls.key }, (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, status(500, 'InternalError', 'internal error'));
    });
  });
  const listener = await listenLocal(server);
  port = listener.port;

  return {
    name: 'kube',
    url: `https://127.0.0.1:${port}`,
    caPem: env.tls.ca,
    config: {},
    async apply(next: Scenario, at: Date) {
      ({ state, entries, roleGrants } = load(next, at));
    },
    async stop() {
      stopping.abort();
      await listener.close();
    },
  };
}
