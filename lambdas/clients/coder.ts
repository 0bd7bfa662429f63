import http from 'node:http';
import https from 'node:https';
import tls, { type SecureContext, type TLSSocket } from 'node:tls';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import type { CallRecorder } from '../audit/calls.js';
import type { DeploymentConfig } from '../audit/config.js';
import { AuditError, describeError } from '../audit/errors.js';
import { BodyTooLargeError } from './body.js';
import { getCapped, RedirectRefusedError, socketHost } from './http.js';

/** The `coder` section of a deployment configuration. */
export type CoderConfig = NonNullable<DeploymentConfig['coder']>;

/** Go `time.Time` in JSON (RFC 3339, any sub-second precision). */
const timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 timestamp');
/** Go marshals a nil slice as `null`. */
const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((v) => v ?? []);

/** `GET /api/v2/buildinfo` (codersdk.BuildInfoResponse). */
export const BuildInfoSchema = z.object({ version: z.string().min(1), external_url: z.string().optional() });
export type BuildInfo = z.output<typeof BuildInfoSchema>;

/** One section of the deployment health report (healthsdk.BaseReport). */
export const HealthSectionSchema = z.object({
  healthy: z.boolean().optional(),
  severity: z.enum(['ok', 'warning', 'error']),
  warnings: list(z.object({ code: z.string(), message: z.string() })),
  error: z.string().nullish(),
  dismissed: z.boolean().optional(),
});
export type HealthSection = z.output<typeof HealthSectionSchema>;

/** Section keys of `GET /api/v2/debug/health` (healthsdk.HealthcheckReport), in report order. */
export const HEALTH_SECTIONS = [
  'access_url',
  'database',
  'derp',
  'websocket',
  'workspace_proxy',
  'provisioner_daemons',
] as const;
export type HealthSectionName = (typeof HEALTH_SECTIONS)[number];

export const HealthReportSchema = z.object({
  time: z.string().optional(),
  healthy: z.boolean(),
  severity: z.enum(['ok', 'warning', 'error']),
  coder_version: z.string().optional(),
  access_url: HealthSectionSchema,
  database: HealthSectionSchema,
  derp: HealthSectionSchema,
  websocket: HealthSectionSchema,
  /** Absent on servers older than the section. */
  workspace_proxy: HealthSectionSchema.optional(),
  provisioner_daemons: HealthSectionSchema.optional(),
});
export type HealthReport = z.output<typeof HealthReportSchema>;

/** `GET /api/v2/organizations/{organization}/provisionerkeys` item (codersdk.ProvisionerKey). */
export const ProvisionerKeySchema = z.object({
  id: z.string(),
  created_at: timestamp,
  organization: z.string(),
  name: z.string(),
  tags: z.record(z.string(), z.string()).nullish(),
});
export type ProvisionerKey = z.output<typeof ProvisionerKeySchema>;

/** `GET /api/v2/organizations/{organization}/provisionerdaemons` item (codersdk.ProvisionerDaemon). */
export const ProvisionerDaemonSchema = z.object({
  id: z.string(),
  created_at: timestamp,
  last_seen_at: timestamp.nullish(),
  name: z.string(),
  version: z.string().default(''),
  api_version: z.string().optional(),
  /** Since v2.19; absent on older servers. */
  status: z.enum(['offline', 'idle', 'busy']).nullish(),
  key_id: z.string().nullish(),
  key_name: z.string().nullish(),
  tags: z.record(z.string(), z.string()).nullish(),
});
export type ProvisionerDaemon = z.output<typeof ProvisionerDaemonSchema>;

/** `GET /api/v2/organizations/{organization}/templates` item (codersdk.Template), the fields used. */
export const TemplateSchema = z.object({
  id: z.string(),
  name: z.string(),
  display_name: z.string().optional(),
  organization_id: z.string(),
  organization_name: z.string().optional(),
  deprecated: z.boolean().default(false),
  deprecation_message: z.string().optional(),
  active_version_id: z.string().optional(),
});
export type Template = z.output<typeof TemplateSchema>;

