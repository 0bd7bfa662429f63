import type { z } from 'zod';
import { simUuid } from './model.js';
import { can, type SimRole } from './rbac.js';
import { type JobState, type SimTemplateVersion, type SimWorkspace } from './workload-model.js';

/**
 * The Coder twin's workloads: workspaces with their latest build, its provisioner job and agents; the
 * provisioner job queue; template versions and their import jobs. Behaviour
 * from coder/coder:
 *
 * - `GET /api/v2/workspaces` (coderd/workspaces.go, searchquery.Workspaces): `{workspaces, count}`, filtered to
 *   what the caller may read (200, never 403); `limit` 0 means no limit; an unknown search term is a 400.
 * - `GET /api/v2/organizations/{org}/provisionerjobs` (coderd/provisionerjobs.go): `provisioner_jobs:read` in
 *   the organization or 404; `limit` default 50; newest first; unknown query parameters are a 400;
 *   `queue_position`/`queue_size` over every pending job (oldest first); `available_workers` are the daemons
 *   whose tags contain the job's (provisioner_tagset_contains), online or not.
 * - The job reaper (coderd/jobreaper/detector.go): a job pending for 30 minutes, or running without an update
 *   for 5, is failed with "Coder: Build has been detected as pending|hung for N minutes and has been
 *   terminated by the reaper.".
 * - `GET /api/v2/templates/{template}/versions` (coderd/templateversions.go): unarchived versions, oldest first.
 * - Job logs, `GET /api/v2/workspacebuilds/{id}/logs` and `/api/v2/templateversions/{id}/logs`
 *   (codersdk.ProvisionerJobLog, oldest first): a failed Terraform run's job error is only
 *   `terraform apply|plan: exit status 1` (provisioner/terraform/executor.go); Terraform's diagnostics are
 *   error-level lines of the log ("Error: <summary>", then the detail: provisionReadAndLog), and a reaped job
 *   ends with the reaper's five lines (jobreaper.JobLogMessages).
 * - Roles: the per-role rules of sim/coder/rbac.ts (coderd/rbac/roles.go): `workspace:read` for every
 *   workspace and build log, `provisioner_jobs:read` for the queue, `template:read` (or a template ACL that
 *   shares it) for versions and their logs.
 */

const MINUTE = 60_000;
/** jobreaper.PendingJobDuration and HungJobDuration. */
const PENDING_REAP_MS = 30 * MINUTE;
const HUNG_REAP_MS = 5 * MINUTE;

/** A daemon as the twin's server knows it. */
export interface DaemonView {
  id: string;
  online: boolean;
  tags: Record<string, string>;
}

/** What the routes read from the running twin. */
export interface WorkloadState {
  now: Date;
  orgId: string;
  orgName: string;
  /** The auditor's roles (sim/coder/rbac.ts). */
  roles: readonly SimRole[];
  workspaces: Record<string, SimWorkspace>;
  /** Template name → its versions (oldest first by age) and the active one's name. */
  templates: Record<
    string,
    { versions: Record<string, SimTemplateVersion>; active: string; everyone: boolean }
  >;
}

type Json = Record<string, unknown>;
export interface WorkloadReply {
  status: number;
  body: unknown;
}
export interface WorkloadRoute {
  service: 'coder';
  operation: string;
  pattern: RegExp;
  auth: boolean;
  handle(params: string[], at: Date, query: URLSearchParams): WorkloadReply;
}

const iso = (ms: number) => new Date(ms).toISOString();
const json = (status: number, body: unknown): WorkloadReply => ({ status, body });
const notFound = () =>
  json(404, { message: 'Resource not found or you do not have access to this resource' });

/** provisioner_tagset_contains: every tag of the job is on the daemon (the `owner` tag '' matches any). */
function tagsetContains(daemon: Record<string, string>, job: Record<string, string>): boolean {
  return Object.entries(job).every(([k, v]) => (k === 'owner' && v === '') || daemon[k] === v);
}

interface SimJob {
  json: Json & { status: string; created_at: string };
  createdMs: number;
}

