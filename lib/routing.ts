import type { AlertRecipient, DeploymentConfig } from '../lambdas/audit/config.js';
import { SEVERITIES, severityRank, type Severity } from '../lambdas/audit/model.js';

/**
 * Alert routing: which e-mail address gets which deployment's alerts, from which severity on, as SNS
 * subscription filter policies on the message attributes the Notify function publishes (`deployment`, a
 * String, and `severityRank`, a Number: 5 critical ... 1 info; lambdas/notify/publish.ts).
 *
 * SNS keeps one subscription per (topic, protocol, endpoint), so an address listed by several deployments
 * gets one subscription whose policy admits each of them. The CloudWatch alarms of the stack publish to the
 * same topic without attributes: each policy also admits messages that carry neither (`exists: false`),
 * so every recipient still hears that the auditor itself is failing.
 */

/** One subscription: the address and its filter policy (undefined: everything). */
export interface RouteSubscription {
  email: string;
  filterPolicy?: Record<string, unknown>;
}

/** SNS: "the total combination of values in a filter policy must not exceed 150". */
export const MAX_FILTER_COMBINATIONS = 150;

/** The address and minimum severity of a recipient entry. */
export function recipientOf(r: AlertRecipient): { email: string; minSeverity: Severity } {
  return typeof r === 'string'
    ? { email: r, minSeverity: 'info' }
    : { email: r.email, minSeverity: r.minSeverity };
}

const ABSENT = { exists: false } as const;

/** One branch: these deployments, from this severity on (or an alarm, which has neither attribute). */
function branch(deployments: readonly string[] | undefined, min: Severity): Record<string, unknown[]> {
  return {
    ...(deployments ? { deployment: [...deployments, ABSENT] } : {}),
    ...(min !== 'info' ? { severityRank: [{ numeric: ['>=', severityRank(min)] }, ABSENT] } : {}),
  };
}

/** Product of the array lengths of a branch: its value combinations. */
const combinations = (b: Record<string, unknown[]>): number =>
  Object.values(b).reduce((n, values) => n * values.length, 1);

/**
 * The subscriptions of a fleet: one per address, filtered to the deployments that list it and, per
 * deployment, to its minimum severity (the lowest when a deployment lists an address twice). An address
 * that every deployment lists at `info` is not filtered at all. Throws when a policy exceeds SNS's limits.
 */
export function alertRoutes(
  deployments: readonly Pick<DeploymentConfig, 'id' | 'alertEmails'>[],
): RouteSubscription[] {
  const byEmail = new Map<string, Map<string, Severity>>();
  for (const d of deployments) {
    for (const entry of d.alertEmails) {
      const { email, minSeverity } = recipientOf(entry);
      const routes = byEmail.get(email) ?? new Map<string, Severity>();
      const before = routes.get(d.id);
      if (!before || severityRank(minSeverity) < severityRank(before)) routes.set(d.id, minSeverity);
      byEmail.set(email, routes);
    }
  }
  const all = deployments.map((d) => d.id);
  return [...byEmail].map(([email, routes]) => {
    const bySeverity = new Map<Severity, string[]>();
    for (const [id, min] of routes) bySeverity.set(min, [...(bySeverity.get(min) ?? []), id]);
    const everywhere = routes.size === all.length;
    const branches = SEVERITIES.filter((s) => bySeverity.has(s)).map((s) =>
      branch(everywhere && bySeverity.size === 1 ? undefined : bySeverity.get(s)!.sort(), s),
    );
    if (branches.length === 1 && Object.keys(branches[0]!).length === 0) return { email };
    const filterPolicy = branches.length === 1 ? branches[0]! : { $or: branches };
    const total = branches.reduce((n, b) => n + combinations(b), 0);
    if (total > MAX_FILTER_COMBINATIONS) {
      throw new Error(
        `alertEmails: the filter policy of ${email} has ${total} value combinations, above the ${MAX_FILTER_COMBINATIONS} SNS accepts; give it the same minSeverity in every deployment, list it in fewer deployments, or split the fleet`,
      );
    }
    return { email, filterPolicy };
  });
}
