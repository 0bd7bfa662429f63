import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import type { CoderSnapshot } from './collector.js';
import {
  coderRef,
  daemonOnline,
  majorMinor,
  minutesSince,
  provisionerDiagnosis,
  versionSkew,
} from './lib.js';
import { CODER_META } from './meta.js';

/** Compliant when at least one provisioner daemon is online and every online daemon runs coderd's major.minor. */
export default defineCheck<CoderSnapshot>(CODER_META['provisioner-daemons'], (snap, { deployment, now }) => {
  const daemons = need(snap.daemons);
  const org = deployment.coder!.organization;
  const up = daemons.filter((d) => daemonOnline(d, now));
  const orgRef = coderRef(deployment, 'provisionerdaemons', org);
  const offline = daemons
    .filter((d) => !up.includes(d))
    .map((d) => ({ name: d.name, lastSeenMinutesAgo: minutesSince(d.last_seen_at, now) }));
  const evidence = { online: up.map((d) => d.name), offline };
  if (up.length === 0) {
    const detail = `No provisioner daemon is online in organization ${org} (${daemons.length} known): builds wait forever.`;
    const remediation = provisionerDiagnosis(deployment);
    return [
      {
        status: 'fail',
        reason: 'none-online',
        resource: orgRef,
        key: 'online',
        detail,
        evidence,
        remediation,
      },
    ];
  }
  const detail = `${up.length} of ${daemons.length} provisioner daemons are online in organization ${org}.`;
  const results: FindingInput[] = [{ status: 'pass', resource: orgRef, key: 'online', detail, evidence }];
  if (!snap.buildInfo.ok) {
    const why = `could not read ${snap.buildInfo.name}: ${snap.buildInfo.error}`;
    return [
      ...results,
      { status: 'error', resource: orgRef, key: 'version', detail: `Version skew not evaluated: ${why}` },
    ];
  }
  const server = snap.buildInfo.value.version;
  for (const d of up) {
    const same = majorMinor(d.version) !== undefined && majorMinor(d.version) === majorMinor(server);
    const base = {
      resource: coderRef(deployment, 'provisionerdaemon', d.name),
      key: 'version',
      evidence: {
        daemon: d.name,
        daemonVersion: d.version,
        coderdVersion: server,
        apiVersion: d.api_version,
      },
    };
    results.push(
      same
        ? {
            ...base,
            status: 'pass',
            detail: `Provisioner daemon ${d.name} runs ${d.version}, like coderd.`,
          }
        : {
            ...base,
            status: 'fail',
            reason: 'version-skew',
            title: 'Provisioner daemon version differs from coderd',
            detail: `Provisioner daemon ${d.name} runs '${d.version}' but coderd runs ${server}.`,
            remediation: versionSkew(deployment),
          },
    );
  }
  return results;
});
