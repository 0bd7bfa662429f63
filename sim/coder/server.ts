import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { mintChain } from '../certificates.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SIM_CA_FILE, type SimEnv, type SimPart } from '../env.js';
import { listenLocal } from '../listen.js';
import { delay, type FaultDecision } from '../faults.js';
import { sendHostileBody } from '../hostile.js';
import type { Scenario } from '../scenario.js';
import { discoveryDocument } from './idp.js';
import { majorMinor, parseCoderScenario, simUuid, SIM_HEALTH_SECTIONS, type CoderScenario } from './model.js';
import { can, displayName, SITE_ROLES, type SimRole } from './rbac.js';
import { workloadRoutes, type WorkloadState } from './workloads.js';

const DAY = 86_400_000;
const MINUTE = 60_000;
/** coderd reports a daemon offline when it has not heartbeated for this long. */
const DAEMON_STALE_MS = 90_000;
/** httpmw.SignedOutErrorMessage. */
const SIGNED_OUT = 'You are signed out or your session has expired. Please sign in again to continue.';

type Json = Record<string, unknown>;
interface Reply {
  status: number;
  body: unknown;
  text?: boolean;
}
interface Route {
  service: 'coder' | 'oidc';
  /** Operation name for fault injection, e.g. `GET /api/v2/templates/{template}/acl`. */
  operation: string;
  pattern: RegExp;
  auth: boolean;
  handle(params: string[], at: Date, url: URL): Reply | Promise<Reply>;
}

/** State of the twin: the parsed scenario and the absolute times it resolves to. */
interface State {
  s: CoderScenario;
  now: Date;
  orgId: string;
  /** The auditor's roles (its organization roles apply to the twin's one organization). */
  roles: SimRole[];
  /** coderd's health report cache: when the cached report was made (ms), and the check running now. */
  health: { cachedAt: number | undefined; running: Promise<void> | undefined };
}

const json = (status: number, body: unknown): Reply => ({ status, body });
/** httpapi.ResourceNotFound. */
const notFound = (): Reply =>
  json(404, { message: 'Resource not found or you do not have access to this resource' });
/** httpapi.RouteNotFound: what the open-source build answers for Premium routes. */
const routeNotFound = (): Reply => json(404, { message: 'Route not found.' });
/** httpapi.Forbidden (httpapi.ResourceForbiddenResponse). */
const forbidden = (): Reply =>
  json(403, {
    message: 'Forbidden.',
    detail:
      "You don't have permission to view this content. If you believe this is a mistake, please contact your " +
      'administrator or try signing in with different credentials.',
  });
/** coderd/debug.go, when the synchronous health check did not finish within HealthcheckTimeout. */
const HEALTH_IN_PROGRESS =
  'Healthcheck is in progress and did not complete in time. Try again in a few seconds.';
/** coderd's default page of provisioner daemons (coderd/provisionerdaemons.go: `p.PositiveInt32(qp, 50, "limit")`). */
const DAEMON_PAGE = 50;

/**
 * Start the Coder API twin and the OIDC issuer twin: one HTTPS server on 127.0.0.1 serving the Coder API
 * under `/` and the issuer under `/oidc`. Only `Coder-Session-Token: env.secrets.coderToken` is accepted; the
 * token's key id is its part before the first `-`.
 */
