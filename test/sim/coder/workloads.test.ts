import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTwin, type Twin } from './twin.js';
import { httpsGet } from '../../helpers/https-get.js';

let twin: Twin;

/** The JSON fields these tests read (the twin answers codersdk shapes). */
interface Doc {
  [key: string]: unknown;
  name: string;
  id: string;
  count: number;
  roles: Doc[];
  tags: Record<string, string>;
  workspaces: Doc[];
  latest_build: Doc & { job: Doc & { error: string } };
  metadata: Doc & { workspace_name: string };
  queue_position: number;
  queue_size: number;
  available_workers?: string[];
  active_version_id: string;
  job: Doc & { status: string; error: string };
}

async function authed(path: string): Promise<{ status: number; body: Doc & Doc[] }> {
  const res = await httpsGet(`${twin.url}${path}`, {
    ca: twin.env.tls.ca,
    headers: { 'Coder-Session-Token': twin.env.secrets.coderToken },
    signal: AbortSignal.timeout(5_000),
  });
  return { status: res.status, body: JSON.parse(res.text) as Doc & Doc[] };
}

beforeAll(async () => {
  twin = await startTwin();
});
afterEach(() => twin.apply());
afterAll(async () => {
  await twin.stop();
});

const ws = (over: Record<string, unknown>) => ({
  workspaces: { 'zed/ws': { template: 'pod-swdev', ...over } },
});

