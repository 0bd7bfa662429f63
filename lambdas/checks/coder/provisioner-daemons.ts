import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import type { CoderSnapshot } from './collector.js';
import {
  coderRef,
  DAEMON_PAGE,
  daemonOnline,
  minutesSince,
  provisionerDiagnosis,
  unreadable,
  versionResults,
} from './lib.js';
import { CODER_META } from './meta.js';
import { Capability } from './roles.js';

/** Compliant when at least one provisioner daemon is online and every online daemon runs coderd's major.minor. */
export default defineCheck<CoderSnapshot>(CODER_META['provisioner-daemons'], (snap, { deployment, now }) => {
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
    const [remediation, key] = [provisionerDiagnosis(deployment), 'online'];
    return [{ status: 'fail', reason: 'none-online', resource: orgRef, key, detail, evidence, remediation }];
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
  return [...results, ...versionResults(up, snap.buildInfo.value.version, deployment)];
});
