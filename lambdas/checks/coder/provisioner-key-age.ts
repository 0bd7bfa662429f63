import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import type { CoderSnapshot } from './collector.js';
import { coderRef, daysBetween, keyRotation } from './lib.js';
import { CODER_META } from './meta.js';

/** Keys coderd creates for itself (built-in daemons, user-authenticated daemons, PSK): not rotatable. */
const RESERVED = new Set(['built-in', 'user-auth', 'psk']);

/** Compliant when every provisioner key of the organization is younger than provisionerKeyWarnDays. */
export default defineCheck<CoderSnapshot>(CODER_META['provisioner-key-age'], (snap, { deployment, now }) => {
  const gated = need(snap.provisionerKeys);
  const org = deployment.coder!.organization;
  const { provisionerKeyMaxAgeDays: maxDays, provisionerKeyWarnDays: warnDays } = deployment.thresholds;
  if (!gated.available) {
    return [
      {
        status: 'pass',
        severity: 'info',
        resource: coderRef(deployment, 'provisionerkeys', org),
        detail:
          `Skipped: provisioner keys are not available here (a Premium feature, missing from older coderd ` +
          `versions) and Coder answered HTTP ${gated.status} (${gated.message || 'no message'}).`,
        evidence: { status: gated.status, message: gated.message, feature: 'provisioner keys (Premium)' },
        key: 'unavailable',
      },
    ];
  }
  return gated.value
    .filter((k) => !RESERVED.has(k.name))
    .map((k): FindingInput => {
      const ageDays = daysBetween(k.created_at, now);
      const resource = coderRef(deployment, 'provisionerkey', k.name);
      const evidence = {
        name: k.name,
        createdAt: k.created_at,
        ageDays,
        maxAgeDays: maxDays,
        tags: k.tags ?? {},
      };
      if (ageDays < warnDays) {
        return {
          status: 'pass',
          resource,
          detail: `Provisioner key ${k.name} is ${ageDays} days old.`,
          evidence,
        };
      }
      const expired = ageDays >= maxDays;
      return {
        status: 'fail',
        reason: expired ? 'expired' : 'rotation-due',
        resource,
        title: expired ? 'Provisioner key expired by policy' : 'Provisioner key rotation due',
        detail: expired
          ? `Provisioner key ${k.name} is ${ageDays} days old: expired by the ${maxDays}-day rotation policy.`
          : `Provisioner key ${k.name} is ${ageDays} days old: rotate it before it reaches ${maxDays} days.`,
        evidence,
        remediation: keyRotation(deployment, k, now),
      };
    });
});
