import * as z from 'zod';
import { type CoderClient, MAX_BODY_BYTES } from './coder.js';

/**
 * The Coder API routes of the workload checks (workspace builds, agents, the provisioner queue, template
 * imports). Shapes from coder/coder codersdk (workspaces.go, workspacebuilds.go,
 * workspaceagents.go, provisionerdaemons.go, templateversions.go): only the
 * fields the checks use, with Go's `null` for empty slices and omitted `omitempty` fields accepted.
 */

const timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 timestamp');
const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((v) => v ?? []);

/** codersdk.ProvisionerJobStatus. */
export const JOB_STATUSES = [
  'pending',
  'running',
  'succeeded',
  'canceling',
  'canceled',
  'failed',
  'unknown',
] as const;

/** codersdk.ProvisionerJob (as listed by `/organizations/{org}/provisionerjobs` and inside builds/versions). */
export const ProvisionerJobSchema = z.object({
  id: z.string(),
  created_at: timestamp,
  started_at: timestamp.nullish(),
  completed_at: timestamp.nullish(),
  canceled_at: timestamp.nullish(),
  error: z.string().nullish(),
  error_code: z.string().nullish(),
  status: z.enum(JOB_STATUSES),
  tags: z
    .record(z.string(), z.string())
    .nullish()
    .transform((t) => t ?? {}),
  queue_position: z.number().int().default(0),
  queue_size: z.number().int().default(0),
  /** `template_version_import`, `workspace_build`, `template_version_dry_run` (listed jobs only). */
  type: z.string().optional(),
  /** Daemons whose tags contain the job's (listed jobs only; absent when empty). */
  available_workers: list(z.string()),
  metadata: z
    .object({
      template_name: z.string().default(''),
      template_version_name: z.string().default(''),
      workspace_name: z.string().optional(),
    })
    .nullish(),
});
export type ProvisionerJob = z.output<typeof ProvisionerJobSchema>;

/** codersdk.WorkspaceAgent, the fields used. */
export const WorkspaceAgentSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** `connecting`, `connected`, `disconnected`, `timeout`. */
  status: z.string(),
  /** `created`, `starting`, `start_timeout`, `start_error`, `ready`, `shutting_down`, `off`... */
  lifecycle_state: z.string().default(''),
  first_connected_at: timestamp.nullish(),
  last_connected_at: timestamp.nullish(),
  disconnected_at: timestamp.nullish(),
  health: z.object({ healthy: z.boolean(), reason: z.string().optional() }).optional(),
});
export type WorkspaceAgent = z.output<typeof WorkspaceAgentSchema>;

/** codersdk.WorkspaceBuild, the fields used. */
export const WorkspaceBuildSchema = z.object({
  id: z.string(),
  build_number: z.number().int(),
  /** `start`, `stop`, `delete`. */
  transition: z.string(),
  /** codersdk.WorkspaceStatus: pending, starting, running, stopping, stopped, failed, canceling... */
  status: z.string(),
  created_at: timestamp,
  job: ProvisionerJobSchema,
  resources: list(z.object({ name: z.string(), type: z.string(), agents: list(WorkspaceAgentSchema) })),
  /** Provisioner daemons whose tags match the build's job (since v2.19). */
  matched_provisioners: z.object({ count: z.number().int(), available: z.number().int() }).nullish(),
});
export type WorkspaceBuild = z.output<typeof WorkspaceBuildSchema>;

/** codersdk.Workspace, the fields used. */
export const WorkspaceSchema = z.object({
  id: z.string(),
  name: z.string(),
  owner_name: z.string(),
  organization_id: z.string(),
  template_id: z.string(),
  template_name: z.string(),
  latest_build: WorkspaceBuildSchema,
});
export type Workspace = z.output<typeof WorkspaceSchema>;

/** `GET /api/v2/workspaces` (codersdk.WorkspacesResponse). */
export const WorkspacesResponseSchema = z.object({
  workspaces: list(WorkspaceSchema),
  count: z.number().int(),
});

/** codersdk.TemplateVersion, the fields used. */
export const TemplateVersionSchema = z.object({
  id: z.string(),
  name: z.string(),
  created_at: timestamp,
  job: ProvisionerJobSchema,
  archived: z.boolean().default(false),
  created_by: z.object({ username: z.string() }).partial().optional(),
});
export type TemplateVersion = z.output<typeof TemplateVersionSchema>;

