import { readFileSync } from 'node:fs';
import { settle, type Fact } from '../../audit/fact.js';
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
import { collectWorkloads, type WorkloadFacts } from './workloads.js';

/** An endpoint whose reachability is itself what a check verifies: no answer is a result, not a failed read. */
export type Probe<T> = { reachable: true; value: T } | { reachable: false; error: string };

/** A read that needs a role or a licence feature the deployment may not have (403/404 from Coder). */
export type Gated<T> = { available: true; value: T } | { available: false; status: number; message: string };

/** The auditor's own token: valid (with its expiry), or rejected by Coder (401). */
export type TokenState = { valid: true; key: ApiKey } | { valid: false; status: number; message: string };

/** Everything the coder checks read: each Coder endpoint once per audit. */
export interface CoderSnapshot extends WorkloadFacts {
  /** `GET /healthz` through the public access URL (the whole NLB path). */
  healthz: Fact<Probe<HealthzResponse>>;
  buildInfo: Fact<BuildInfo>;
  /** `/api/v2/debug/health`: needs the Owner role. */
  health: Fact<Gated<HealthReport>>;
  /** Provisioner keys of the organization: a Premium feature. */
  provisionerKeys: Fact<Gated<ProvisionerKey[]>>;
  daemons: Fact<ProvisionerDaemon[]>;
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
  const client = createCoderClient({
    coder,
    callMs: ctx.deployment.timeouts.callMs,
    secrets: ctx.aws.secrets,
    calls: ctx.calls,
    signal: ctx.signal,
    ...(caFile ? { ca: readFileSync(caFile, 'utf8') } : {}),
  });
  const s = <T>(name: string, read: () => Promise<T>) => settle(name, read, ctx.signal);
  try {
    const templates = s('Coder templates', () => client.templates());
    const [healthz, buildInfo, health, provisionerKeys, daemons, token, oidc, templateAcls, workloads] =
      await Promise.all([
        s('Coder /healthz', () => probe(client.healthz(), ctx.signal)),
        s('Coder build info', () => client.buildInfo()),
        s('Coder deployment health report', () => gated(client.debugHealth())),
        s('Coder provisioner keys', async () =>
          orgChecked(await gated(client.provisionerKeys()), await templates, coder.organization),
        ),
        s('Coder provisioner daemons', () => client.provisionerDaemons()),
        s("the auditor's Coder token", () => tokenState(client)),
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
      healthz,
      buildInfo,
      health,
      provisionerKeys,
      daemons,
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
