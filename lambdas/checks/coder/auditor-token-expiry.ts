import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import type { CoderSnapshot } from './collector.js';
import { daysBetween, tokenRotation } from './lib.js';
import { CODER_META } from './meta.js';

/** Compliant when the auditor's own Coder token is accepted and expires after thresholds.tokenExpiryWarnDays. */
export default defineCheck<CoderSnapshot>(CODER_META['auditor-token-expiry'], (snap, { deployment, now }) => {
  const state = need(snap.token);
  const resource = deployment.coder!.tokenSecretId;
  const warnDays = deployment.thresholds.tokenExpiryWarnDays;
  const remediation = tokenRotation(deployment);
  if (!state.valid) {
    return [
      {
        status: 'fail',
        reason: 'rejected',
        resource,
        title: "The auditor's Coder token is rejected",
        detail: `Coder rejects the auditor's token (HTTP ${state.status}: ${state.message || 'no message'}): expired or revoked.`,
        evidence: { status: state.status },
        remediation,
      },
    ];
  }
  const { key } = state;
  const daysLeft = daysBetween(now, new Date(key.expires_at));
  const evidence = { tokenName: key.token_name, expiresAt: key.expires_at, daysLeft, warnDays };
  const name = key.token_name || 'the auditor token';
  if (Date.parse(key.expires_at) <= now.getTime()) {
    const detail = `Token ${name} expired at ${key.expires_at}.`;
    return [{ status: 'fail', reason: 'expired', resource, detail, evidence, remediation }];
  }
  if (daysLeft < warnDays) {
    const detail = `Token ${name} expires in ${daysLeft} days (${key.expires_at}); rotate it.`;
    return [{ status: 'fail', reason: 'expiring', resource, detail, evidence, remediation }];
  }
  return [
    {
      status: 'pass',
      resource,
      detail: `Token ${name} expires in ${daysLeft} days (${key.expires_at}).`,
      evidence,
    },
  ];
});
