import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import type { CoderSnapshot } from './collector.js';
import {
  coderRef,
  DAEMON_PAGE,
  daemonOnline,
  minutesSince,
  provisionerDiagnosis,
  unreadable,
  versionResult,
} from './lib.js';
import { Capability } from './roles.js';

/** Compliant when at least one provisioner daemon is online and every online daemon runs coderd's major.minor. */
export default defineCheck<CoderSnapshot>(
  {
    id: 'provisioner-daemons',
    group: 'coder',
    severity: 'high',
    title: 'Provisioner daemons are online and match coderd',
    description: "Reports no online provisioner daemon (high) and daemons off coderd's major.minor (medium).",
    risk: 'Without a daemon no workspace build runs; a skewed daemon may fail builds with protocol errors.',
    guideSection: GuideSection.ProvisioningTimeouts,
  },
  (snap, { deployment, now }) => {
    const org = deployment.coder!.organization;
    const orgRef = coderRef(deployment, 'provisionerdaemons', org);
    const gated = need(snap.daemons);
    if (!gated.available) return [unreadable(snap.access, Capability.Daemons, orgRef, gated)];
    const daemons = gated.value;
    // coderd lists the newest rows first and keeps offline rows for 7 days: a full page may hide older ones.
    const partial = daemons.length >= DAEMON_PAGE;
    const up = daemons.filter((d) => daemonOnline(d, now));
    const down = daemons.filter((d) => !up.includes(d));
    const offline = down
      .slice(0, 20)
      .map((d) => ({ name: d.name, lastSeenMinutesAgo: minutesSince(d.last_seen_at, now) }));
    const seen = partial
      ? `the newest ${daemons.length} daemon rows (more exist, not read)`
      : `${daemons.length} known`;
    const evidence = {
      online: up.map((d) => d.name),
      offline,
      offlineCount: down.length,
      read: daemons.length,
      ...(partial ? { partial: true, limit: DAEMON_PAGE } : {}),
    };
    if (up.length === 0) {
      if (partial) {
        const detail = `No provisioner daemon is online among ${seen} of organization ${org}: older rows were not read, so this is not conclusive.`;
        return [{ status: 'error', resource: orgRef, key: 'online', detail, evidence }];
      }
      const detail = `No provisioner daemon is online in organization ${org} (${seen}): builds wait forever.`;
      const remediation = provisionerDiagnosis(deployment);
      return [{ status: 'fail', resource: orgRef, key: 'online', detail, evidence, remediation }];
    }
    const detail = `${up.length} provisioner daemons are online in organization ${org} (${seen}).`;
    const results: FindingInput[] = [{ status: 'pass', resource: orgRef, key: 'online', detail, evidence }];
    if (!snap.buildInfo.ok) {
      const why = `could not read ${snap.buildInfo.name}: ${snap.buildInfo.error}`;
      return [
        ...results,
        { status: 'error', resource: orgRef, key: 'version', detail: `Version skew not evaluated: ${why}` },
      ];
    }
    const server = snap.buildInfo.value.version;
    return [...results, ...up.map((d) => versionResult(d, server, deployment))];
  },
);
