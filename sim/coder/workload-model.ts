import { z } from 'zod';

/**
 * Scenario fields of the Coder twin's workloads (workspaces, template versions); see sim/coder/workloads.ts
 * for the behaviour and its sources, and sim/coder/rbac.ts for what each role may read.
 */

export const JobState = z.enum(['succeeded', 'pending', 'running', 'failed', 'canceled']);
const Tags = z.record(z.string(), z.string());

/** A workspace of the scenario, keyed `<owner>/<name>`. */
export const SimWorkspaceSchema = z
  .object({
    template: z.string(),
    /** Minutes since the latest build was created. */
    buildAgeMinutes: z.number().nonnegative().default(240),
    transition: z.enum(['start', 'stop', 'delete']).default('start'),
    /** State of the latest build's provisioner job. */
    job: JobState.default('succeeded'),
    /**
     * The job's `error`. Default, as coderd reports a Terraform failure: `terraform apply: exit status 1`
     * (the provisioner wraps the exit status; the diagnostics are in the job's log, `logs`).
     */
    error: z.string().optional(),
    errorCode: z.string().optional(),
    /** Error-level lines of the job's log: Terraform's diagnostics (`Error: <summary>`, then its detail). */
    logs: z.array(z.string()).default([]),
    /** Provisioner tags of the job; default the organization scope. */
    tags: Tags.default({ scope: 'organization', owner: '' }),
    /** A running job whose provisioner stopped updating it: reaped as hung after 5 minutes. */
    hung: z.boolean().default(false),
    /** Agents of a started workspace, by name. */
    agents: z
      .record(
        z.string(),
        z
          .object({
            status: z.enum(['connecting', 'connected', 'disconnected', 'timeout']).default('connected'),
            lifecycle: z
              .enum(['created', 'starting', 'start_timeout', 'start_error', 'ready', 'shutting_down', 'off'])
              .default('ready'),
          })
          .strict(),
      )
      .default({ main: { status: 'connected', lifecycle: 'ready' } }),
  })
  .strict();

/** A template version of the scenario, keyed by its name. */
export const SimTemplateVersionSchema = z
  .object({
    /** Minutes since it was pushed. */
    ageMinutes: z.number().nonnegative().default(4320),
    job: JobState.default('succeeded'),
    /** The import job's `error`; default `terraform plan: exit status 1` (diagnostics in `logs`). */
    error: z.string().optional(),
    errorCode: z.string().optional(),
    /** Error-level lines of the import job's log. */
    logs: z.array(z.string()).default([]),
    archived: z.boolean().default(false),
    createdBy: z.string().default('terraform'),
  })
  .strict();

/** The scenario fields of this module (merged into the Coder scenario schema). */
export const WorkloadFields = {
  workspaces: z.record(z.string(), SimWorkspaceSchema).default({}),
};
export type SimWorkspace = z.output<typeof SimWorkspaceSchema>;
export type SimTemplateVersion = z.output<typeof SimTemplateVersionSchema>;
