import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '../../lambdas/audit/errors.js';
import { formatIssues } from '../../lambdas/audit/config.js';
import type { Scenario } from '../scenario.js';
import { IDP_PROVIDERS } from './idp.js';
import { SIM_ROLES } from './rbac.js';
import { SimTemplateVersionSchema, WorkloadFields } from './workload-model.js';

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
     * Role of the auditor's user (a site role such as `auditor`, or an organization role such as
     * `organization-template-admin` in the twin's organization); sim/coder/rbac.ts says what each may read.
     */
    role: z.enum(SIM_ROLES).default('owner'),
    /** `enterprise` binary (serves /api/v2/entitlements) or the open-source build (no Premium routes at all). */
    edition: z.enum(['enterprise', 'oss']).default('enterprise'),
    /** Premium licence: without it provisioner keys and template ACLs answer 403 (Premium feature). */
    premium: z.boolean().default(true),
    /**
     * coderd's health report cache (coderd/debug.go): served when younger than `refreshMinutes`
     * (CODER_HEALTH_CHECK_REFRESH); otherwise the request runs the checks (`durationMs`) and waits at most
     * `timeoutMs` (HealthcheckTimeout, 30 s), then answers `inProgressStatus` with "Healthcheck is in progress".
     */
    healthcheck: z
      .object({
        refreshMinutes: z.number().positive().default(10),
        /** Age of the cached report when the scenario applies; null: no report yet. */
        cachedAgeMinutes: z.number().nonnegative().nullable().default(1),
        durationMs: z.number().int().nonnegative().default(50),
        timeoutMs: z.number().int().positive().default(30_000),
        /** coderd/debug.go writes 404 with this message; coderd's logs of 2025 show 503. */
        inProgressStatus: z.union([z.literal(404), z.literal(503)]).default(404),
      })
      .strict()
      .default({
        refreshMinutes: 10,
        cachedAgeMinutes: 1,
        durationMs: 50,
        timeoutMs: 30_000,
        inProgressStatus: 404,
      }),
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
            /** When the daemon row was created (coderd lists daemons newest first). Default: 7 days ago. */
            createdMinutesAgo: z
              .number()
              .nonnegative()
              .default(7 * 24 * 60),
            version: z.string().optional(),
            busy: z.boolean().default(false),
            key: z.string().optional(),
            /** Provisioner tags the daemon serves (default the organization scope). */
            tags: z.record(z.string(), z.string()).default({ owner: '', scope: 'organization' }),
          })
          .strict(),
      )
      .default({}),
    /**
     * Offline daemon rows of provisioner pods replaced in the last days (coderd keeps them 7 days), all newer
     * than the `daemons` above: `count` of them, created `createdMinutesAgo` apart, last seen an hour ago.
     */
    offlineHistory: z
      .object({
        count: z.number().int().nonnegative().default(0),
        everyMinutes: z.number().positive().default(10),
      })
      .strict()
      .default({ count: 0, everyMinutes: 10 }),
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
        /** Whose discovery document to serve (sim/coder/idp.ts): the real document, with the twin's issuer. */
        provider: z.enum(IDP_PROVIDERS).default('generic'),
        /** `issuer` claim of the discovery document; `{base}` is the real issuer URL (default: `{base}`). */
        issuer: z.string().default('{base}'),
        /** Overrides the provider's scopes_supported (the generic provider's default: openid...groups). */
        scopes_supported: z.array(z.string()).optional(),
        /** Drop these fields from the discovery document. */
        omit: z.array(z.string()).default([]),
      })
      .strict()
      .default({ provider: 'generic', issuer: '{base}', omit: [] }),
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
