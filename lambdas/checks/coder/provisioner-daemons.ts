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
    const [remediation, key] = [provisionerDiagnosis(deployment), 'online'];
    return [{ status: 'fail', reason: 'none-online', resource: orgRef, key, detail, evidence, remediation }];
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
  const skewed: typeof up = [];
  for (const d of up) {
    if (majorMinor(d.version) !== undefined && majorMinor(d.version) === majorMinor(server)) {
      results.push({
        status: 'pass',
        resource: coderRef(deployment, 'provisionerdaemon', d.name),
        key: 'version',
        detail: `Provisioner daemon ${d.name} runs ${d.version}, like coderd.`,
        evidence: {
          daemon: d.name,
          daemonVersion: d.version,
          coderdVersion: server,
          apiVersion: d.api_version,
        },
      });
    } else skewed.push(d);
  }
  // One finding for the skewed daemons: one upgrade of the provisioner release fixes them all.
  if (skewed.length > 0) {
    const listed = skewed.map((d) => `${d.name} runs '${d.version}'`).join(', ');
    results.push({
      status: 'fail',
      reason: 'version-skew',
      resource: orgRef,
      key: 'version',
      title: 'Provisioner daemon version differs from coderd',
      detail: `${skewed.length} provisioner daemon(s) off coderd's ${server}: ${listed}.`,
      evidence: {
        coderdVersion: server,
        daemons: skewed.map((d) => ({ daemon: d.name, daemonVersion: d.version, apiVersion: d.api_version })),
      },
      remediation: versionSkew(deployment),
    });
  }
  return results;
});
