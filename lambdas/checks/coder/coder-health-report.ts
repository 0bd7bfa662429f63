import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { HEALTH_SECTIONS, type HealthSection } from '../../clients/coder.js';
import { quote } from '../../audit/untrusted.js';
import type { CoderSnapshot } from './collector.js';
import { accessUrl, healthDiagnosis, unreadable } from './lib.js';
import { Capability } from './roles.js';

/** Compliant when every section of coderd's deployment health report (`/api/v2/debug/health`) is ok. */
export default defineCheck<CoderSnapshot>(
  {
    id: 'coder-health-report',
    group: 'coder',
    severity: 'high',
    title: "coderd's deployment health report is clean",
    description:
      "Reads coderd's own health report (access URL, database, DERP, websocket, workspace proxies, provisioner " +
      'daemons) and reports each section at warning (medium) or error (high) with its health codes.',
    risk: 'coderd sees a degraded dependency (slow database, unreachable access URL, no provisioner) before users do.',
    guideSection: GuideSection.KubernetesDebugging,
  },
  (snap, { deployment }) => {
    const gated = need(snap.health);
    const base = accessUrl(deployment);
    if (!gated.available) {
      return [unreadable(snap.access, Capability.HealthReport, `${base}/api/v2/debug/health`, gated)];
    }
    const report = gated.value;
    const present = HEALTH_SECTIONS.filter((name) => report[name] !== undefined);
    return present.map((name): FindingInput => {
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
        return {
          status: 'pass',
          resource,
          key: name,
          guideSection: healthDiagnosis(name, deployment).section,
          detail: `Health section ${name}: ${note}.`,
          evidence,
        };
      }
      const rel = healthDiagnosis(codes[0] ?? name, deployment);
      // Health messages quote coderd's errors (database URLs included): quoted here, redacted by the runner.
      const messages = [
        ...section.warnings.map((w) => `${w.code}: ${quote(w.message)}`),
        ...(section.error ? [quote(section.error)] : []),
      ];
      return {
        status: 'fail',
        severity: section.severity === 'error' ? 'high' : 'medium',
        resource,
        key: name,
        title: `coderd health: ${name} is ${section.severity}`,
        guideSection: rel.section,
        detail: `Health section ${name} is ${section.severity}: ${messages.join('; ') || 'no detail'}.`,
        evidence,
        remediation: rel.remediation,
      };
    });
  },
);