/** codersdk.ProvisionerJobLog. */
export const ProvisionerJobLogSchema = z.object({
  id: z.number().int(),
  created_at: timestamp,
  log_source: z.string(),
  log_level: z.string(),
  stage: z.string().default(''),
  output: z.string(),
});
export type ProvisionerJobLog = z.output<typeof ProvisionerJobLogSchema>;

/** Workspaces read per page; coderd has no page size cap (limit 0 means all), so the auditor sets one. */
export const WORKSPACE_PAGE = 100;

/**
 * The workspaces of the organization (`q=organization:<org>`), `WORKSPACE_PAGE` at a time: the first page
 * says how many there are, the others are read in parallel, up to `maxPages` pages (the rest is not read:
 * `truncated`). Coder answers only the workspaces the token's role may read (200, never 403).
 */
export async function listWorkspaces(
  client: CoderClient,
  maxPages: number,
): Promise<{ workspaces: Workspace[]; count: number; truncated: boolean }> {
  const q = `organization:${client.organization}`;
  const page = (n: number) =>
    client.read(
      'GET /api/v2/workspaces',
      `/api/v2/workspaces?${new URLSearchParams({ q, limit: String(WORKSPACE_PAGE), offset: String(n * WORKSPACE_PAGE) })}`,
      WorkspacesResponseSchema,
      { resource: `/api/v2/workspaces?q=${q}&page=${n}`, maxBytes: MAX_BODY_BYTES.list },
    );
  const first = await page(0);
  const pages = Math.min(maxPages, Math.ceil(first.count / WORKSPACE_PAGE));
  const rest = await Promise.all(Array.from({ length: Math.max(0, pages - 1) }, (_, i) => page(i + 1)));
  const workspaces = [first, ...rest].flatMap((p) => p.workspaces);
  return { workspaces, count: first.count, truncated: first.count > workspaces.length };
}

/**
 * Pending provisioner jobs of the organization, newest first, at most `limit` (coderd's default is 50).
 * Needs `provisioner_jobs:read` in the organization: other roles get 404.
 */
export function pendingJobs(client: CoderClient, limit: number): Promise<ProvisionerJob[]> {
  const org = encodeURIComponent(client.organization);
  return client.read(
    'GET /api/v2/organizations/{organization}/provisionerjobs',
    `/api/v2/organizations/${org}/provisionerjobs?${new URLSearchParams({ status: 'pending', limit: String(limit) })}`,
    list(ProvisionerJobSchema),
    { resource: `/api/v2/organizations/${org}/provisionerjobs`, maxBytes: MAX_BODY_BYTES.list },
  );
}

/** The unarchived versions of a template, oldest first (coderd's order), all of them (no limit). */
export function templateVersions(client: CoderClient, templateId: string): Promise<TemplateVersion[]> {
  return client.read(
    'GET /api/v2/templates/{template}/versions',
    `/api/v2/templates/${encodeURIComponent(templateId)}/versions`,
    list(TemplateVersionSchema),
    { maxBytes: MAX_BODY_BYTES.list },
  );
}

/** Lines of a failed job's log kept per job: the last error-level lines, each cut to this many characters. */
export const JOB_LOG_LINES = 20;
const JOB_LOG_LINE_CHARS = 500;

/**
 * The error-level lines of a job's log (Terraform's diagnostics: coderd puts only `terraform apply: exit
 * status 1` in the job's error), the last `JOB_LOG_LINES`, each bounded. `kind` is the job's owner:
 * a workspace build or a template version (its import).
 */
export async function jobErrorLines(
  client: CoderClient,
  kind: 'workspacebuilds' | 'templateversions',
  id: string,
): Promise<string[]> {
  const logs = await client.read(
    `GET /api/v2/${kind}/{${kind === 'workspacebuilds' ? 'workspacebuild' : 'templateversion'}}/logs`,
    `/api/v2/${kind}/${encodeURIComponent(id)}/logs`,
    list(ProvisionerJobLogSchema),
    { maxBytes: MAX_BODY_BYTES.list },
  );
  return logs
    .filter((l) => l.log_level === 'error' && l.output.trim() !== '' && !/^=+$/.test(l.output.trim()))
    .slice(-JOB_LOG_LINES)
    .map((l) => l.output.slice(0, JOB_LOG_LINE_CHARS));
}
