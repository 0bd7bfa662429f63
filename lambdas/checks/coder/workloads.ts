import type { Fact } from '../../audit/fact.js';
import type { CoderClient, Template } from '../../clients/coder.js';
import {
  listWorkspaces,
  pendingJobs,
  templateVersions,
  tokenAccess,
  type ProvisionerJob,
  type TemplateVersion,
  type TokenAccess,
  type Workspace,
} from '../../clients/coder-workloads.js';

/** At most this many pages of `WORKSPACE_PAGE` workspaces are read per audit (2,000 workspaces). */
export const MAX_WORKSPACE_PAGES = 20;
/** Pending jobs read per audit, newest first. */
export const PENDING_JOBS_LIMIT = 100;

/** The organization's workspaces as read: `count` is Coder's total, `truncated` when not all were read. */
export interface WorkspaceList {
  workspaces: Workspace[];
  count: number;
  truncated: boolean;
}

/** What the workload checks read (workspace-builds, provisioner-queue, template-versions, workspace-agents). */
export interface WorkloadFacts {
  /** The token user's site and organization roles: what decides whether the lists below are complete. */
  access: Fact<TokenAccess>;
  workspaces: Fact<WorkspaceList>;
  /** Pending provisioner jobs of the organization, newest first. */
  pendingJobs: Fact<ProvisionerJob[]>;
  /** Unarchived versions of each expected template found in the organization, by template name. */
  templateVersions: Record<string, Fact<TemplateVersion[]>>;
}

type Settle = <T>(name: string, read: () => Promise<T>) => Promise<Fact<T>>;

/** Read the workload facts in parallel; template versions once the templates are known. */
export async function collectWorkloads(
  client: CoderClient,
  templates: Promise<Fact<Template[]>>,
  expected: readonly string[],
  s: Settle,
): Promise<WorkloadFacts> {
  const [access, workspaces, jobs, versions] = await Promise.all([
    s("the Coder roles of the auditor's user", () => tokenAccess(client)),
    s('Coder workspaces', () => listWorkspaces(client, MAX_WORKSPACE_PAGES)),
    s('Coder pending provisioner jobs', () => pendingJobs(client, PENDING_JOBS_LIMIT)),
    templates.then(async (t) => {
      const found = t.ok ? t.value.filter((x) => expected.includes(x.name)) : [];
      const facts = await Promise.all(
        found.map((x) => s(`versions of template ${x.name}`, () => templateVersions(client, x.id))),
      );
      return Object.fromEntries(found.map((x, i) => [x.name, facts[i]!]));
    }),
  ]);
  return { access, workspaces, pendingJobs: jobs, templateVersions: versions };
}
