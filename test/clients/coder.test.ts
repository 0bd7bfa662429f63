import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CallRecorder } from '../../lambdas/audit/calls.js';
import {
  CoderHealthPendingError,
  CoderHttpError,
  CoderRequestError,
  CoderResponseError,
  CoderTokenError,
  createCoderClient,
  MAX_BODY_BYTES,
  type CoderClient,
  type CoderClientOptions,
} from '../../lambdas/clients/coder.js';
import { BodyTooLargeError } from '../../lambdas/clients/body.js';
import { listWorkspaces } from '../../lambdas/clients/coder-workloads.js';
import { createServer } from 'node:https';
import { listenLocal } from '../../sim/listen.js';
import { CANARY, startTwin, type Twin } from '../sim/coder/twin.js';

/** An HTTPS server (the sim's certificate) that redirects every request to `to(path)`. */
async function redirector(to: (path: string) => string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer({ cert: twin.env.tls.cert, key: twin.env.tls.key }, (req, res) => {
    res.writeHead(302, { location: to(new URL(req.url ?? '/', 'https://x').pathname) });
    res.end();
  });
  const l = await listenLocal(server);
  return { url: `https://127.0.0.1:${l.port}`, close: () => l.close() };
}

let twin: Twin;
const clients: CoderClient[] = [];

/** A client of the twin; `token` replaces the secret's value, `over` the options. */
function client(over: Partial<CoderClientOptions> = {}, token?: string) {
  const secrets = new SecretsManagerClient({ region: 'us-east-1' });
  const sm = mockClient(secrets);
  sm.on(GetSecretValueCommand).resolves({ SecretString: token ?? twin.env.secrets.coderToken });
  const calls = new CallRecorder();
  const c = createCoderClient({
    coder: twin.deployment.coder!,
    callMs: 5_000, // success paths; timeout tests pass a short callMs
    secrets,
    calls,
    signal: new AbortController().signal,
    ca: twin.env.tls.ca,
    ...over,
  });
  clients.push(c);
  return { c, calls, sm };
}

/** Run `fn` and return what it threw. */
async function thrown(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  twin = await startTwin();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await twin.apply();
});
afterAll(() => twin.stop());

