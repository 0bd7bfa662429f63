import type { Fact } from '../../audit/fact.js';
import type { CoderClient, Template } from '../../clients/coder.js';
import {
  jobErrorLines,
  listWorkspaces,
  pendingJobs,
  templateVersions,
  type ProvisionerJob,
  type TemplateVersion,
  type Workspace,
} from '../../clients/coder-workloads.js';

/** At most this many pages of `WORKSPACE_PAGE` workspaces are read per audit (2,000 workspaces). */
export const MAX_WORKSPACE_PAGES = 20;
/** Failed builds (newest first) and failed template imports whose job log is read, per audit. */
export const MAX_JOB_LOGS = 20;
/** Pending jobs read per audit, newest first. */
export const PENDING_JOBS_LIMIT = 100;

/** The organization's workspaces as read: `count` is Coder's total, `truncated` when not all were read. */
export interface WorkspaceList {
  workspaces: Workspace[];
  count: number;
  truncated: boolean;
}

/**
 * What the workload checks read (workspace-builds, provisioner-queue, template-versions, workspace-agents);
 * the token's roles, which decide whether these lists are complete, are the snapshot's `access`.
 */
export interface WorkloadFacts {
  workspaces: Fact<WorkspaceList>;
  /** Pending provisioner jobs of the organization, newest first. */
  pendingJobs: Fact<ProvisionerJob[]>;
  /** Unarchived versions of each expected template found in the organization, by template name. */
  templateVersions: Record<string, Fact<TemplateVersion[]>>;
  /**
   * Error lines of the job log of each failed build (within thresholds.buildWindowMinutes) and of the newest
   * version of each expected template when its import failed, by build or version id; at most MAX_JOB_LOGS.
   */
  jobLogs: Record<string, Fact<string[]>>;
}

type Settle = <T>(name: string, read: () => Promise<T>) => Promise<Fact<T>>;

/**
 * Read the workload facts in parallel: template versions once the templates are known, job logs once the
 * failed builds (newest first, within `windowMinutes` of `now`) and the failed newest versions are known.
 */
export async function collectWorkloads(
  client: CoderClient,
  templates: Promise<Fact<Template[]>>,
  expected: readonly string[],
  s: Settle,
  window: { now: Date; windowMinutes: number },
): Promise<WorkloadFacts> {
  const logsOf = async (kind: 'workspacebuilds' | 'templateversions', ids: Array<[string, string]>) => {
    const facts = await Promise.all(
      ids.map(([id, what]) => s(`the job log of ${what}`, () => jobErrorLines(client, kind, id))),
    );
    return ids.map(([id], i): [string, Fact<string[]>] => [id, facts[i]!]);
  };
  const since = window.now.getTime() - window.windowMinutes * 60_000;
  const [[workspaces, buildLogs], jobs, [versions, importLogs]] = await Promise.all([
    s('Coder workspaces', () => listWorkspaces(client, MAX_WORKSPACE_PAGES)).then(async (w) => {
      const failed = (w.ok ? w.value.workspaces : [])
        .filter((x) => x.latest_build.job.status === 'failed')
        .filter((x) => Date.parse(x.latest_build.job.completed_at ?? x.latest_build.job.created_at) >= since)
        .sort((a, b) => Date.parse(b.latest_build.created_at) - Date.parse(a.latest_build.created_at))
        .slice(0, MAX_JOB_LOGS);
      const ids = failed.map((x): [string, string] => [
        x.latest_build.id,
        `the build of ${x.owner_name}/${x.name}`,
      ]);
      return [w, await logsOf('workspacebuilds', ids)] as const;
    }),
    s('Coder pending provisioner jobs', () => pendingJobs(client, PENDING_JOBS_LIMIT)),
    templates.then(async (t) => {
      const found = t.ok ? t.value.filter((x) => expected.includes(x.name)) : [];
      const facts = await Promise.all(
        found.map((x) => s(`versions of template ${x.name}`, () => templateVersions(client, x.id))),
      );
      const newestFailed = found.flatMap((x, i): Array<[string, string]> => {
        const newest = facts[i]!.ok ? facts[i]!.value.at(-1) : undefined;
        return newest?.job.status === 'failed' ? [[newest.id, `version ${newest.name} of ${x.name}`]] : [];
      });
      const logs = await logsOf('templateversions', newestFailed.slice(0, MAX_JOB_LOGS));
      return [Object.fromEntries(found.map((x, i) => [x.name, facts[i]!])), logs] as const;
    }),
  ]);
  const jobLogs = Object.fromEntries([...buildLogs, ...importLogs]);
  return { workspaces, pendingJobs: jobs, templateVersions: versions, jobLogs };
}
