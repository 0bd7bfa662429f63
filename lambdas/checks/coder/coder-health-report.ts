import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { HEALTH_SECTIONS, type HealthSection } from '../../clients/coder.js';
import type { CoderSnapshot } from './collector.js';
import { accessUrl, healthDiagnosis, healthMessagesByCode, unreadable } from './lib.js';
import { CODER_META } from './meta.js';
import { Capability } from './roles.js';

/** Compliant when every section of coderd's deployment health report (`/api/v2/debug/health`) is ok. */
export default defineCheck<CoderSnapshot>(CODER_META['coder-health-report'], (snap, { deployment }) => {
  const gated = need(snap.health);
  const base = accessUrl(deployment);
  if (!gated.available) {
    return [unreadable(snap.access, Capability.HealthReport, `${base}/api/v2/debug/health`, gated)];
  }
  const report = gated.value;
  const present = HEALTH_SECTIONS.filter((name) => report[name] !== undefined);
  return present.flatMap((name): FindingInput[] => {
    const section: HealthSection = report[name]!;
    const resource = `${base}/api/v2/debug/health#${name}`;
    const codes = section.warnings.map((w) => w.code);
    const evidence = {
      section: name,
      severity: section.severity,
      codes,
      ...(report.time ? { reportTime: report.time } : {}),
      ...(section.error ? { error: section.error } : {}),
    };
    if (section.severity === 'ok' || section.dismissed) {
      const note = section.severity === 'ok' ? 'ok' : `${section.severity}, dismissed by an administrator`;
      return [
        {
          status: 'pass',
          resource,
          key: name,
          guideSection: healthDiagnosis(name, deployment).section,
          detail: `Health section ${name}: ${note}.`,
          evidence,
        },
      ];
    }
    // One finding per health code, its reason: each links to the check that sees the same fact.
    const known = (code: string) => Object.hasOwn(CODER_META['coder-health-report'].reasons, code);
    return [...healthMessagesByCode(section, known)].map(([code, list]): FindingInput => {
      const rel = healthDiagnosis(code === 'EUNKNOWN' ? name : code, deployment);
      const texts = list.map((m) => m.text).filter(Boolean);
      return {
        status: 'fail',
        reason: code,
        severity: section.severity === 'error' ? 'high' : 'medium',
        resource,
        key: `${name}/${code}`,
        title: `coderd health: ${name} is ${section.severity} (${code})`,
        guideSection: rel.section,
        detail: `Health section ${name} is ${section.severity}: ${texts.join('; ') || 'no detail'}.`,
        evidence: { ...evidence, code, codes: [...new Set(list.map((m) => m.code))] },
        remediation: rel.remediation,
      };
    });
  });
});
