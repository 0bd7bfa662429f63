import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { SkipReason } from '../../audit/model.js';
import { quote } from '../../audit/untrusted.js';
import type { CoderSnapshot } from './collector.js';
import { Feature, coderRef, daysBetween, keyRotation, unreadable } from './lib.js';
import { CODER_META } from './meta.js';
import { Capability, capabilities } from './roles.js';

/** Keys coderd creates for itself (built-in daemons, user-authenticated daemons, PSK): not rotatable. */
const RESERVED = new Set(['built-in', 'user-auth', 'psk']);

/** Compliant when every provisioner key of the organization is younger than provisionerKeyWarnDays. */
export default defineCheck<CoderSnapshot>(CODER_META['provisioner-key-age'], (snap, { deployment, now }) => {
  const org = deployment.coder!.organization;
  const { provisionerKeyMaxAgeDays: maxDays, provisionerKeyWarnDays: warnDays } = deployment.thresholds;
  const resource = coderRef(deployment, 'provisionerkeys', org);
  // "Not applicable" is decided from the licence, never from an error code.
  const licence = need(snap.licence);
  if (!licence.features[Feature.ProvisionerKeys]) {
    const why =
      licence.edition === 'oss' ? 'the open-source build' : `a licence without ${Feature.ProvisionerKeys}`;
    const detail = `Not applicable: provisioner keys are a Premium feature and this deployment runs ${why} (entitlements).`;
    const [reason, evidence] = [SkipReason.NotApplicable, { edition: licence.edition }];
    return [{ status: 'skipped', reason, resource, key: 'unavailable', detail, evidence }];
  }
  const gated = need(snap.provisionerKeys);
  if (!gated.available) return [unreadable(snap.access, Capability.Keys, resource, gated)];
  // coderd filters the list to what the role may read: an empty or short list proves nothing without it.
  const access = need(snap.access);
  if (!capabilities(access).has(Capability.Keys)) {
    return [unreadable(snap.access, Capability.Keys, resource, { status: 200, message: 'filtered list' })];
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
          detail: `Provisioner key ${quote(k.name)} is ${ageDays} days old.`,
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
          ? `Provisioner key ${quote(k.name)} is ${ageDays} days old: expired by the ${maxDays}-day rotation policy.`
          : `Provisioner key ${quote(k.name)} is ${ageDays} days old: rotate it before it reaches ${maxDays} days.`,
        evidence,
        remediation: keyRotation(deployment, k, now),
      };
    });
});
