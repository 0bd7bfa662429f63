import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '../../lambdas/audit/errors.js';
import { formatIssues } from '../../lambdas/audit/config.js';
import type { Scenario } from '../scenario.js';
import { SIM_ROLES, SimTemplateVersionSchema, WorkloadFields } from './workload-model.js';

/** Section keys of Coder's deployment health report. */
export const SIM_HEALTH_SECTIONS = [
  'access_url',
  'database',
  'derp',
  'websocket',
  'workspace_proxy',
  'provisioner_daemons',
] as const;

const SeveritySchema = z.enum(['ok', 'warning', 'error']);

/** One health report section; a section the scenario does not list is `ok`. */
const HealthSectionSchema = z
  .object({
    severity: SeveritySchema.default('ok'),
    warnings: z.array(z.object({ code: z.string(), message: z.string() }).strict()).default([]),
    error: z.string().optional(),
    dismissed: z.boolean().default(false),
  })
  .strict();

const ScopesDefault = ['openid', 'profile', 'email', 'groups', 'offline_access'];

/**
 * The `coder:` section of a scenario: the state of the Coder API twin and of the OIDC issuer twin.
 * Maps are keyed by resource name so that a scenario can change one resource of its base.
 */
export const CoderScenarioSchema = z
  .object({
    /** coderd's version (`/api/v2/buildinfo`); daemons default to it. */
    version: z.string().default('v2.24.2'),
    organization: z
      .object({ name: z.string().default('coder'), displayName: z.string().default('Coder') })
      .strict()
      .default({ name: 'coder', displayName: 'Coder' }),
    /**
     * Role of the auditor's user (site or organization role): only `owner` reads `/api/v2/debug/health`;
     * sim/coder/workload-model.ts says who reads workspaces, provisioner jobs and templates.
     */
    role: z.enum(SIM_ROLES).default('owner'),
    /** Premium licence: without it provisioner keys and template ACLs answer 403 (Premium feature). */
    premium: z.boolean().default(true),
    /**
     * The certificate the access URL presents: default the sim's (valid for decades); `expiresInDays`
     * mints one that expires then (negative: expired), signed by a throw-away CA the configuration trusts.
     */
    certificate: z.object({ expiresInDays: z.number() }).strict().optional(),
    /** `/healthz` answer through the access URL. */
    healthz: z
      .object({ status: z.number().int().default(200), body: z.string().default('OK') })
      .strict()
      .default({ status: 200, body: 'OK' }),
    /** The auditor's token: negative or zero `expiresInDays` means expired (every call answers 401). */
    token: z
      .object({
        name: z.string().default('coder-auditor'),
        expiresInDays: z.number().default(60),
        lifetimeDays: z.number().positive().default(90),
      })
      .strict()
      .default({ name: 'coder-auditor', expiresInDays: 60, lifetimeDays: 90 }),
    /**
     * Health report sections by key. `provisioner_daemons`, when not listed, is derived from `daemons` the
     * way coderd does it (EPD01 without an active daemon, EPD02 on a version mismatch).
     */
    health: z.partialRecord(z.enum(SIM_HEALTH_SECTIONS), HealthSectionSchema).default({}),
    /** Provisioner keys by name. */
    provisionerKeys: z
      .record(
        z.string(),
        z
          .object({
            ageDays: z.number().nonnegative(),
            tags: z.record(z.string(), z.string()).default({}),
          })
          .strict(),
      )
      .default({}),
    /** Provisioner daemons by name; `lastSeenMinutes` is relative to each request (daemons heartbeat). */
    daemons: z
      .record(
        z.string(),
        z
          .object({
            lastSeenMinutes: z.number().nonnegative().default(0),
            version: z.string().optional(),
            busy: z.boolean().default(false),
            key: z.string().optional(),
            /** Provisioner tags the daemon serves (default the organization scope). */
            tags: z.record(z.string(), z.string()).default({ owner: '', scope: 'organization' }),
          })
          .strict(),
      )
      .default({}),
    /** Templates by name. */
    templates: z
      .record(
        z.string(),
        z
          .object({
            displayName: z.string().optional(),
            /** Another organization's name puts the template there (organization mismatch). */
            organization: z.string().optional(),
            deprecated: z.boolean().default(false),
            acl: z
              .object({
                /** Usernames with the `use` role. */
                users: z.array(z.string()).default([]),
                /** Group names (`Everyone` is the organization's everyone group) with the `use` role. */
                groups: z.array(z.string()).default([]),
              })
              .strict()
              .default({ users: [], groups: [] }),
            /** Versions by name (default one imported version, `v1`). */
            versions: z
              .record(z.string(), SimTemplateVersionSchema)
              .default({ v1: SimTemplateVersionSchema.parse({}) }),
            /** Name of the active version (default the oldest). */
            activeVersion: z.string().optional(),
          })
          .strict(),
      )
      .default({}),
    ...WorkloadFields,
    /** The OIDC issuer twin under `/oidc`. */
    oidc: z
      .object({
        /** `issuer` claim of the discovery document; `{base}` is the real issuer URL (default: `{base}`). */
        issuer: z.string().default('{base}'),
        scopes_supported: z.array(z.string()).default(ScopesDefault),
        /** Drop these fields from the discovery document. */
        omit: z.array(z.string()).default([]),
      })
      .strict()
      .default({ issuer: '{base}', scopes_supported: ScopesDefault, omit: [] }),
  })
  .strict();
export type CoderScenario = z.output<typeof CoderScenarioSchema>;

/** Validate a scenario's `coder:` section. */
export function parseCoderScenario(scenario: Scenario): CoderScenario {
  const parsed = CoderScenarioSchema.safeParse(scenario.coder ?? {});
  if (!parsed.success) {
    throw new ConfigError(
      `invalid coder section of scenario ${scenario.name}:\n${formatIssues(parsed.error.issues)}`,
    );
  }
  return parsed.data;
}

/** Stable UUID for a named sim resource (same name, same id, on every run). */
export function simUuid(kind: string, name: string): string {
  const h = createHash('sha1').update(`coder-sim:${kind}:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** `major.minor` of a Coder version such as `v2.24.2` or `v2.24.2-devel+abc`, or undefined. */
export function majorMinor(version: string): string | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?/.exec(version);
  return m ? `${m[1]}.${m[2]}` : undefined;
}