/** A job as coderd reports it at `at`, after the reaper. */
function job(
  id: string,
  createdMs: number,
  spec: {
    job: z.output<typeof JobState>;
    error?: string | undefined;
    errorCode?: string | undefined;
    tags: Record<string, string>;
    hung?: boolean;
  },
  at: Date,
  type: string,
): SimJob {
  let status: string = spec.job;
  let error = spec.error;
  let started: number | undefined = spec.job === 'pending' ? undefined : createdMs + 2_000;
  let completed: number | undefined =
    spec.job === 'succeeded' || spec.job === 'failed' || spec.job === 'canceled'
      ? createdMs + 90_000
      : undefined;
  if (spec.job === 'pending' && at.getTime() - createdMs >= PENDING_REAP_MS) {
    status = 'failed';
    error = 'Coder: Build has been detected as pending for 30 minutes and has been terminated by the reaper.';
    started = completed = createdMs + PENDING_REAP_MS;
  } else if (spec.job === 'running' && spec.hung && at.getTime() - createdMs >= HUNG_REAP_MS) {
    status = 'failed';
    error = 'Coder: Build has been detected as hung for 5 minutes and has been terminated by the reaper.';
    completed = createdMs + HUNG_REAP_MS;
  }
  return {
    createdMs,
    json: {
      id,
      created_at: iso(createdMs),
      ...(started !== undefined ? { started_at: iso(started) } : {}),
      ...(completed !== undefined ? { completed_at: iso(completed) } : {}),
      ...(status === 'canceled' ? { canceled_at: iso(completed ?? createdMs) } : {}),
      ...(status === 'failed'
        ? { error: error ?? `terraform ${type === 'workspace_build' ? 'apply' : 'plan'}: exit status 1` }
        : {}),
      ...(status === 'failed' && spec.errorCode ? { error_code: spec.errorCode } : {}),
      status,
      file_id: simUuid('file', id),
      tags: spec.tags,
      queue_position: 0,
      queue_size: 0,
      type,
      input: {},
    },
  };
}

const WORKSPACE_STATUS: Record<string, Record<string, string>> = {
  pending: { start: 'pending', stop: 'pending', delete: 'pending' },
  running: { start: 'starting', stop: 'stopping', delete: 'deleting' },
  succeeded: { start: 'running', stop: 'stopped', delete: 'deleted' },
  failed: { start: 'failed', stop: 'failed', delete: 'failed' },
  canceled: { start: 'canceled', stop: 'canceled', delete: 'canceled' },
};

interface Built {
  workspaces: Json[];
  /** Every job, for the queue. */
  jobs: Array<SimJob & { meta: Json }>;
}

/** Build every workspace and job at `at`; queue positions over every pending job, oldest first. */
function build(st: WorkloadState, daemons: DaemonView[], at: Date): Built {
  const jobs: Built['jobs'] = [];
  const workspaces: Json[] = [];
  for (const [key, w] of Object.entries(st.workspaces)) {
    const [owner, name] = key.includes('/') ? key.split('/', 2) : ['coder', key];
    const created = st.now.getTime() - w.buildAgeMinutes * MINUTE;
    const j = job(simUuid('job', key), created, w, at, 'workspace_build');
    const workers = daemons.filter((d) => tagsetContains(d.tags, w.tags));
    const meta = { template_name: w.template, template_version_name: 'v1', workspace_name: name };
    jobs.push({ ...j, meta });
    const status = WORKSPACE_STATUS[j.json.status]?.[w.transition] ?? 'failed';
    const up = w.transition === 'start' && (j.json.status === 'succeeded' || j.json.status === 'running');
    workspaces.push({
      id: simUuid('workspace', key),
      name,
      owner_name: owner,
      owner_id: simUuid('user', owner!),
      organization_id: st.orgId,
      organization_name: st.orgName,
      template_id: simUuid('template', w.template),
      template_name: w.template,
      template_display_name: w.template,
      created_at: iso(created - 30 * 86_400_000),
      updated_at: iso(created),
      outdated: false,
      latest_build: {
        id: simUuid('build', key),
        created_at: iso(created),
        updated_at: iso(created),
        workspace_id: simUuid('workspace', key),
        workspace_name: name,
        workspace_owner_name: owner,
        template_version_id: simUuid('templateversion', `${w.template}/v1`),
        template_version_name: 'v1',
        build_number: 7,
        transition: w.transition,
        initiator_name: owner,
        reason: 'initiator',
        job: j.json,
        status,
        resources: up
          ? [
              {
                id: simUuid('resource', key),
                name: 'main',
                type: 'kubernetes_deployment',
                agents: Object.entries(w.agents).map(([agent, a]) => ({
                  id: simUuid('agent', `${key}/${agent}`),
                  name: agent,
                  status: a.status,
                  lifecycle_state: a.lifecycle,
                  ...(a.status !== 'connecting' ? { first_connected_at: iso(created + 60_000) } : {}),
                  ...(a.status === 'disconnected' ? { disconnected_at: iso(created + 600_000) } : {}),
                  health:
                    a.status === 'connected' && !['start_error', 'start_timeout'].includes(a.lifecycle)
                      ? { healthy: true }
                      : {
                          healthy: false,
                          reason: `agent is ${a.status === 'connected' ? a.lifecycle : a.status}`,
                        },
                })),
              },
            ]
          : [],
        matched_provisioners: {
          count: workers.length,
          available: workers.filter((d) => d.online).length,
        },
        daily_cost: 0,
      },
      health: { healthy: true, failing_agents: [] },
    });
  }
  for (const [tname, t] of Object.entries(st.templates)) {
    for (const [vname, v] of Object.entries(t.versions)) {
      const { j } = importJob(st, tname, vname, v, at);
      jobs.push({ ...j, meta: { template_name: tname, template_version_name: vname } });
    }
  }
  const pending = jobs.filter((x) => x.json.status === 'pending').sort((a, b) => a.createdMs - b.createdMs);
  pending.forEach((x, i) => Object.assign(x.json, { queue_position: i + 1, queue_size: pending.length }));
  return { workspaces, jobs };
}

