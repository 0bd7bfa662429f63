import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCoderScenario, simUuid } from '../../../sim/coder/model.js';
import { loadScenario } from '../../../sim/scenario.js';
import { CANARY, startTwin, type Twin } from './twin.js';
import { httpsGet } from '../../helpers/https-get.js';

let twin: Twin;

async function get(path: string, token?: string): Promise<{ status: number; body: unknown; text: string }> {
  const res = await httpsGet(`${twin.url}${path}`, {
    ca: twin.env.tls.ca,
    headers: token ? { 'Coder-Session-Token': token } : {},
    signal: AbortSignal.timeout(5_000),
  });
  const text = res.text;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}
const authed = (path: string) => get(path, twin.env.secrets.coderToken);

beforeAll(async () => {
  twin = await startTwin();
});
afterEach(() => twin.apply());
afterAll(async () => {
  await twin.stop();
});

describe('Twin: coder', () => {
  it('serves /healthz and buildinfo without a token over TLS signed by the sim CA', async () => {
    expect(await get('/healthz')).toMatchObject({ status: 200, text: 'OK' });
    expect((await get('/api/v2/buildinfo')).body).toMatchObject({ version: 'v2.24.2' });
  });

  it("accepts only the sim's session token, with Coder's error JSON otherwise", async () => {
    expect((await authed('/api/v2/organizations/coder/templates')).status).toBe(200);
    const missing = await get('/api/v2/organizations/coder/templates');
    expect(missing).toMatchObject({
      status: 401,
      body: { message: expect.stringContaining('signed out'), detail: expect.any(String) },
    });
    const wrong = await get('/api/v2/organizations/coder/templates', `${CANARY}-nope`);
    expect(wrong).toMatchObject({ status: 401, body: { detail: 'API key secret is invalid.' } });
  });

  it('answers 401 for every call once the token expired', async () => {
    await twin.apply({ token: { expiresInDays: -1 } });
    expect((await authed('/api/v2/users/me')).status).toBe(401);
  });

  it('looks the token up by the key id before its first dash', async () => {
    const key = await authed(`/api/v2/users/me/keys/${CANARY}`);
    expect(key).toMatchObject({
      status: 200,
      body: { id: CANARY, token_name: 'coder-auditor', login_type: 'token' },
    });
    expect((await authed('/api/v2/users/me/keys/otherkey01')).status).toBe(404);
  });

  it('accepts the organization by name or id, 404 otherwise', async () => {
    const org = (await authed('/api/v2/organizations/coder')).body as { id: string };
    expect((await authed(`/api/v2/organizations/${org.id}/provisionerdaemons`)).status).toBe(200);
    expect((await authed('/api/v2/organizations/nope/templates')).status).toBe(404);
  });

  it('gates the health report on the Owner role and keys/ACLs on the Premium licence', async () => {
    await twin.apply({ role: 'member', premium: false });
    expect(await authed('/api/v2/debug/health')).toMatchObject({
      status: 403,
      body: { message: 'Forbidden.' },
    });
    expect(await authed('/api/v2/organizations/coder/provisionerkeys')).toMatchObject({
      status: 403,
      body: { message: expect.stringContaining('Premium feature') },
    });
    const [tpl] = (await authed('/api/v2/organizations/coder/templates')).body as { id: string }[];
    expect((await authed(`/api/v2/templates/${tpl!.id}/acl`)).status).toBe(403);
  });

  it.each([
    // role, health report, daemons, keys, templates (coderd/rbac/roles.go, coderd/provisionerdaemons.go)
    ['owner', 200, 200, 1, 2],
    ['organization-admin', 403, 200, 1, 2],
    ['organization-template-admin', 403, 200, 1, 2],
    ['template-admin', 403, 404, 1, 2],
    ['auditor', 403, 404, 0, 2],
    ['organization-auditor', 403, 404, 0, 2],
    ['member', 403, 404, 0, 1],
  ] as const)(
    'enforces what role %s reads: health %i, daemons %i, %i keys, %i templates',
    async (role, health, daemons, keys, templates) => {
      await twin.apply({ role });
      expect((await authed('/api/v2/debug/health')).status).toBe(health);
      expect((await authed('/api/v2/organizations/coder/provisionerdaemons')).status).toBe(daemons);
      // Keys the role cannot read are filtered out by dbauthz: 200 and an empty list, not 403.
      const k = await authed('/api/v2/organizations/coder/provisionerkeys');
      expect(k.status).toBe(200);
      expect(k.body).toHaveLength(keys);
      const t = (await authed('/api/v2/organizations/coder/templates')).body as {
        id: string;
        name: string;
      }[];
      expect(t).toHaveLength(templates);
      const all = (await authed('/api/v2/templates')).body as unknown[];
      expect(all).toHaveLength(templates);
      // A Member reads only what the ACL shares with it (the Everyone group): another template's ACL is 404.
      const hidden = simUuid('template', 'pod-swdev');
      expect((await authed(`/api/v2/templates/${hidden}/acl`)).status).toBe(templates === 2 ? 200 : 404);
    },
  );

  it('lists the token user roles: site roles in /users/me, organization roles in /members/me', async () => {
    await twin.apply({ role: 'auditor' });
    expect((await authed('/api/v2/users/me')).body).toMatchObject({ roles: [{ name: 'auditor' }] });
    await twin.apply({ role: 'organization-template-admin' });
    expect((await authed('/api/v2/users/me')).body).toMatchObject({ roles: [] });
    expect((await authed('/api/v2/organizations/coder/members/me')).body).toMatchObject({
      roles: [{ name: 'organization-template-admin', display_name: 'Organization Template Admin' }],
      global_roles: [],
    });
  });

  it('serves entitlements from the enterprise build (no token), and no Premium routes from the open-source one', async () => {
    expect(await get('/api/v2/entitlements')).toMatchObject({
      status: 200,
      body: { has_license: true, features: { multiple_organizations: { entitlement: 'entitled' } } },
    });
    await twin.apply({ premium: false });
    expect((await get('/api/v2/entitlements')).body).toMatchObject({
      has_license: false,
      features: { template_rbac: { entitlement: 'not_entitled', enabled: false } },
    });
    await twin.apply({ edition: 'oss' });
    expect(await get('/api/v2/entitlements')).toMatchObject({
      status: 404,
      body: { message: 'Route not found.' },
    });
    expect((await authed('/api/v2/organizations/coder/provisionerkeys')).status).toBe(404);
  });

  it('lists daemons newest first, 50 by default, `limit` on request, 400 on a bad limit', async () => {
    await twin.apply({ offlineHistory: { count: 60 } });
    const page = (await authed('/api/v2/organizations/coder/provisionerdaemons')).body as {
      created_at: string;
      status: string;
    }[];
    expect(page).toHaveLength(50);
    expect(page.every((d) => d.status === 'offline')).toBe(true);
    expect([...page].sort((a, b) => b.created_at.localeCompare(a.created_at))).toEqual(page);
    expect((await authed('/api/v2/organizations/coder/provisionerdaemons?limit=500')).body).toHaveLength(62);
    expect((await authed('/api/v2/organizations/coder/provisionerdaemons?limit=x')).status).toBe(400);
  });

  it('serves its cached health report while fresh, builds a stale one on request, and gives up after its timeout', async () => {
    const first = (await authed('/api/v2/debug/health')).body as { time: string };
    expect(Date.now() - Date.parse(first.time)).toBeGreaterThan(50_000); // cached a minute ago
    await twin.apply({ healthcheck: { cachedAgeMinutes: 11, durationMs: 100 } });
    const rebuilt = (await authed('/api/v2/debug/health')).body as { time: string };
    expect(Date.now() - Date.parse(rebuilt.time)).toBeLessThan(50_000);
    await twin.apply({ healthcheck: { cachedAgeMinutes: null, durationMs: 10_000, timeoutMs: 100 } });
    expect(await authed('/api/v2/debug/health')).toMatchObject({
      status: 404,
      body: { message: expect.stringMatching(/^Healthcheck is in progress/) },
    });
  });

  it.each([
    ['keycloak', false],
    ['okta', true],
    ['entra', false],
    ['google', false],
    ['cognito', false],
  ] as const)('serves the real discovery document of %s (groups scope: %s)', async (provider, groups) => {
    await twin.apply({ oidc: { provider } });
    const doc = (await get('/oidc/.well-known/openid-configuration')).body as {
      issuer: string;
      scopes_supported: string[];
      authorization_endpoint: string;
    };
    expect(doc.issuer).toBe(`${twin.url}/oidc`);
    expect(doc.scopes_supported).toContain('openid');
    expect(doc.scopes_supported.includes('groups')).toBe(groups);
    expect(doc.authorization_endpoint).toMatch(/^https:\/\//);
  });

  it('derives EPD01 in the health report when no daemon heartbeats, as coderd does', async () => {
    expect((await authed('/api/v2/debug/health')).body).toMatchObject({
      severity: 'ok',
      provisioner_daemons: { severity: 'ok' },
    });
    await twin.apply({
      daemons: {
        'coder-provisioner-6d9c7b5f4-2xkqp': { lastSeenMinutes: 120 },
        'coder-provisioner-6d9c7b5f4-9wzlm': { lastSeenMinutes: 120 },
      },
    });
    const report = (await authed('/api/v2/debug/health')).body;
    expect(report).toMatchObject({
      severity: 'error',
      healthy: false,
      provisioner_daemons: { warnings: [{ code: 'EPD01' }] },
    });
    const daemons = (await authed('/api/v2/organizations/coder/provisionerdaemons')).body as {
      status: string;
    }[];
    expect(daemons.map((d) => d.status)).toEqual(['offline', 'offline']);
  });

  it('serves the OIDC discovery document, with the scenario issuer override', async () => {
    expect((await get('/oidc/.well-known/openid-configuration')).body).toMatchObject({
      issuer: `${twin.url}/oidc`,
    });
    await twin.apply({ oidc: { issuer: '{base}/', scopes_supported: ['openid'] } });
    expect((await get('/oidc/.well-known/openid-configuration')).body).toMatchObject({
      issuer: `${twin.url}/oidc/`,
      scopes_supported: ['openid'],
    });
  });

  it('injects faults per service and operation', async () => {
    await twin.apply({}, [
      { service: 'coder', operation: 'GET /api/v2/buildinfo', kind: 'malformed', ms: 0, rate: 1 },
      {
        service: 'coder',
        operation: 'GET /api/v2/organizations/{organization}/templates',
        kind: 'throttle',
        ms: 0,
        rate: 1,
      },
      { service: 'oidc', kind: 'error5xx', ms: 0, rate: 1 },
    ]);
    const buildinfo = await get('/api/v2/buildinfo');
    expect(buildinfo.status).toBe(200);
    expect(buildinfo.body).toBeUndefined();
    expect((await authed('/api/v2/organizations/coder/templates')).status).toBe(429);
    expect((await get('/oidc/.well-known/openid-configuration')).status).toBe(500);
    expect((await get('/healthz')).status).toBe(200);
  });

  it('hangs until the client gives up', async () => {
    await twin.apply({}, [{ service: 'coder', operation: 'GET /healthz', kind: 'hang', ms: 0, rate: 1 }]);
    await expect(
      httpsGet(`${twin.url}/healthz`, { ca: twin.env.tls.ca, signal: AbortSignal.timeout(200) }),
    ).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  it('parses the coder section of every shipped scenario', () => {
    for (const name of [
      'healthy',
      'provisioner-key-expired',
      'provisioner-offline',
      'template-acl-empty',
      'health-report-warnings',
      'oidc-issuer-mismatch',
      'coder-api-malformed',
    ]) {
      expect(() => parseCoderScenario(loadScenario(name)), name).not.toThrow();
    }
  });

  it('reports an invalid coder section by field', () => {
    const bad = { ...loadScenario('healthy'), coder: { role: 'admin' } };
    expect(() => parseCoderScenario(bad)).toThrow(/role/);
  });
});