describe('Class: CoderClient', () => {
  describe('Method: healthz', () => {
    it('reads /healthz through the access URL, verifying TLS with the given CA', async () => {
      const { c, calls } = client();
      await expect(c.healthz()).resolves.toMatchObject({ status: 200, body: 'OK' });
      expect(calls.list()).toMatchObject([
        { service: 'coder', operation: 'GET /healthz', ok: true, depth: 1 },
      ]);
    });

    it('builds the TLS context of a CA once for every connection and client, not per handshake', async () => {
      const contexts = vi.spyOn(tls, 'createSecureContext');
      try {
        for (let i = 0; i < 2; i++) {
          const { c } = client();
          // In parallel: several connections of one client; then a second client.
          await Promise.all([c.healthz(), c.buildInfo(), c.healthz()]);
        }
        // At most once (none when an earlier test of this process already built it).
        expect(contexts.mock.calls.length).toBeLessThanOrEqual(1);
      } finally {
        contexts.mockRestore();
      }
    });

    it('refuses a certificate it cannot verify', async () => {
      const { c } = client({ ca: undefined });
      const err = await thrown(() => c.healthz());
      expect(err).toBeInstanceOf(CoderRequestError);
      expect(err.message).toMatch(/GET \/healthz: request failed: .*(CERT|VERIFY|SELF_SIGNED)/);
    });

    it('returns a non-200 answer instead of throwing', async () => {
      await twin.apply({ healthz: { status: 503, body: 'no healthy upstream' } });
      await expect(client().c.healthz()).resolves.toMatchObject({ status: 503, body: 'no healthy upstream' });
    });
  });

  describe('Method: authenticated reads', () => {
    it('sends the token from Secrets Manager, read once for all calls', async () => {
      const { c, sm, calls } = client();
      const [keys, daemons, templates] = await Promise.all([
        c.provisionerKeys(),
        c.provisionerDaemons(500),
        c.templates(),
      ]);
      expect(keys.map((k) => k.name)).toEqual(['coder-prov']);
      expect(daemons).toHaveLength(2);
      expect(templates.map((t) => t.name)).toEqual(['kubernetes-devcontainer', 'pod-swdev']);
      const acl = await c.templateAcl(templates[0]!.id);
      expect(acl.group.map((g) => g.name)).toEqual(['Everyone']);
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      expect(sm.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({
        SecretId: twin.env.secrets.coderTokenSecretId,
      });
      expect(calls.summary().byOperation).toMatchObject({
        'coder:GET /api/v2/organizations/{organization}/provisionerkeys': 1,
        'coder:GET /api/v2/templates/{template}/acl': 1,
      });
    });

    it("looks up the auditor's own key and keeps the key id out of the call records", async () => {
      const { c, calls } = client();
      const key = await c.tokenKey();
      expect(key).toMatchObject({ id: CANARY, token_name: 'coder-auditor' });
      expect(Date.parse(key.expires_at)).toBeGreaterThan(Date.now());
      expect(JSON.stringify(calls.list())).not.toContain(CANARY);
    });

    it('gives CoderHttpError 403 for the health report without the Owner role', async () => {
      await twin.apply({ role: 'member' });
      const err = await thrown(() => client().c.debugHealth());
      expect(err).toBeInstanceOf(CoderHttpError);
      expect(err).toMatchObject({ status: 403, coderMessage: expect.stringMatching(/^Forbidden\. /) });
    });

    it("reads the token user's site and organization roles, and the licence", async () => {
      await twin.apply({ role: 'organization-template-admin' });
      const { c } = client();
      await expect(c.me()).resolves.toMatchObject({ username: 'coder-auditor', roles: [] });
      await expect(c.orgMember()).resolves.toMatchObject({
        roles: [{ name: 'organization-template-admin' }],
        global_roles: [],
      });
      await expect(c.entitlements()).resolves.toMatchObject({
        has_license: true,
        features: { template_rbac: { enabled: true } },
      });
      await twin.apply({ role: 'auditor', edition: 'oss' });
      await expect(client().c.me()).resolves.toMatchObject({ roles: [{ name: 'auditor' }] });
      await expect(client().c.entitlements()).rejects.toMatchObject({ status: 404 });
    });

    it('asks for `limit` daemons: coderd answers 50, newest first, without one', async () => {
      await twin.apply({ offlineHistory: { count: 80 } });
      const daemons = await client().c.provisionerDaemons(500);
      expect(daemons).toHaveLength(82);
      // The two live daemons are the oldest rows: the 80 rows of replaced pods are newer.
      expect(daemons.slice(-2).every((d) => d.status !== 'offline')).toBe(true);
      expect(daemons.slice(0, 80).every((d) => d.status === 'offline')).toBe(true);
      expect(await client().c.provisionerDaemons(50)).toHaveLength(50);
    });

    it('rejects a wrong token with 401 and never shows it, even in error messages', async () => {
      const wrong = `${CANARY}X-wrongsecret`;
      const { c, calls } = client({}, wrong);
      const errors = await Promise.all([
        thrown(() => c.buildInfo().then(() => c.templates())),
        thrown(() => c.tokenKey()),
      ]);
      for (const err of errors) {
        expect(err).toMatchObject({ status: 401 });
        expect(`${err.message} ${JSON.stringify(err)} ${String(err.stack)}`).not.toContain(CANARY);
      }
      expect(JSON.stringify(calls.list())).not.toContain(CANARY);
    });

    it('reports a secret that is not a session token without its value', async () => {
      const err = await thrown(() => client({}, `${CANARY}nodash`).c.templates());
      expect(err).toBeInstanceOf(CoderTokenError);
      expect(err.message).not.toContain(CANARY);
    });
  });

  describe('Method: faults', () => {
    it('turns malformed JSON into CoderResponseError', async () => {
      await twin.apply({}, [{ service: 'coder', kind: 'malformed', ms: 0, rate: 1 }]);
      const err = await thrown(() => client().c.buildInfo());
      expect(err).toBeInstanceOf(CoderResponseError);
      expect(err.message).toBe('GET /api/v2/buildinfo: the response is not valid JSON');
    });

    it('turns another JSON shape into CoderResponseError', async () => {
      await twin.apply({ version: '' });
      const err = await thrown(() => client().c.buildInfo());
      expect(err).toBeInstanceOf(CoderResponseError);
      expect(err.message).toContain('unexpected response shape: version');
    });

    it('gives up on a hung request after callMs', async () => {
      await twin.apply({}, [
        { service: 'coder', operation: 'GET /api/v2/buildinfo', kind: 'hang', ms: 0, rate: 1 },
      ]);
      const err = await thrown(() => client({ callMs: 300 }).c.buildInfo());
      expect(err).toBeInstanceOf(CoderRequestError);
      expect(err.message).toBe('GET /api/v2/buildinfo: no answer within 300 ms');
    });

    it('Noncompliance: cuts oversized, endless and slow bodies, whatever the server declares', async () => {
      await twin.apply({}, [
        {
          service: 'coder',
          operation: 'GET /api/v2/organizations/{organization}/templates',
          kind: 'oversized',
          ms: 0,
          rate: 1,
          bytes: 200 * 2 ** 20,
        },
        { service: 'coder', operation: 'GET /api/v2/debug/health', kind: 'endless', ms: 0, rate: 1 },
        { service: 'coder', operation: 'GET /api/v2/buildinfo', kind: 'slowBody', ms: 0, rate: 1 },
        { service: 'oidc', kind: 'endless', ms: 0, rate: 1 },
      ]);
      // Generous timeouts for the size caps (a loaded machine streams 4 MiB slowly), a short one for the slow body.
      const c = client({ callMs: 20_000 }).c;
      const [templates, health, build, oidc] = await Promise.all([
        thrown(() => c.templates()),
        thrown(() => c.debugHealth()),
        thrown(() => client({ callMs: 400 }).c.buildInfo()),
        thrown(() => c.oidcDiscovery(`${twin.url}/oidc`)),
      ]);
      expect(templates).toBeInstanceOf(BodyTooLargeError);
      expect(health).toBeInstanceOf(BodyTooLargeError);
      expect(health.message).toMatch(/larger than 4194304 bytes/);
      expect(oidc).toBeInstanceOf(BodyTooLargeError);
      expect(build).toBeInstanceOf(CoderRequestError);
      expect(build.message).toBe('GET /api/v2/buildinfo: no answer within 400 ms');
    });

    it('Noncompliance: the workload reads are capped like every other list (MAX_BODY_BYTES.list)', async () => {
      await twin.apply({}, [
        {
          service: 'coder',
          operation: 'GET /api/v2/workspaces',
          kind: 'oversized',
          ms: 0,
          rate: 1,
          bytes: 200 * 2 ** 20,
        },
      ]);
      const err = await thrown(() => listWorkspaces(client({ callMs: 20_000 }).c, 1));
      expect(err).toBeInstanceOf(BodyTooLargeError);
      expect(err.message).toMatch(new RegExp(`larger than ${MAX_BODY_BYTES.list} bytes`));
    });

    it("stops at the group's deadline", async () => {
      await twin.apply({}, [{ service: 'coder', kind: 'hang', ms: 0, rate: 1 }]);
      const ctl = new AbortController();
      const p = thrown(() => client({ signal: ctl.signal, callMs: 30_000 }).c.provisionerDaemons(500));
      setTimeout(() => ctl.abort(new Error('deadline')), 100);
      expect((await p).message).toMatch(/aborted/);
    });

    it('surfaces throttling and 5xx as HTTP errors', async () => {
      await twin.apply({}, [
        { service: 'coder', operation: 'GET /api/v2/buildinfo', kind: 'throttle', ms: 0, rate: 1 },
      ]);
      await expect(client().c.buildInfo()).rejects.toMatchObject({ status: 429 });
      await twin.apply({}, [{ service: 'coder', kind: 'error5xx', ms: 0, rate: 1 }]);
      await expect(client().c.templates()).rejects.toMatchObject({ status: 500 });
    });
  });

  describe('Method: debugHealth', () => {
    it('Noncompliance: waits for a report coderd builds on request (stale cache) with its own timeout', async () => {
      // The cached report is an hour old: coderd runs its checks while the request waits (600 ms here).
      await twin.apply({ healthcheck: { cachedAgeMinutes: 60, durationMs: 600 } });
      await expect(client({ callMs: 300 }).c.debugHealth()).rejects.toBeInstanceOf(CoderHealthPendingError);
      await twin.apply({ healthcheck: { cachedAgeMinutes: 60, durationMs: 600 } });
      await expect(client({ callMs: 300, healthMs: 5_000 }).c.debugHealth()).resolves.toMatchObject({
        severity: 'ok',
      });
    });

    it('says "in progress" when coderd gives up after its own timeout, with either status', async () => {
      for (const inProgressStatus of [404, 503]) {
        await twin.apply({
          healthcheck: { cachedAgeMinutes: null, durationMs: 5_000, timeoutMs: 200, inProgressStatus },
        });
        const err = await thrown(() => client({ healthMs: 3_000 }).c.debugHealth());
        expect(err).toBeInstanceOf(CoderHealthPendingError);
        expect(err.message).toContain(`HTTP ${inProgressStatus}: Healthcheck is in progress`);
      }
    });
  });

  describe('Method: redirects', () => {
    it('follows a redirect on the same host and refuses one to another host', async () => {
      const other = await redirector((path) => (path === '/healthz' ? `${twin.url}/healthz` : '/healthz'));
      try {
        const c = client({ coder: { ...twin.deployment.coder!, url: other.url } }).c;
        const err = await thrown(() => c.healthz());
        expect(err).toBeInstanceOf(CoderRequestError);
        expect(err.message).toMatch(/redirected to another host \(https:\/\/127\.0\.0\.1:\d+\); refused/);
        const same = client({ coder: { ...twin.deployment.coder!, url: `${other.url}/start` } }).c;
        await expect(same.buildInfo()).rejects.toThrow(/redirected to another host/);
      } finally {
        await other.close();
      }
    });
  });

  describe('Method: oidcDiscovery', () => {
    it('reads the discovery document as service oidc', async () => {
      const { c, calls } = client();
      const doc = await c.oidcDiscovery(`${twin.url}/oidc`);
      expect(doc).toMatchObject({
        issuer: `${twin.url}/oidc`,
        scopes_supported: expect.arrayContaining(['groups']),
      });
      expect(calls.list()[0]).toMatchObject({
        service: 'oidc',
        operation: 'GET /.well-known/openid-configuration',
      });
    });
  });
});