export async function startCoderSim(env: SimEnv, scenario: Scenario, now: Date): Promise<SimPart> {
  const token = env.secrets.coderToken;
  const keyId = token.slice(0, token.indexOf('-'));
  let state = makeState(scenario, now);
  const stopping = new AbortController();
  let base = '';

  const routes: Route[] = [
    {
      service: 'coder',
      operation: 'GET /healthz',
      pattern: /^\/healthz$/,
      auth: false,
      handle: () => ({ status: state.s.healthz.status, body: state.s.healthz.body, text: true }),
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/buildinfo',
      pattern: /^\/api\/v2\/buildinfo$/,
      auth: false,
      handle: () =>
        json(200, {
          external_url: `https://github.com/coder/coder/releases/tag/${state.s.version}`,
          version: state.s.version,
          dashboard_url: base,
          telemetry: false,
          workspace_proxy: false,
          agent_api_version: '2.6',
          provisioner_api_version: '1.6',
          upgrade_message: '',
          deployment_id: simUuid('deployment', 'sim'),
        }),
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/debug/health',
      pattern: /^\/api\/v2\/debug\/health$/,
      auth: true,
      handle: async (_p, _at, url) => {
        if (!can(state.roles, 'debug_info:read')) return forbidden();
        const hc = state.s.healthcheck;
        const cached = state.health.cachedAt;
        const force = url.searchParams.get('force') === 'true';
        if (!force && cached !== undefined && Date.now() - cached < hc.refreshMinutes * MINUTE) {
          return json(200, healthReport(state, base, new Date(cached)));
        }
        // One run at a time (coderd's singleflight group); the request waits at most HealthcheckTimeout.
        const current = state;
        current.health.running ??= delay(hc.durationMs, stopping.signal).then(() => {
          current.health.cachedAt = Date.now();
          current.health.running = undefined;
        });
        const done = await Promise.race([
          current.health.running.then(() => true),
          delay(hc.timeoutMs, stopping.signal).then(() => false),
        ]);
        if (!done || current.health.cachedAt === undefined) {
          return json(hc.inProgressStatus, { message: HEALTH_IN_PROGRESS });
        }
        return json(200, healthReport(current, base, new Date(current.health.cachedAt)));
      },
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/entitlements',
      pattern: /^\/api\/v2\/entitlements$/,
      auth: false,
      handle: () => (state.s.edition === 'oss' ? routeNotFound() : json(200, entitlements(state))),
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/organizations/{organization}/members/me',
      pattern: /^\/api\/v2\/organizations\/([^/]+)\/members\/me$/,
      auth: true,
      handle: ([org]) => (isOrg(state, org!) ? json(200, member(state)) : notFound()),
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/organizations/{organization}',
      pattern: /^\/api\/v2\/organizations\/([^/]+)$/,
      auth: true,
      handle: ([org]) => (isOrg(state, org!) ? json(200, organization(state)) : notFound()),
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/organizations/{organization}/provisionerkeys',
      pattern: /^\/api\/v2\/organizations\/([^/]+)\/provisionerkeys$/,
      auth: true,
      handle: ([org]) => {
        if (state.s.edition === 'oss') return routeNotFound();
        if (!isOrg(state, org!)) return notFound();
        if (!state.s.premium)
          return json(403, { message: 'Multiple Organizations is a Premium feature. Contact sales!' });
        // dbauthz post-filters the list on provisioner_daemon:read: a caller without it gets 200 [].
        if (!can(state.roles, 'provisioner_daemon:read')) return json(200, []);
        return json(
          200,
          Object.entries(state.s.provisionerKeys)
            .map(([name, k]) => ({
              id: simUuid('provisionerkey', name),
              created_at: iso(state.now.getTime() - k.ageDays * DAY),
              organization: state.orgId,
              name,
              tags: k.tags,
            }))
            .sort((a, b) => a.created_at.localeCompare(b.created_at)),
        );
      },
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/organizations/{organization}/provisionerdaemons',
      pattern: /^\/api\/v2\/organizations\/([^/]+)\/provisionerdaemons$/,
      auth: true,
      handle: ([org], at, url) => {
        if (!isOrg(state, org!)) return notFound();
        // coderd/provisionerdaemons.go: provisioner_jobs:read in the organization, else 404.
        if (!can(state.roles, 'provisioner_jobs:read')) return notFound();
        const raw = url.searchParams.get('limit');
        const limit = raw === null ? DAEMON_PAGE : Number(raw);
        if (!Number.isInteger(limit) || limit <= 0 || limit > 2 ** 31 - 1) {
          return json(400, {
            message: 'Invalid query parameters.',
            validations: [{ field: 'limit', detail: `Query param "limit" must be a valid positive integer` }],
          });
        }
        return json(200, daemons(state, at).slice(0, limit));
      },
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/organizations/{organization}/templates',
      pattern: /^\/api\/v2\/organizations\/([^/]+)\/templates$/,
      auth: true,
      handle: ([org]) =>
        isOrg(state, org!)
          ? json(
              200,
              readableTemplates(state).filter((t) => t.organization_id === state.orgId),
            )
          : notFound(),
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/templates',
      pattern: /^\/api\/v2\/templates$/,
      auth: true,
      handle: () => json(200, readableTemplates(state)),
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/templates/{template}/acl',
      pattern: /^\/api\/v2\/templates\/([^/]+)\/acl$/,
      auth: true,
      handle: ([id]) => {
        if (state.s.edition === 'oss') return routeNotFound();
        const name = Object.keys(state.s.templates).find((n) => simUuid('template', n) === id);
        // httpmw.ExtractTemplateParam: a template the caller cannot read is not found.
        if (!name || !readableTemplates(state).some((t) => t.name === name)) return notFound();
        if (!state.s.premium)
          return json(403, { message: 'Template RBAC is a Premium feature. Contact sales!' });
        return json(200, templateAcl(state, name));
      },
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/users/me',
      pattern: /^\/api\/v2\/users\/me$/,
      auth: true,
      handle: () => json(200, user(state, 'coder-auditor')),
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/users/me/keys/{keyid}',
      pattern: /^\/api\/v2\/users\/me\/keys\/([^/]+)$/,
      auth: true,
      handle: ([id]) => (id === keyId ? json(200, apiKey(state, keyId)) : notFound()),
    },
    ...workloadRoutes(
      () => workloadState(state),
      (at) => daemonList(state, at).map((d) => ({ id: String(d.json.id), online: d.online, tags: d.tags })),
    ).map((r) => ({ ...r, handle: (p: string[], at: Date, url: URL) => r.handle(p, at, url.searchParams) })),
    {
      service: 'oidc',
      operation: 'GET /.well-known/openid-configuration',
      pattern: /^\/oidc\/\.well-known\/openid-configuration$/,
      auth: false,
      handle: () => {
        const issuerBase = `${base}/oidc`;
        const o = state.s.oidc;
        const doc = discoveryDocument(
          o.provider,
          o.issuer.replaceAll('{base}', issuerBase),
          issuerBase,
          o.scopes_supported,
        );
        for (const k of o.omit) delete doc[k];
        return json(200, doc);
      },
    },
  ];

  const server: Server = createServer({ cert: env.tls.cert, key: env.tls.key }, (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, json(500, { message: 'Internal error.' }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://sim');
    const path = url.pathname.replace(/(.)\/+$/, '$1');
    const route = routes.find((r) => r.pattern.test(path));
    if (!route) return send(res, json(404, { message: 'Route not found.' }));
    if (req.method !== 'GET') return send(res, json(405, { message: 'Method not allowed.' }));
    const fault = env.faults.decide(route.service, route.operation);
    await delay(fault.delayMs, stopping.signal);
    if (fault.failure) return injectFailure(req, res, fault, route);
    if (route.auth) {
      const denied = authenticate(req.headers['coder-session-token']);
      if (denied) return send(res, denied);
    }
    const params = route.pattern.exec(path)!.slice(1).map(decodeURIComponent);
    send(res, await route.handle(params, new Date(), new URL(req.url ?? '/', 'https://sim')));
  }

  function authenticate(header: string | string[] | undefined): Reply | undefined {
    if (typeof header !== 'string' || header === '') {
      return json(401, {
        message: SIGNED_OUT,
        detail: 'Cookie "coder_session_token" or header "Coder-Session-Token" must be provided.',
      });
    }
    if (header !== token) return json(401, { message: SIGNED_OUT, detail: 'API key secret is invalid.' });
    if (state.s.token.expiresInDays <= 0) {
      return json(401, { message: SIGNED_OUT, detail: `API key expired at "${expiresAt(state)}".` });
    }
    return undefined;
  }

  async function injectFailure(
    req: IncomingMessage,
    res: ServerResponse,
    fault: FaultDecision,
    route: Route,
  ): Promise<void> {
    switch (fault.failure) {
      case 'throttle':
        res.setHeader('Retry-After', '1');
        return send(
          res,
          json(429, { message: "You've been rate limited for sending more than 600 requests in 1m0s." }),
        );
      case 'error5xx':
        return send(res, json(500, { message: 'Internal error.', detail: 'simulated fault' }));
      case 'accessDenied':
        return send(res, json(403, { message: 'Forbidden.' }));
      case 'refuse':
        req.socket.destroy();
        return;
      case 'hang':
        // Never answer; the client gives up, or the sim stops.
        await new Promise<void>((resolve) => {
          const done = () => (stopping.signal.removeEventListener('abort', done), resolve());
          stopping.signal.addEventListener('abort', done, { once: true });
          req.socket.once('close', done);
        });
        req.socket.destroy();
        return;
      case 'malformed':
        // `/healthz` is plain text: there is no JSON to break.
        if (route.operation === 'GET /healthz') {
          return send(res, await route.handle([], new Date(), new URL(req.url ?? '/', 'https://sim')));
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"message": "truncated');
        return;
      case 'oversized':
      case 'endless':
      case 'slowBody':
        return sendHostileBody(res, fault.failure, {
          bytes: fault.bytes ?? 0,
          contentType: route.operation === 'GET /healthz' ? 'text/plain; charset=utf-8' : 'application/json',
          signal: stopping.signal,
        });
      default:
        return send(res, json(500, { message: 'Internal error.' }));
    }
  }

  const listener = await listenLocal(server);
  base = `https://127.0.0.1:${listener.port}`;

  const config = {
    coder: {
      url: base,
      tokenSecretId: env.secrets.coderTokenSecretId,
      organization: state.s.organization.name,
      expectedTemplates: ['kubernetes-devcontainer', 'pod-swdev'],
      oidc: { issuerUrl: `${base}/oidc` },
      // The sim's certificate is signed by the sim CA: verified like production, never skipped.
      caFile: SIM_CA_FILE,
    },
  };
  const caFile = join(env.dataDir, `coder-access-url-ca-${process.pid}-${listener.port}.pem`);
  /**
   * Serve the scenario's certificate: the sim's own, or one minted to expire `expiresInDays` from now
   * (signed by a throw-away CA the configuration trusts instead of the sim CA).
   */
  const serveCertificate = (s: CoderScenario, at: Date) => {
    if (s.certificate === undefined) {
      server.setSecureContext({ cert: env.tls.cert, key: env.tls.key });
      config.coder.caFile = SIM_CA_FILE;
      return;
    }
    const chain = mintChain(at, s.certificate.expiresInDays);
    writeFileSync(caFile, chain.caPem);
    server.setSecureContext({ cert: chain.certPem, key: chain.keyPem });
    config.coder.caFile = caFile;
  };
  serveCertificate(state.s, now);

  return {
    name: 'coder',
    config,
    async apply(next, at) {
      state = makeState(next, at);
      serveCertificate(state.s, at);
    },
    async stop() {
      stopping.abort();
      await listener.close();
    },
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.text) {
    res.writeHead(reply.status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(String(reply.body));
    return;
  }
  res.writeHead(reply.status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(reply.body));
}

function makeState(scenario: Scenario, now: Date): State {
  const s = parseCoderScenario(scenario);
  const age = s.healthcheck.cachedAgeMinutes;
  return {
    s,
    now,
    orgId: simUuid('organization', s.organization.name),
    roles: [s.role],
    health: { cachedAt: age === null ? undefined : now.getTime() - age * MINUTE, running: undefined },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

function isOrg(state: State, ref: string): boolean {
  return ref === state.s.organization.name || ref === state.orgId || ref === 'default';
}

function organization(state: State): Json {
  return {
    id: state.orgId,
    name: state.s.organization.name,
    display_name: state.s.organization.displayName,
    description: '',
    icon: '',
    is_default: true,
    created_at: iso(state.now.getTime() - 400 * DAY),
    updated_at: iso(state.now.getTime() - 400 * DAY),
  };
}

function user(state: State, username: string): Json {
  return {
    id: simUuid('user', username),
    username,
    name: username,
    email: `${username}@example.com`,
    status: 'active',
    login_type: username === 'coder-auditor' ? 'none' : 'oidc',
    created_at: iso(state.now.getTime() - 200 * DAY),
    roles: username === 'coder-auditor' ? siteRoles(state) : [],
    organization_ids: [state.orgId],
  };
}

/** codersdk.SlimRole list of the auditor's site-wide roles (`member` is implicit and not listed). */
function siteRoles(state: State): Json[] {
  return state.roles.filter((r) => SITE_ROLES.has(r)).map((r) => ({ name: r, display_name: displayName(r) }));
}

/** `GET /organizations/{org}/members/me` (codersdk.OrganizationMemberWithUserData). */
function member(state: State): Json {
  const me = user(state, 'coder-auditor');
  return {
    user_id: me.id,
    organization_id: state.orgId,
    created_at: me.created_at,
    updated_at: me.created_at,
    roles: state.roles
      .filter((r) => r.startsWith('organization-'))
      .map((r) => ({ name: r, display_name: displayName(r), organization_id: state.orgId })),
    username: me.username,
    name: me.name,
    email: me.email,
    avatar_url: '',
    global_roles: siteRoles(state),
  };
}

/** `GET /api/v2/entitlements` of the enterprise build (codersdk.Entitlements). */
function entitlements(state: State): Json {
  const premium = [
    'audit_log',
    'browser_only',
    'scim',
    'template_rbac',
    'user_role_management',
    'high_availability',
    'multiple_external_auth',
    'external_provisioner_daemons',
    'appearance',
    'advanced_template_scheduling',
    'workspace_proxy',
    'external_token_encryption',
    'workspace_batch_actions',
    'access_control',
    'control_shared_ports',
    'custom_roles',
    'multiple_organizations',
  ];
  const on = state.s.premium;
  return {
    features: Object.fromEntries(
      premium.map((f) => [f, { entitlement: on ? 'entitled' : 'not_entitled', enabled: on }]),
    ),
    warnings: [],
    errors: [],
    has_license: on,
    trial: false,
    require_telemetry: false,
    refreshed_at: state.now.toISOString(),
  };
}

function expiresAt(state: State): string {
  return iso(state.now.getTime() + state.s.token.expiresInDays * DAY);
}

function apiKey(state: State, keyId: string): Json {
  const lifetime = state.s.token.lifetimeDays * DAY;
  const expires = state.now.getTime() + state.s.token.expiresInDays * DAY;
  return {
    id: keyId,
    user_id: simUuid('user', 'coder-auditor'),
    last_used: iso(state.now.getTime()),
    expires_at: iso(expires),
    created_at: iso(expires - lifetime),
    updated_at: iso(expires - lifetime),
    login_type: 'token',
    scope: 'all',
    scopes: ['coder:all'],
    token_name: state.s.token.name,
    lifetime_seconds: lifetime / 1000,
    allow_list: [],
  };
}

interface SimDaemon {
  name: string;
  version: string;
  online: boolean;
  tags: Record<string, string>;
  json: Json;
}

function daemonList(state: State, at: Date): SimDaemon[] {
  const history = Array.from(
    { length: state.s.offlineHistory.count },
    (_, i) =>
      [
        `coder-provisioner-old-${String(i).padStart(3, '0')}`,
        {
          lastSeenMinutes: 60 + i * state.s.offlineHistory.everyMinutes,
          createdMinutesAgo: 61 + i * state.s.offlineHistory.everyMinutes,
          version: undefined,
          busy: false,
          key: undefined,
          // A default daemon's tags (provisionerd's organization scope), as the configured ones default to.
          tags: { owner: '', scope: 'organization' } as Record<string, string>,
        },
      ] as const,
  );
  const all = [...Object.entries(state.s.daemons), ...history].sort(
    ([, a], [, b]) => a.createdMinutesAgo - b.createdMinutesAgo,
  );
  return all.map(([name, d]) => {
    const lastSeen = at.getTime() - d.lastSeenMinutes * MINUTE;
    const online = at.getTime() - lastSeen <= DAEMON_STALE_MS;
    const version = d.version ?? state.s.version;
    const key = d.key ?? Object.keys(state.s.provisionerKeys)[0];
    return {
      name,
      version,
      online,
      tags: d.tags,
      json: {
        id: simUuid('daemon', name),
        organization_id: state.orgId,
        created_at: iso(state.now.getTime() - d.createdMinutesAgo * MINUTE),
        last_seen_at: iso(lastSeen),
        name,
        version,
        api_version: '1.6',
        provisioners: ['terraform'],
        tags: d.tags,
        key_id: key ? simUuid('provisionerkey', key) : '00000000-0000-0000-0000-000000000001',
        key_name: key ?? 'built-in',
        status: online ? (d.busy ? 'busy' : 'idle') : 'offline',
        current_job: null,
        previous_job: null,
      },
    };
  });
}

function daemons(state: State, at: Date): Json[] {
  return daemonList(state, at).map((d) => d.json);
}

/** coderd's provisioner daemons health section: EPD01 without an active daemon, EPD02 on version skew. */
function derivedProvisionerSection(state: State, at: Date): Json {
  const online = daemonList(state, at).filter((d) => d.online);
  const warnings: { code: string; message: string }[] = [];
  let severity: 'ok' | 'warning' | 'error' = 'ok';
  if (online.length === 0) {
    severity = 'error';
    warnings.push({ code: 'EPD01', message: 'No active provisioner daemons found!' });
  }
  for (const d of online) {
    if (majorMinor(d.version) !== majorMinor(state.s.version)) {
      severity = severity === 'error' ? 'error' : 'warning';
      warnings.push({
        code: 'EPD02',
        message: `Provisioner daemon ${JSON.stringify(d.name)} version ${d.version} does not match coderd version ${state.s.version}.`,
      });
    }
  }
  return {
    severity,
    warnings,
    dismissed: false,
    items: online.map((d) => ({ provisioner_daemon: d.json, warnings: [] })),
  };
}

function healthReport(state: State, base: string, at: Date): Json {
  const rank = { ok: 0, warning: 1, error: 2 } as const;
  let worst: keyof typeof rank = 'ok';
  const sections: Json = {};
  for (const key of SIM_HEALTH_SECTIONS) {
    const given = state.s.health[key];
    const section: Json =
      given !== undefined
        ? {
            severity: given.severity,
            warnings: given.warnings,
            dismissed: given.dismissed,
            ...(given.error ? { error: given.error } : {}),
          }
        : key === 'provisioner_daemons'
          ? derivedProvisionerSection(state, at)
          : { severity: 'ok', warnings: [], dismissed: false };
    const severity = section.severity as keyof typeof rank;
    section.healthy = severity !== 'error';
    if (!section.dismissed && rank[severity] > rank[worst]) worst = severity;
    sections[key] = { ...section, ...sectionDetails(key, state, base) };
  }
  return {
    time: at.toISOString(),
    healthy: worst !== 'error',
    severity: worst,
    coder_version: state.s.version,
    ...sections,
  };
}

function sectionDetails(key: string, state: State, base: string): Json {
  switch (key) {
    case 'access_url':
      return {
        access_url: base,
        reachable: true,
        status_code: state.s.healthz.status,
        healthz_response: state.s.healthz.body,
      };
    case 'database':
      return { reachable: true, latency: '2.1ms', latency_ms: 2, threshold_ms: 15 };
    case 'derp':
      return { regions: {}, netcheck_logs: [] };
    case 'websocket':
      return { body: '', code: 101 };
    case 'workspace_proxy':
      return { workspace_proxies: { regions: [] } };
    default:
      return {};
  }
}

interface SimTemplate extends Json {
  id: string;
  organization_id: string;
}

function templates(state: State): SimTemplate[] {
  return Object.entries(state.s.templates).map(([name, t]) => {
    const orgName = t.organization ?? state.s.organization.name;
    return {
      id: simUuid('template', name),
      created_at: iso(state.now.getTime() - 120 * DAY),
      updated_at: iso(state.now.getTime() - 3 * DAY),
      organization_id: orgName === state.s.organization.name ? state.orgId : simUuid('organization', orgName),
      organization_name: orgName,
      organization_display_name: orgName,
      name,
      display_name: t.displayName ?? name,
      provisioner: 'terraform',
      active_version_id: simUuid('templateversion', `${name}/${activeVersion(t)}`),
      active_user_count: 0,
      description: '',
      icon: '',
      deprecated: t.deprecated,
      deprecation_message: t.deprecated ? 'This template is deprecated.' : '',
      created_by_id: simUuid('user', 'terraform'),
      created_by_name: 'terraform',
    };
  });
}

/**
 * Templates the auditor can read: all of them with `template:read`, otherwise only those whose ACL shares
 * them with it (its user, or the Everyone group), as coderd's template ACLs do for a Member.
 */
function readableTemplates(state: State): SimTemplate[] {
  if (can(state.roles, 'template:read')) return templates(state);
  return templates(state).filter((t) => {
    const acl = state.s.templates[t.name as string]!.acl;
    return acl.users.includes('coder-auditor') || acl.groups.some((g) => g.toLowerCase() === 'everyone');
  });
}

/** The active version of a scenario template: the one it names, or the oldest. */
function activeVersion(t: CoderScenario['templates'][string]): string {
  if (t.activeVersion) return t.activeVersion;
  return Object.entries(t.versions).sort(([, a], [, b]) => b.ageMinutes - a.ageMinutes)[0]?.[0] ?? 'v1';
}

/** What the workload routes (sim/coder/workloads.ts) read of the twin's state. */
function workloadState(state: State): WorkloadState {
  return {
    now: state.now,
    orgId: state.orgId,
    orgName: state.s.organization.name,
    roles: state.roles,
    workspaces: state.s.workspaces,
    templates: Object.fromEntries(
      Object.entries(state.s.templates).map(([name, t]) => [
        name,
        {
          versions: t.versions,
          active: activeVersion(t),
          // Shared with the auditor by the ACL (its user or the Everyone group), as readableTemplates reads it.
          everyone:
            t.acl.users.includes('coder-auditor') || t.acl.groups.some((g) => g.toLowerCase() === 'everyone'),
        },
      ]),
    ),
  };
}

function templateAcl(state: State, name: string): Json {
  const acl = state.s.templates[name]!.acl;
  return {
    users: acl.users.map((u) => ({ ...user(state, u), role: 'use' })),
    group: acl.groups.map((g) => {
      const everyone = g.toLowerCase() === 'everyone';
      return {
        id: everyone ? state.orgId : simUuid('group', g),
        name: everyone ? 'Everyone' : g,
        display_name: everyone ? '' : g,
        organization_id: state.orgId,
        organization_name: state.s.organization.name,
        members: [],
        total_member_count: everyone ? 42 : 5,
        avatar_url: '',
        quota_allowance: 0,
        source: 'user',
        role: 'use',
      };
    }),
  };
}
