import picomatch from 'picomatch';
import type { AuditConfig, MuteRule, OverrideRule } from './config.js';
import { Status, type Finding, type Mute } from './model.js';

/**
 * Mutes and overrides of the configuration, applied to one deployment's findings. Pure: the clock is an
 * argument. Order: disabled checks are dropped, severity overrides applied, then failing findings matched by
 * a mute in force (check id, optional reason codes, resource glob) get a `muted` marker. Applied before the
 * diagnosis, which then ranks root causes on the overridden severities and without the muted findings. What needs a person's attention (a mute that expired, one that
 * matches nothing any more) comes back as report notices, not as findings: it is about the configuration,
 * not about the deployment, and an expired mute already makes its findings count again.
 */

/** The mutes and overrides that apply to one deployment. */
export interface Policy {
  mutes: readonly MuteRule[];
  overrides: readonly OverrideRule[];
}

/** A check the configuration turned off for the deployment, and why. */
export interface DisabledCheck {
  check: string;
  reason: string;
}

export interface MuteOutcome {
  /** The findings without those of disabled checks, with overrides applied and mutes marked. */
  findings: Finding[];
  /** Mutes whose expiry has passed: their findings count again. */
  expired: MuteRule[];
  /** Mutes in force whose check ran without errors but that matched no failing finding. */
  unmatched: MuteRule[];
  /** Checks disabled for the deployment. */
  disabled: DisabledCheck[];
  /** One line per expired or unmatched mute, for the report's notices. */
  notices: string[];
}

const applies = (rule: { deployments?: readonly string[] | undefined }, deployment: string): boolean =>
  !rule.deployments || rule.deployments.includes(deployment);

/** The mutes and overrides of a configuration that apply to `deployment`. */
export function policyFor(
  config: Partial<Pick<AuditConfig, 'mutes' | 'overrides'>>,
  deployment: string,
): Policy {
  return {
    mutes: (config.mutes ?? []).filter((m) => applies(m, deployment)),
    overrides: (config.overrides ?? []).filter((o) => applies(o, deployment)),
  };
}

/** Checks disabled by the policy (the last disabling override gives the reason). */
export function disabledChecks(policy: Policy): DisabledCheck[] {
  const byCheck = new Map<string, string>();
  for (const o of policy.overrides) if (o.disabled) byCheck.set(o.check, o.reason);
  return [...byCheck].map(([check, reason]) => ({ check, reason }));
}

/** When a mute stops: the end of its day (UTC) for a date, the instant itself for a date-time. */
export function muteEnd(rule: Pick<MuteRule, 'expires'>): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(rule.expires)) {
    return new Date(Date.parse(`${rule.expires}T00:00:00Z`) + 86_400_000);
  }
  return new Date(rule.expires);
}

const describe = (m: MuteRule): string =>
  `mute of ${m.check}${m.reasons ? `/${m.reasons.join(',')}` : ''} on ${m.resource} (owner ${m.owner})`;

/** Apply the policy of one deployment to its findings at time `now`. */
export function applyMutes(findings: readonly Finding[], rules: Policy, now: Date): MuteOutcome {
  const disabled = disabledChecks(rules);
  const off = new Set(disabled.map((d) => d.check));
  const severityOf = new Map<string, OverrideRule>();
  for (const o of rules.overrides) if (o.severity !== undefined && !o.disabled) severityOf.set(o.check, o);

  const inForce = rules.mutes.filter((m) => now.getTime() < muteEnd(m).getTime());
  const expired = rules.mutes.filter((m) => !inForce.includes(m));
  const matchers = new Map(
    rules.mutes.map((m) => [m, picomatch(m.resource, { bash: true, dot: true })] as const),
  );
  const matches = (m: MuteRule, f: Finding) =>
    f.status === Status.Fail &&
    f.checkId === m.check &&
    (!m.reasons || (f.reason !== undefined && m.reasons.includes(f.reason))) &&
    matchers.get(m)!(f.resource);

  const used = new Set<MuteRule>();
  const out: Finding[] = [];
  for (const original of findings) {
    if (off.has(original.checkId)) continue;
    let f = original;
    const override = severityOf.get(f.checkId);
    if (override?.severity && f.status !== Status.Pass && f.severity !== override.severity) {
      f = {
        ...f,
        severity: override.severity,
        severityOverride: { from: f.severity, because: override.reason },
      };
    }
    const hits = inForce.filter((m) => matches(m, f));
    for (const m of hits) used.add(m);
    const mute = hits[0];
    if (mute) {
      const marker: Mute = { until: mute.expires, by: mute.owner, because: mute.reason };
      f = { ...f, muted: marker };
    }
    out.push(f);
  }

  // A mute "matches nothing" only when its check ran and could tell: not disabled, not left out by --only or
  // a skipped group, and without `error` findings (a check that could not run says nothing either way).
  const ranCleanly = (check: string) => {
    const own = out.filter((f) => f.checkId === check);
    return own.length > 0 && own.every((f) => f.status !== Status.Error);
  };
  const unmatched = inForce.filter((m) => !used.has(m) && ranCleanly(m.check));
  const notices = [
    ...expired.map((m) => {
      const n = out.filter((f) => matches(m, f)).length;
      return n > 0
        ? `The ${describe(m)} expired on ${m.expires}: its ${n} failing finding${n === 1 ? '' : 's'} count${n === 1 ? 's' : ''} again. Renew it with a later expires date, or remove it.`
        : `The ${describe(m)} expired on ${m.expires} and matches nothing now: remove it.`;
    }),
    ...unmatched.map(
      (m) =>
        `The ${describe(m)}, until ${m.expires}, matches no failing finding: the problem is gone or the pattern is wrong. Remove or correct it.`,
    ),
  ];
  return { findings: out, expired, unmatched, disabled, notices };
}
