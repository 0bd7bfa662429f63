import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import type { CoderSnapshot } from './collector.js';
import { accessUrl, curlCoder, majorMinor } from './lib.js';
import { CODER_META } from './meta.js';

/** Compliant when coderd reports a release version (`vMAJOR.MINOR.PATCH`) that other checks can compare. */
export default defineCheck<CoderSnapshot>(CODER_META['coder-version'], (snap, { deployment }) => {
  const info = need(snap.buildInfo);
  const resource = accessUrl(deployment);
  const evidence = {
    version: info.version,
    ...(info.external_url ? { externalUrl: info.external_url } : {}),
  };
  if (!majorMinor(info.version)) {
    return [
      {
        status: 'fail',
        reason: 'not-a-release',
        resource,
        detail: `coderd reports version '${info.version}', which is not a release version.`,
        evidence,
        remediation: {
          text: 'Check which image the coder deployment runs.',
          commands: [curlCoder(deployment, '/api/v2/buildinfo')],
        },
      },
    ];
  }
  return [{ status: 'pass', resource, detail: `coderd runs Coder ${info.version}.`, evidence }];
});