describe('Twin: coder workloads', () => {
  it('lists the organization workspaces with their latest build, job and agents, paged by limit/offset', async () => {
    const all = await authed('/api/v2/workspaces?q=organization:coder');
    expect(all.status).toBe(200);
    expect(all.body.count).toBe(3);
    const alice = all.body.workspaces.find((w: Doc) => w.name === 'dev');
    expect(alice).toMatchObject({
      owner_name: 'alice',
      template_name: 'pod-swdev',
      latest_build: {
        transition: 'start',
        status: 'running',
        job: { status: 'succeeded', tags: { scope: 'organization', owner: '' } },
        resources: [{ agents: [{ name: 'main', status: 'connected', lifecycle_state: 'ready' }] }],
        matched_provisioners: { count: 2, available: 2 },
      },
    });
    const page = await authed('/api/v2/workspaces?q=organization:coder&limit=2&offset=2');
    expect(page.body).toMatchObject({ count: 3 });
    expect(page.body.workspaces).toHaveLength(1);
    expect((await authed('/api/v2/workspaces?q=organization:other')).body.count).toBe(0);
  });

  it('rejects an unknown search term like coderd (400 with a validation)', async () => {
    const bad = await authed('/api/v2/workspaces?q=flavour:vanilla');
    expect(bad).toMatchObject({ status: 400, body: { message: 'Invalid workspace search query.' } });
  });

  it('filters workspaces to what the role reads (200, never 403) and hides jobs from roles without provisioner_jobs:read (404)', async () => {
    for (const role of ['auditor', 'member', 'user-admin', 'organization-auditor']) {
      await twin.apply({ role });
      expect((await authed('/api/v2/workspaces?q=organization:coder')).body, role).toMatchObject({
        count: 0,
      });
      expect((await authed('/api/v2/organizations/coder/provisionerjobs')).status, role).toBe(404);
    }
    await twin.apply({ role: 'template-admin' });
    expect((await authed('/api/v2/workspaces?q=organization:coder')).body.count).toBe(3);
    expect((await authed('/api/v2/organizations/coder/provisionerjobs')).status).toBe(404);
    await twin.apply({ role: 'organization-template-admin' });
    expect((await authed('/api/v2/organizations/coder/provisionerjobs')).status).toBe(200);
    expect((await authed('/api/v2/users/me')).body.roles).toEqual([]);
    expect((await authed('/api/v2/organizations/coder/members/me')).body.roles).toEqual([
      expect.objectContaining({ name: 'organization-template-admin' }),
    ]);
  });

  it('reaps a job pending for 30 minutes and a hung running job after 5, with coderd reaper messages', async () => {
    await twin.apply({
      workspaces: {
        'a/pending': { template: 'pod-swdev', job: 'pending', buildAgeMinutes: 31 },
        'b/hung': { template: 'pod-swdev', job: 'running', hung: true, buildAgeMinutes: 6 },
        'c/running': { template: 'pod-swdev', job: 'running', buildAgeMinutes: 6 },
      },
    });
    const list = (await authed('/api/v2/workspaces?q=organization:coder')).body.workspaces;
    const by = (n: string) => list.find((w: Doc) => w.name === n)!.latest_build;
    expect(by('pending')).toMatchObject({
      status: 'failed',
      job: { status: 'failed', error: expect.stringMatching(/detected as pending for 30 minutes/) },
    });
    expect(by('hung').job.error).toMatch(/detected as hung for 5 minutes/);
    expect(by('running')).toMatchObject({ status: 'starting', job: { status: 'running' } });
  });

  it("keeps Terraform's diagnostics in the job log: the job error is only the exit status", async () => {
    await twin.apply({
      workspaces: {
        'a/failed': {
          template: 'pod-swdev',
          job: 'failed',
          buildAgeMinutes: 10,
          logs: ['Error: creating EC2 Instance', 'Rate exceeded'],
        },
        'b/reaped': { template: 'pod-swdev', job: 'pending', buildAgeMinutes: 40 },
      },
    });
    const list = (await authed('/api/v2/workspaces?q=organization:coder')).body.workspaces;
    const build = (n: string) => list.find((w: Doc) => w.name === n)!.latest_build;
    expect(build('failed').job.error).toBe('terraform apply: exit status 1');
    const logs = (await authed(`/api/v2/workspacebuilds/${String(build('failed').id)}/logs`)).body;
    expect(logs.filter((l: Doc) => l.log_level === 'error').map((l: Doc) => l.output)).toEqual([
      'Error: creating EC2 Instance',
      'Rate exceeded',
    ]);
    const reaped = (await authed(`/api/v2/workspacebuilds/${String(build('reaped').id)}/logs`)).body;
    expect(reaped.map((l: Doc) => l.output)).toContain(
      'Coder: Build has been detected as pending for 30 minutes and will be terminated.',
    );
    await twin.apply({ role: 'auditor' });
    expect((await authed(`/api/v2/workspacebuilds/${String(build('failed').id)}/logs`)).status).toBe(404);
  });

  it('lists pending jobs newest first with queue positions over every pending job and the matching daemons', async () => {
    await twin.apply({
      workspaces: {
        'a/first': { template: 'pod-swdev', job: 'pending', buildAgeMinutes: 9 },
        'b/second': {
          template: 'pod-swdev',
          job: 'pending',
          buildAgeMinutes: 4,
          tags: { scope: 'organization', owner: '', gpu: 'true' },
        },
      },
    });
    const jobs = (await authed('/api/v2/organizations/coder/provisionerjobs?status=pending')).body;
    expect(jobs.map((j: Doc) => [j.metadata.workspace_name, j.queue_position, j.queue_size])).toEqual([
      ['second', 2, 2],
      ['first', 1, 2],
    ]);
    // No daemon serves gpu=true: the job has no available worker and would wait until reaped.
    expect(jobs[0]!.available_workers).toBeUndefined();
    expect(jobs[1]!.available_workers).toHaveLength(2);
    const limited = await authed('/api/v2/organizations/coder/provisionerjobs?status=pending&limit=1');
    expect(limited.body).toHaveLength(1);
    const bad = await authed('/api/v2/organizations/coder/provisionerjobs?since=1h');
    expect(bad).toMatchObject({ status: 400, body: { message: 'Invalid query parameters.' } });
  });

  it('lists unarchived template versions oldest first with their import jobs; the template names its active one', async () => {
    await twin.apply({
      templates: {
        'pod-swdev': {
          activeVersion: 'v1',
          versions: {
            v1: { ageMinutes: 5000 },
            v2: {
              ageMinutes: 60,
              job: 'failed',
              error: 'contract: capability "gpu" is not provided by the base',
            },
            old: { ageMinutes: 9000, archived: true },
          },
        },
      },
    });
    const tpl = (await authed('/api/v2/organizations/coder/templates')).body.find(
      (t: Doc) => t.name === 'pod-swdev',
    );
    const versions = (await authed(`/api/v2/templates/${tpl!.id}/versions`)).body;
    expect(versions.map((v: Doc) => [v.name, v.job.status])).toEqual([
      ['v1', 'succeeded'],
      ['v2', 'failed'],
    ]);
    expect(tpl!.active_version_id).toBe(versions[0]!.id);
    expect(versions[1]!.job.error).toContain('capability');
  });

  it('answers the daemons with their tags', async () => {
    await twin.apply(ws({}));
    const daemons = (await authed('/api/v2/organizations/coder/provisionerdaemons')).body;
    expect(daemons[0]!.tags).toEqual({ owner: '', scope: 'organization' });
  });
});