/** The import job of one template version, as coderd reports it (organization-scoped tags). */
function importJob(st: WorkloadState, tname: string, vname: string, v: SimTemplateVersion, at: Date) {
  const created = st.now.getTime() - v.ageMinutes * MINUTE;
  const j = job(
    simUuid('job', `${tname}/${vname}`),
    created,
    { ...v, tags: { scope: 'organization', owner: '' } },
    at,
    'template_version_import',
  );
  return { created, j };
}

function versionsOf(st: WorkloadState, tname: string, at: Date): Json[] {
  const t = st.templates[tname]!;
  return Object.entries(t.versions)
    .map(([vname, v]) => {
      const { created, j } = importJob(st, tname, vname, v, at);
      return {
        createdMs: created,
        archived: v.archived,
        json: {
          id: simUuid('templateversion', `${tname}/${vname}`),
          template_id: simUuid('template', tname),
          organization_id: st.orgId,
          created_at: iso(created),
          updated_at: iso(created),
          name: vname,
          message: '',
          job: j.json,
          readme: '',
          created_by: { id: simUuid('user', v.createdBy), username: v.createdBy, avatar_url: '' },
          archived: v.archived,
          warnings: [],
        },
      };
    })
    .filter((v) => !v.archived)
    .sort((a, b) => a.createdMs - b.createdMs)
    .map((v) => v.json);
}

/** The log of a job: a few info lines, the scenario's error lines, or the reaper's lines. */
function jobLog(
  created: number,
  spec: { logs: string[] },
  reaped: string | undefined,
  stage: string,
): Json[] {
  const lines: Array<[string, string, string, string]> = [
    ['provisioner_daemon', 'info', 'Setting up', ''],
    ['provisioner', 'info', stage, 'Terraform 1.9.8'],
    ...spec.logs.map((l): [string, string, string, string] => ['provisioner', 'error', stage, l]),
  ];
  if (reaped) {
    const minutes = /for (\d+) minutes/.exec(reaped)?.[1] ?? '30';
    const type = reaped.includes('hung') ? 'hung' : 'pending';
    for (const out of [
      '',
      '====================',
      `Coder: Build has been detected as ${type} for ${minutes} minutes and will be terminated.`,
      '====================',
      '',
    ])
      lines.push(['provisioner_daemon', 'error', 'Unknown', out]);
  }
  return lines.map(([source, level, st, output], i) => ({
    id: i + 1,
    created_at: iso(created + 1_000 * (i + 1)),
    log_source: source,
    log_level: level,
    stage: st,
    output,
  }));
}

const SEARCH_KEYS = new Set(['organization', 'owner', 'template', 'name', 'status', 'has-agent']);