/** `GET /api/v2/templates/{template}/acl` (codersdk.TemplateACL), the fields used. */
export const TemplateAclSchema = z.object({
  users: list(z.object({ id: z.string(), username: z.string(), role: z.string().optional() })),
  group: list(
    z.object({
      id: z.string(),
      name: z.string(),
      organization_id: z.string().optional(),
      total_member_count: z.number().optional(),
      role: z.string().optional(),
    }),
  ),
});
export type TemplateAcl = z.output<typeof TemplateAclSchema>;

/** `GET /api/v2/users/me/keys/{keyid}` (codersdk.APIKey), the fields used. Never holds the secret. */
export const ApiKeySchema = z.object({
  id: z.string(),
  expires_at: timestamp,
  token_name: z.string().optional(),
  login_type: z.string().optional(),
  lifetime_seconds: z.number().optional(),
});
export type ApiKey = z.output<typeof ApiKeySchema>;

/** `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0), the fields used. */
export const OidcDiscoverySchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string().optional(),
  token_endpoint: z.string().optional(),
  jwks_uri: z.string().optional(),
  userinfo_endpoint: z.string().optional(),
  scopes_supported: z.array(z.string()).optional(),
  claims_supported: z.array(z.string()).optional(),
});
export type OidcDiscovery = z.output<typeof OidcDiscoverySchema>;

/** A role as Coder lists it (codersdk.SlimRole): `owner`, `auditor`, `organization-template-admin`... */
const SlimRoleSchema = z.object({
  name: z.string(),
  display_name: z.string().optional(),
  organization_id: z.string().optional(),
});

/** `GET /api/v2/users/me` (codersdk.User), the fields used: the site-wide roles of the token's user. */
export const MeSchema = z.object({ id: z.string(), username: z.string(), roles: list(SlimRoleSchema) });
export type Me = z.output<typeof MeSchema>;

/**
 * `GET /api/v2/organizations/{organization}/members/me` (codersdk.OrganizationMemberWithUserData): the
 * organization roles of the token's user in the configured organization.
 */
export const OrgMemberSchema = z.object({ roles: list(SlimRoleSchema), global_roles: list(SlimRoleSchema) });
export type OrgMember = z.output<typeof OrgMemberSchema>;

/**
 * `GET /api/v2/entitlements` (codersdk.Entitlements), served by the enterprise build only (without a token):
 * which licensed features are on. The open-source build has no such route (404).
 */
export const EntitlementsSchema = z.object({
  features: z.record(z.string(), z.object({ entitlement: z.string(), enabled: z.boolean() })),
  has_license: z.boolean(),
  trial: z.boolean().optional(),
});
export type Entitlements = z.output<typeof EntitlementsSchema>;

/** Coder's error body (codersdk.Response). */
const CoderErrorSchema = z.object({ message: z.string(), detail: z.string().optional() });

/** The certificate a TLS server presented in its handshake (from `TLSSocket.getPeerCertificate()`). */
export interface PeerCertificate {
  /** `valid_to` as an ISO timestamp. */
  validTo: string;
  /** Subject and issuer common names (or organization), bounded. */
  subject: string;
  issuer: string;
}

/** Answer of the unauthenticated `/healthz` probe. */
export interface HealthzResponse {
  status: number;
  /** First 200 characters of the body (coderd answers `OK`). */
  body: string;
  /** Time to the whole body, through the access URL. */
  ms: number;
  /** What the access URL presented in the TLS handshake of this connection; absent over plain HTTP. */
  certificate?: PeerCertificate;
}

/** Coder (or the issuer) answered with an HTTP error status. */
export class CoderHttpError extends AuditError {
  public constructor(
    operation: string,
    public readonly status: number,
    /** Coder's `message` (and `detail`), when the body was Coder's error JSON. */
    public readonly coderMessage: string,
  ) {
    super(`${operation}: HTTP ${status}${coderMessage ? `: ${coderMessage}` : ''}`);
    this.name = 'CoderHttpError';
  }
}

/** The answer was not the JSON document expected (malformed JSON or another shape). */
export class CoderResponseError extends AuditError {
  public constructor(message: string) {
    super(message);
    this.name = 'CoderResponseError';
  }
}

