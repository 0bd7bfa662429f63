import { known, settle, type Fact } from '../../audit/fact.js';
import type { CallRecord } from '../../audit/calls.js';
import { readTextFile } from '../../audit/read-file.js';
import { AuditError, describeError } from '../../audit/errors.js';
import type { CollectContext } from '../../audit/group.js';
import {
  CoderHttpError,
  createCoderClient,
  type ApiKey,
  type BuildInfo,
  type CoderClient,
  type HealthReport,
  type HealthzResponse,
  type OidcDiscovery,
  type ProvisionerDaemon,
  type ProvisionerKey,
  type Template,
  type TemplateAcl,
} from '../../clients/coder.js';
import { DAEMON_PAGE } from './lib.js';
import type { TokenAccess } from './roles.js';
import { collectWorkloads, type WorkloadFacts } from './workloads.js';

/** An endpoint whose reachability is itself what a check verifies: no answer is a result, not a failed read. */
export type Probe<T> = { reachable: true; value: T } | { reachable: false; error: string };

/** A read that needs a role or a licence feature the deployment may not have (403/404 from Coder). */
export type Gated<T> = { available: true; value: T } | { available: false; status: number; message: string };

/** The auditor's own token: valid (with its expiry), or rejected by Coder (401). */
export type TokenState = { valid: true; key: ApiKey } | { valid: false; status: number; message: string };

/**
 * What the licence turns on, from `/api/v2/entitlements`: the positive signal "not applicable here" is decided
 * from. The open-source build has no such route (404): no Premium feature exists there.
 */
export interface Licence {
  edition: 'enterprise' | 'oss';
  /** Feature name (`template_rbac`, `multiple_organizations`...) → enabled. */
  features: Record<string, boolean>;
}

/** Time the health report read leaves to the rest of the group before its deadline. */
export const HEALTH_MARGIN_MS = 2_000;
/** The auditor's own Coder API calls of this audit: durations of the answered ones, and how many failed. */
export interface ApiLatency {
  /** Milliseconds of each `/api/v2` call that got an answer, in call order. */
  samples: number[];
  failed: number;
}

