import { z } from 'zod';
import { ConfigError } from '../../lambdas/audit/errors.js';
import { formatIssues } from '../../lambdas/audit/config.js';

/**
 * The `postgres:` section of a scenario: real sessions the sim opens against its PostgreSQL server.
 * A session cannot be backdated, so `seconds` is the age it reaches before `apply` returns; scenarios
 * lower `deployment.thresholds.*Minutes` below that age.
 */
export const PostgresScenarioSchema = z
  .object({
    /** Active queries (`pg_sleep`) that stay running until the scenario changes. */
    longRunningQueries: z
      .array(
        z
          .object({
            seconds: z.number().nonnegative().default(2),
            /** Statement text; must keep running (use pg_sleep). */
            query: z
              .string()
              .default("SELECT pg_sleep(3600), 'acquire_provisioner_job' AS job, 42 AS organization_id"),
          })
          .strict(),
      )
      .default([]),
    /** Sessions that ran `BEGIN; SELECT 1;` and then stay `idle in transaction`. */
    idleInTransaction: z
      .array(
        z
          .object({
            count: z.number().int().positive().default(1),
            seconds: z.number().nonnegative().default(2),
          })
          .strict(),
      )
      .default([]),
    /** Idle connections of the application role, to fill `max_connections`. */
    extraConnections: z.number().int().nonnegative().default(0),
    /** Refuse every connection through the proxy (like a `refuse` fault on `postgres`). */
    refuse: z.boolean().default(false),
  })
  .strict();
export type PostgresScenario = z.output<typeof PostgresScenarioSchema>;

/** Validate a scenario's `postgres` section. */
export function parsePostgresScenario(section: unknown, scenarioName: string): PostgresScenario {
  const parsed = PostgresScenarioSchema.safeParse(section ?? {});
  if (!parsed.success) {
    throw new ConfigError(
      `invalid postgres section of scenario ${scenarioName}:\n${formatIssues(parsed.error.issues)}`,
    );
  }
  return parsed.data;
}