/**
 * `/api/v2/debug/health` had no cached report younger than CODER_HEALTH_CHECK_REFRESH, ran the checks
 * synchronously and gave up (coderd/debug.go: "Healthcheck is in progress and did not complete in time",
 * after HealthcheckTimeout, 30 s), or did not answer within the auditor's own health timeout.
 */
export class CoderHealthPendingError extends AuditError {
  public constructor(message: string) {
    super(message);
    this.name = 'CoderHealthPendingError';
  }
}

/** No answer: connection, TLS, timeout, abort, or a redirect to another host. */
export class CoderRequestError extends AuditError {
  public constructor(message: string) {
    super(message);
    this.name = 'CoderRequestError';
  }
}

/** The auditor's session token could not be read or is not a Coder session token. */
export class CoderTokenError extends AuditError {
  public constructor(message: string) {
    super(message);
    this.name = 'CoderTokenError';
  }
}

export interface CoderClientOptions {
  coder: CoderConfig;
  /** Client-side timeout of one request (`timeouts.callMs`). */
  callMs: number;
  /**
   * Timeout of `/api/v2/debug/health`, which coderd may answer only after running its checks (up to 30 s).
   * @default callMs
   */
  healthMs?: number;
  secrets: SecretsManagerClient;
  calls: CallRecorder;
  /** The group's deadline: aborts every request. */
  signal: AbortSignal;
  /** Extra CA (PEM) trusted for the access URL and the issuer, besides the public roots. */
  ca?: string;
}

interface Token {
  value: string;
  keyId: string;
}

/**
 * Largest answer read from each endpoint, in bytes: generous for real deployments (500 daemons, thousands of
 * templates, a health report with every DERP region), small enough that no answer can exhaust memory.
 */
export const MAX_BODY_BYTES = {
  healthz: 16 * 1024,
  small: 256 * 1024,
  healthReport: 4 * 2 ** 20,
  list: 8 * 2 ** 20,
} as const;

/** Most same-host redirects followed; a redirect to another host is refused. */
const MAX_REDIRECTS = 3;

/** The message coderd answers when its synchronous health check did not finish in time (coderd/debug.go). */
const HEALTH_IN_PROGRESS = /healthcheck is in progress/i;

/**
 * TLS contexts trusting the public roots plus one extra CA, one per CA for the whole process. Given as `ca`,
 * Node builds a context for every connection and parses the ~150 public roots each time: tens of ms of
 * CPU per handshake, the largest CPU cost of the coder group (billed in Lambda).
 */
const trustContexts = new Map<string, SecureContext>();
function trusting(ca: string): SecureContext {
  let context = trustContexts.get(ca);
  if (!context) {
    context = tls.createSecureContext({ ca: [...tls.rootCertificates, ca] });
    trustContexts.set(ca, context);
  }
  return context;
}

/**
 * Read-only client of the Coder API and of the OIDC issuer's discovery document. The session token is read
 * once from Secrets Manager, sent only as the `Coder-Session-Token` header, and redacted from every error.
 */
export class CoderClient {
  private readonly base: string;
  /** Connections to HTTPS URLs (the access URL, the issuer): the extra CA, verification unless insecureTls. */
  private readonly agent: https.Agent;
  /** Connections to plain-HTTP URLs (a deployment without TLS). */
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private tokenPromise: Promise<Token> | undefined;
  private readonly redactions: string[] = [];
  /** The certificate of the latest TLS handshake with each host. */
  private readonly certificates = new Map<string, PeerCertificate>();

  public constructor(private readonly opts: CoderClientOptions) {
    this.base = opts.coder.url.replace(/\/+$/, '');
    this.agent = new https.Agent({
      keepAlive: true,
      ...(opts.ca ? { secureContext: trusting(opts.ca) } : {}),
      rejectUnauthorized: !opts.coder.insecureTls,
    });
    // Record the certificate of each full TLS handshake, by host: coder-healthz's request makes or reuses
    // one. A resumed session presents no certificate (getPeerCertificate() is empty), so it records nothing.
    const connect = this.agent.createConnection.bind(this.agent);
    this.agent.createConnection = ((options: { host?: string }, callback: never) => {
      const socket = connect(options, callback) as TLSSocket;
      socket.once('secureConnect', () => {
        const cert = peerCertificate(socket);
        if (cert) this.certificates.set(options.host ?? '', cert);
      });
      return socket;
    }) as typeof this.agent.createConnection;
  }