/** The twin's workload routes; `state` and `daemons` are read on every request. */
export function workloadRoutes(
  state: () => WorkloadState,
  daemons: (at: Date) => DaemonView[],
): WorkloadRoute[] {
  const isOrg = (st: WorkloadState, ref: string) =>
    ref === st.orgName || ref === st.orgId || ref === 'default';
  return [
    {
      service: 'coder',
      operation: 'GET /api/v2/workspaces',
      pattern: /^\/api\/v2\/workspaces$/,
      auth: true,
      handle: (_p, at, query) => {
        const st = state();
        const terms = new Map<string, string>();
        for (const el of (query.get('q') ?? '').toLowerCase().split(' ').filter(Boolean)) {
          const [k, v] = el.split(':', 2);
          if (v === undefined) terms.set('name', k!);
          else if (!SEARCH_KEYS.has(k!))
            return json(400, {
              message: 'Invalid workspace search query.',
              validations: [{ field: k, detail: `Query param "${k}" is not a valid query param` }],
            });
          else terms.set(k!, v);
        }
        const limit = Number(query.get('limit') ?? 0);
        const offset = Number(query.get('offset') ?? 0);
        if (!Number.isInteger(limit) || limit < 0 || !Number.isInteger(offset) || offset < 0)
          return json(400, { message: 'Query parameters have invalid values.' });
        const org = terms.get('organization');
        let all = build(st, daemons(at), at).workspaces;
        if (org !== undefined && !isOrg(st, org)) all = [];
        // Only what the role may read: a token without organization-wide workspace read sees its own (none).
        if (!can(st.roles, 'workspace:read')) all = all.filter((w) => w.owner_name === 'coder-auditor');
        for (const [k, v] of terms) {
          if (k === 'template') all = all.filter((w) => w.template_name === v);
          if (k === 'owner') all = all.filter((w) => w.owner_name === v);
          if (k === 'status') all = all.filter((w) => (w.latest_build as Json).status === v);
        }
        const page = all.slice(offset, limit > 0 ? offset + limit : undefined);
        return json(200, { workspaces: page, count: all.length });
      },
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/organizations/{organization}/provisionerjobs',
      pattern: /^\/api\/v2\/organizations\/([^/]+)\/provisionerjobs$/,
      auth: true,
      handle: ([org], at, query) => {
        const st = state();
        if (!isOrg(st, org!) || !can(st.roles, 'provisioner_jobs:read')) return notFound();
        const extra = [...query.keys()].filter((k) => !['limit', 'status', 'ids', 'tags'].includes(k));
        if (extra.length)
          return json(400, {
            message: 'Invalid query parameters.',
            validations: extra.map((k) => ({
              field: k,
              detail: `Query param "${k}" is not a valid query param`,
            })),
          });
        const limit = Number(query.get('limit') ?? 50);
        if (!Number.isInteger(limit) || limit <= 0)
          return json(400, {
            message: 'Invalid query parameters.',
            validations: [{ field: 'limit', detail: 'must be positive' }],
          });
        const statuses = (query.get('status') ?? '').split(',').filter(Boolean);
        const ds = daemons(at);
        const jobs = build(st, ds, at)
          .jobs.filter((j) => statuses.length === 0 || statuses.includes(j.json.status))
          .sort((a, b) => b.createdMs - a.createdMs)
          .slice(0, limit)
          .map((j) => {
            const workers = j.json.started_at
              ? []
              : ds
                  .filter((d) => tagsetContains(d.tags, j.json.tags as Record<string, string>))
                  .map((d) => d.id);
            return {
              ...j.json,
              organization_id: st.orgId,
              ...(workers.length ? { available_workers: workers } : {}),
              metadata: { ...j.meta, template_id: simUuid('template', String(j.meta.template_name)) },
            };
          });
        return json(200, jobs);
      },
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/templates/{template}/versions',
      pattern: /^\/api\/v2\/templates\/([^/]+)\/versions$/,
      auth: true,
      handle: ([id], at) => {
        const st = state();
        const name = Object.keys(st.templates).find((n) => simUuid('template', n) === id);
        if (!name) return notFound();
        if (!can(st.roles, 'template:read') && !st.templates[name]!.everyone) return notFound();
        return json(200, versionsOf(st, name, at));
      },
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/workspacebuilds/{workspacebuild}/logs',
      pattern: /^\/api\/v2\/workspacebuilds\/([^/]+)\/logs$/,
      auth: true,
      handle: ([id], at) => {
        const st = state();
        const key = Object.keys(st.workspaces).find((k) => simUuid('build', k) === id);
        if (!key || !can(st.roles, 'workspace:read')) return notFound();
        const w = st.workspaces[key]!;
        const created = st.now.getTime() - w.buildAgeMinutes * MINUTE;
        const j = job(simUuid('job', key), created, w, at, 'workspace_build');
        const reaped = /detected as (pending|hung)/.test(String(j.json.error ?? ''))
          ? String(j.json.error)
          : undefined;
        return json(200, jobLog(created, w, reaped, 'Starting workspace'));
      },
    },
    {
      service: 'coder',
      operation: 'GET /api/v2/templateversions/{templateversion}/logs',
      pattern: /^\/api\/v2\/templateversions\/([^/]+)\/logs$/,
      auth: true,
      handle: ([id], at) => {
        const st = state();
        for (const [tname, t] of Object.entries(st.templates)) {
          for (const [vname, v] of Object.entries(t.versions)) {
            if (simUuid('templateversion', `${tname}/${vname}`) !== id) continue;
            if (!can(st.roles, 'template:read') && !t.everyone) return notFound();
            const created = st.now.getTime() - v.ageMinutes * MINUTE;
            const tags = { scope: 'organization', owner: '' };
            const j = job(
              simUuid('job', `${tname}/${vname}`),
              created,
              { ...v, tags },
              at,
              'template_version_import',
            );
            const reaped = /detected as (pending|hung)/.test(String(j.json.error ?? ''))
              ? String(j.json.error)
              : undefined;
            return json(200, jobLog(created, v, reaped, 'Parsing template parameters'));
          }
        }
        return notFound();
      },
    },
  ];
}