/** The latency of the Coder API calls among `records` (the `/api/v2` routes; not /healthz or the issuer). */
export function apiLatency(records: readonly CallRecord[]): ApiLatency {
  const api = records.filter((r) => r.service === 'coder' && / \/api\/v2\//.test(r.operation));
  return {
    samples: api.filter((r) => r.ok).map((r) => Math.round(r.ms)),
    failed: api.filter((r) => !r.ok).length,
  };
}

/** Everything the coder checks read: each Coder endpoint once per audit. */
export interface CoderSnapshot extends WorkloadFacts {
  /** How fast Coder answered the auditor's own API calls of this audit. */
  apiLatency: Fact<ApiLatency>;
  /** `GET /healthz` through the public access URL (the whole NLB path). */
  healthz: Fact<Probe<HealthzResponse>>;
  buildInfo: Fact<BuildInfo>;
  /** `/api/v2/debug/health`: needs the Owner role. */
  health: Fact<Gated<HealthReport>>;
  /** Provisioner keys of the organization: a Premium feature, filtered to what the token's role may read. */
  provisionerKeys: Fact<Gated<ProvisionerKey[]>>;
  /** The newest DAEMON_PAGE daemons of the organization (404 for a role without provisioner_jobs:read). */
  daemons: Fact<Gated<ProvisionerDaemon[]>>;
  /** The token user's site and organization roles. */
  access: Fact<TokenAccess>;
  /** Licensed features (the open-source build: none). */
  licence: Fact<Licence>;
  /** Templates of the configured organization. */
  templates: Fact<Template[]>;
  /** ACL of each expected template found in the organization, by template name (Premium: Template RBAC). */
  templateAcls: Record<string, Fact<Gated<TemplateAcl>>>;
  token: Fact<TokenState>;
  /** Discovery document of `coder.oidc.issuerUrl`; undefined when OIDC is not configured. */
  oidc: Fact<Probe<OidcDiscovery>> | undefined;
}

/** Read every Coder fact in parallel: secret → (all endpoints) → template ACLs; healthz and OIDC need no token. */
export async function collectCoder(ctx: CollectContext): Promise<CoderSnapshot> {
  const coder = ctx.deployment.coder!;
  const caFile = coder.caFile;
  const { callMs, groupMs } = ctx.deployment.timeouts;
  const client = createCoderClient({
    coder,
    callMs,
    // coderd may build the report while the request waits (up to 30 s): as long as the group allows.
    healthMs: Math.max(callMs, groupMs - HEALTH_MARGIN_MS),
    secrets: ctx.aws.secrets,
    calls: ctx.calls,
    signal: ctx.signal,
    ...(caFile ? { ca: readTextFile(caFile) } : {}),
  });
  const s = <T>(name: string, read: () => Promise<T>) => settle(name, read, ctx.signal);
  try {
    const templates = s('Coder templates', () => client.templates());
    const [
      healthz,
      buildInfo,
      health,
      provisionerKeys,
      daemons,
      access,
      licence,
      token,
      oidc,
      templateAcls,
      workloads,
    ] = await Promise.all([
      s('Coder /healthz', () => probe(client.healthz(), ctx.signal)),
      s('Coder build info', () => client.buildInfo()),
      s('Coder deployment health report', () => gated(client.debugHealth())),
      s('Coder provisioner keys', async () =>
        orgChecked(await gated(client.provisionerKeys()), await templates, coder.organization),
      ),
      s('Coder provisioner daemons', async () =>
        orgChecked(await gated(client.provisionerDaemons(DAEMON_PAGE)), await templates, coder.organization),
      ),
      s("the Coder roles of the auditor's user", () => tokenAccess(client)),
      s('Coder entitlements', () => licenceOf(client)),
      s("the auditor's own Coder API key", () => tokenState(client)),
      coder.oidc
        ? s('OIDC discovery document', () => probe(client.oidcDiscovery(coder.oidc!.issuerUrl), ctx.signal))
        : undefined,
      templates.then((t) => (t.ok ? readAcls(client, t.value, coder.expectedTemplates, s) : {})),
      collectWorkloads(client, templates, coder.expectedTemplates, s, {
        now: ctx.now,
        windowMinutes: ctx.deployment.thresholds.buildWindowMinutes,
      }),
    ]);
    return {
      apiLatency: known(apiLatency(ctx.calls.list())),
      healthz,
      buildInfo,
      health,
      provisionerKeys,
      daemons,
      access,
      licence,
      templates: await templates,
      templateAcls,
      token,
      oidc,
      ...workloads,
    };
  } finally {
    await client.close();
  }
}

async function readAcls(
  client: CoderClient,
  templates: Template[],
  expected: readonly string[],
  s: <T>(name: string, read: () => Promise<T>) => Promise<Fact<T>>,
): Promise<Record<string, Fact<Gated<TemplateAcl>>>> {
  const found = templates.filter((t) => expected.includes(t.name));
  const acls = await Promise.all(
    found.map((t) => s(`ACL of template ${t.name}`, () => gated(client.templateAcl(t.id)))),
  );
  return Object.fromEntries(found.map((t, i) => [t.name, acls[i]!]));
}

/**
 * An endpoint that does not answer properly (connection, TLS, timeout, HTTP error, bad document) is the
 * finding; only the audit's own deadline makes it a failed read.
 */
async function probe<T>(read: Promise<T>, signal: AbortSignal): Promise<Probe<T>> {
  try {
    return { reachable: true, value: await read };
  } catch (err) {
    if (signal.aborted) throw err;
    return { reachable: false, error: describeError(err) };
  }
}

/** 403/404 from Coder mean "this role or licence does not have it", not "could not read". */
async function gated<T>(read: Promise<T>): Promise<Gated<T>> {
  try {
    return { available: true, value: await read };
  } catch (err) {
    if (err instanceof CoderHttpError && (err.status === 403 || err.status === 404)) {
      return { available: false, status: err.status, message: err.coderMessage };
    }
    throw err;
  }
}

/**
 * A 404 on an organization route means "feature not available" only when the same organization's templates
 * were read: otherwise the organization itself is not found (a wrong `coder.organization`), which is an error.
 */
export function orgChecked<T>(keys: Gated<T>, templates: Fact<Template[]>, organization: string): Gated<T> {
  if (keys.available || keys.status !== 404 || templates.ok) return keys;
  throw new AuditError(
    `Coder answered HTTP 404 for organization "${organization}" and its templates could not be read ` +
      `(${templates.error}): check coder.organization`,
  );
}

/** The token user's roles: site roles from `/users/me`, organization roles from `/members/me`. */
async function tokenAccess(client: CoderClient): Promise<TokenAccess> {
  const [me, member] = await Promise.all([
    client.me(),
    // 404: not a member of the organization (or a coderd without the route): no organization role.
    client.orgMember().catch((err: unknown) => {
      if (err instanceof CoderHttpError && err.status === 404) return undefined;
      throw err;
    }),
  ]);
  return {
    username: me.username,
    siteRoles: me.roles.map((r) => r.name),
    orgRoles: member?.roles.map((r) => r.name) ?? [],
  };
}

/** Licensed features; the open-source build has no entitlements route (404, `Route not found.`). */
async function licenceOf(client: CoderClient): Promise<Licence> {
  try {
    const e = await client.entitlements();
    return {
      edition: 'enterprise',
      features: Object.fromEntries(Object.entries(e.features).map(([k, f]) => [k, f.enabled])),
    };
  } catch (err) {
    if (err instanceof CoderHttpError && err.status === 404) return { edition: 'oss', features: {} };
    throw err;
  }
}

async function tokenState(client: CoderClient): Promise<TokenState> {
  try {
    return { valid: true, key: await client.tokenKey() };
  } catch (err) {
    if (err instanceof CoderHttpError && err.status === 401) {
      return { valid: false, status: 401, message: err.coderMessage };
    }
    throw err;
  }
}