  /** Organization name or id the org-scoped routes use. */
  public get organization(): string {
    return this.opts.coder.organization;
  }

  /** `GET /healthz` through the access URL, without a token. Throws only when there is no answer. */
  public healthz(): Promise<HealthzResponse> {
    const op = 'GET /healthz';
    return this.opts.calls.track('coder', op, this.base, async () => {
      const t0 = performance.now();
      const res = await this.send(op, `${this.base}/healthz`, {}, { maxBytes: MAX_BODY_BYTES.healthz });
      const certificate = this.certificates.get(socketHost(new URL(this.base)));
      return {
        status: res.status,
        body: res.text.slice(0, 200),
        ms: Math.round(performance.now() - t0),
        ...(certificate ? { certificate } : {}),
      };
    });
  }

  public buildInfo(): Promise<BuildInfo> {
    return this.getJson('GET /api/v2/buildinfo', '/api/v2/buildinfo', BuildInfoSchema, { auth: false });
  }

  /**
   * Needs the Owner role (`debug_info:read`, 403 otherwise). coderd serves its cached report when younger
   * than CODER_HEALTH_CHECK_REFRESH (10 min by default), otherwise runs the checks while the request waits
   * (up to 30 s): this read has its own timeout (`healthMs`), and "in progress" is a `CoderHealthPendingError`.
   */
  public debugHealth(): Promise<HealthReport> {
    return this.getJson('GET /api/v2/debug/health', '/api/v2/debug/health', HealthReportSchema, {
      maxBytes: MAX_BODY_BYTES.healthReport,
      timeoutMs: this.opts.healthMs ?? this.opts.callMs,
    });
  }

  /** The token's user and its site-wide roles. */
  public me(): Promise<Me> {
    return this.getJson('GET /api/v2/users/me', '/api/v2/users/me', MeSchema, { resource: 'me' });
  }

  /** The token's user's roles in the configured organization (404 when not a member, or on old servers). */
  public orgMember(): Promise<OrgMember> {
    return this.getJson(
      'GET /api/v2/organizations/{organization}/members/me',
      `/api/v2/organizations/${encodeURIComponent(this.organization)}/members/me`,
      OrgMemberSchema,
      { resource: `/api/v2/organizations/${encodeURIComponent(this.organization)}/members/me` },
    );
  }

  /** Licensed features (enterprise build; no token needed). The open-source build answers 404. */
  public entitlements(): Promise<Entitlements> {
    return this.getJson('GET /api/v2/entitlements', '/api/v2/entitlements', EntitlementsSchema, {
      auth: false,
    });
  }

  /** Premium: 403 without the licence feature, 404 on the open-source build. */
  public provisionerKeys(): Promise<ProvisionerKey[]> {
    return this.getJson(
      'GET /api/v2/organizations/{organization}/provisionerkeys',
      `/api/v2/organizations/${encodeURIComponent(this.organization)}/provisionerkeys`,
      list(ProvisionerKeySchema),
      { maxBytes: MAX_BODY_BYTES.list },
    );
  }

  /**
   * The newest `limit` daemons of the organization (coderd orders by created_at DESC and keeps offline rows
   * for 7 days; without `limit` it answers 50). Needs `provisioner_jobs:read` in the organization: Owner,
   * Organization Admin or Organization Template Admin; anyone else gets 404.
   */
  public provisionerDaemons(limit: number): Promise<ProvisionerDaemon[]> {
    const path = `/api/v2/organizations/${encodeURIComponent(this.organization)}/provisionerdaemons`;
    return this.getJson(
      'GET /api/v2/organizations/{organization}/provisionerdaemons',
      `${path}?limit=${limit}`,
      list(ProvisionerDaemonSchema),
      { maxBytes: MAX_BODY_BYTES.list, resource: path },
    );
  }

  public templates(): Promise<Template[]> {
    return this.getJson(
      'GET /api/v2/organizations/{organization}/templates',
      `/api/v2/organizations/${encodeURIComponent(this.organization)}/templates`,
      list(TemplateSchema),
      { maxBytes: MAX_BODY_BYTES.list },
    );
  }

  /** Premium (Template RBAC): 403 without the licence feature, 404 on the open-source build. */
  public templateAcl(templateId: string): Promise<TemplateAcl> {
    return this.getJson(
      'GET /api/v2/templates/{template}/acl',
      `/api/v2/templates/${encodeURIComponent(templateId)}/acl`,
      TemplateAclSchema,
      { maxBytes: MAX_BODY_BYTES.list },
    );
  }

  /** The auditor's own token: its key id is the part of the session token before the first `-`. */
  public async tokenKey(): Promise<ApiKey> {
    const { keyId } = await this.token();
    return this.getJson(
      'GET /api/v2/users/me/keys/{keyid}',
      `/api/v2/users/me/keys/${encodeURIComponent(keyId)}`,
      ApiKeySchema,
      { resource: 'me/session-token' },
    );
  }

  /** `<issuer>/.well-known/openid-configuration`, without a token. */
  public oidcDiscovery(issuerUrl: string): Promise<OidcDiscovery> {
    const op = 'GET /.well-known/openid-configuration';
    const url = `${issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    return this.opts.calls.track('oidc', op, issuerUrl, async () =>
      this.parse(op, await this.send(op, url, {}, { maxBytes: MAX_BODY_BYTES.small }), OidcDiscoverySchema),
    );
  }

  /**
   * An authenticated, tracked and schema-checked `GET` of a route another module declares (see
   * coder-workloads.ts): `op` names the operation for the call record and fault injection, `resource` the
   * object read (default: the path), `maxBytes` the largest body read (a `MAX_BODY_BYTES` entry; default
   * `small`). Same redirect policy, redaction and caps as every other read.
   */
  public read<T extends z.ZodType>(
    op: string,
    path: string,
    schema: T,
    o: { resource?: string; maxBytes: number },
  ): Promise<z.output<T>> {
    return this.getJson(op, path, schema, { resource: o.resource ?? path, maxBytes: o.maxBytes });
  }

  /** Release the connection pool (in-flight requests are cut). */
  public async close(): Promise<void> {
    this.agent.destroy();
    this.httpAgent.destroy();
  }

  /** The session token, read once; the read is an AWS call the SDK middleware counts. */
  private token(): Promise<Token> {
    this.tokenPromise ??= (async () => {
      const id = this.opts.coder.tokenSecretId;
      let value: string | undefined;
      try {
        const out = await this.opts.secrets.send(new GetSecretValueCommand({ SecretId: id }), {
          abortSignal: this.opts.signal,
        });
        value = out.SecretString?.trim();
      } catch (err) {
        throw new CoderTokenError(`cannot read the Coder token from secret ${id}: ${describeError(err)}`);
      }
      if (!value) throw new CoderTokenError(`secret ${id} has no SecretString holding the Coder token`);
      this.redactions.push(value);
      const dash = value.indexOf('-');
      if (dash <= 0) {
        throw new CoderTokenError(`secret ${id} does not hold a Coder session token (<key id>-<secret>)`);
      }
      const keyId = value.slice(0, dash);
      if (keyId.length >= 4) this.redactions.push(keyId);
      return { value, keyId };
    })();
    return this.tokenPromise;
  }

  private async getJson<T extends z.ZodType>(
    op: string,
    path: string,
    schema: T,
    o: { auth?: boolean; resource?: string; maxBytes?: number; timeoutMs?: number } = {},
  ): Promise<z.output<T>> {
    const headers: Record<string, string> = {};
    if (o.auth ?? true) headers['Coder-Session-Token'] = (await this.token()).value;
    return this.opts.calls.track('coder', op, o.resource ?? path, async () =>
      this.parse(op, await this.send(op, `${this.base}${path}`, headers, o), schema),
    );
  }

  /**
   * One GET with a timeout and a capped body. Redirects are followed only to the same scheme, host and port
   * (at most MAX_REDIRECTS); a redirect to another host is refused: the token never leaves the access URL,
   * and an answer from elsewhere is never taken for Coder's.
   */
  private async send(
    op: string,
    url: string,
    headers: Record<string, string>,
    o: { maxBytes?: number; timeoutMs?: number } = {},
  ): Promise<{ status: number; text: string }> {
    const ms = o.timeoutMs ?? this.opts.callMs;
    const timeout = AbortSignal.timeout(ms);
    const signal = AbortSignal.any([this.opts.signal, timeout]);
    try {
      return await getCapped(new URL(url), {
        headers: { Accept: 'application/json', ...headers },
        signal,
        httpsAgent: this.agent,
        httpAgent: this.httpAgent,
        maxBytes: o.maxBytes ?? MAX_BODY_BYTES.small,
        what: op,
        maxRedirects: MAX_REDIRECTS,
      });
    } catch (err) {
      if (err instanceof RedirectRefusedError)
        throw new CoderRequestError(this.redact(`${op}: ${err.message}`));
      if (err instanceof BodyTooLargeError) throw err;
      if (this.opts.signal.aborted) {
        throw new CoderRequestError(`${op}: aborted (${describeError(this.opts.signal.reason)})`);
      }
      if (timeout.aborted) {
        const message = `${op}: no answer within ${ms} ms`;
        throw op.includes('/debug/health')
          ? new CoderHealthPendingError(
              `${message}: coderd runs its health checks while the request waits when its cached report is ` +
                'older than CODER_HEALTH_CHECK_REFRESH',
            )
          : new CoderRequestError(message);
      }
      const e = err as { code?: string; cause?: { code?: string; message?: string } };
      const why = e.code ?? e.cause?.code ?? e.cause?.message ?? describeError(err);
      throw new CoderRequestError(this.redact(`${op}: request failed: ${why}`));
    }
  }

  private parse<T extends z.ZodType>(
    op: string,
    res: { status: number; text: string },
    schema: T,
  ): z.output<T> {
    if (res.status < 200 || res.status > 299) {
      let message = '';
      try {
        const body = CoderErrorSchema.safeParse(JSON.parse(res.text));
        if (body.success) message = [body.data.message, body.data.detail].filter(Boolean).join(' ');
      } catch {
        // Not Coder's error JSON (a proxy's HTML page...): the status says enough.
      }
      if (HEALTH_IN_PROGRESS.test(message)) {
        // coderd/debug.go answers this (404 in its source, 503 in recent logs) when its synchronous
        // health check did not finish within HealthcheckTimeout: not a role or licence gate.
        throw new CoderHealthPendingError(`${op}: HTTP ${res.status}: ${message.slice(0, 300)}`);
      }
      throw new CoderHttpError(op, res.status, this.redact(message.slice(0, 300)));
    }
    let doc: unknown;
    try {
      doc = JSON.parse(res.text);
    } catch {
      throw new CoderResponseError(`${op}: the response is not valid JSON`);
    }
    const parsed = schema.safeParse(doc);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new CoderResponseError(this.redact(`${op}: unexpected response shape: ${issues}`));
    }
    return parsed.data;
  }

  private redact(text: string): string {
    return this.redactions.reduce((t, secret) => t.split(secret).join('[REDACTED]'), text);
  }
}

/** The certificate of a TLS socket's peer, or undefined when it presented none. */
function peerCertificate(socket: TLSSocket): PeerCertificate | undefined {
  const c = socket.getPeerCertificate();
  if (!c || !c.valid_to) return undefined;
  const name = (n: { CN?: string | string[]; O?: string | string[] } | undefined) =>
    String([n?.CN ?? n?.O ?? ''].flat()[0]).slice(0, 100);
  return { validTo: new Date(c.valid_to).toISOString(), subject: name(c.subject), issuer: name(c.issuer) };
}

/** Build the audit's Coder client from the deployment configuration. */
export function createCoderClient(opts: CoderClientOptions): CoderClient {
  return new CoderClient(opts);
}
