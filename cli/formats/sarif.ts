import type { CheckMeta } from '../../lambdas/audit/check.js';
import type { Finding, Severity } from '../../lambdas/audit/model.js';
import type { AuditReport } from '../../lambdas/audit/runner.js';
import {
  causeOf,
  findingUid,
  metaOf,
  problemsOf,
  reasonOf,
  runbookLink,
  type FormatContext,
} from './context.js';

/**
 * SARIF 2.1.0 (OASIS, errata 01), shaped for GitHub code scanning: one run for all deployments (code scanning
 * rejects several runs of one tool and category in one upload), one rule per check of the catalogue, one
 * result per failing finding. Conventions followed, from the spec and GitHub's "SARIF support for code
 * scanning": `level` only on `kind: fail` results (§3.27.10: any other kind has level `none`), a finding that
 * could not be checked is `kind: open` ("insufficient information"), muted findings carry an accepted
 * external suppression, `partialFingerprints` keep alerts stable across runs, `security-severity` (0-10) on
 * the rule drives the severity code scanning shows.
 *
 * Reasons: `ruleId` stays the check id, and the finding's reason code goes to `properties.reason` (with
 * `reasonMessage`) and into the message. Code scanning keys an alert's rule, help and filters on the rule id;
 * a hierarchical `check/reason` rule id (allowed by §3.27.5) would move an alert to another rule whenever the
 * reason of the same finding changed (a node group going from `transitioning` to `vcpu-limit-exceeded`), while its
 * partialFingerprint stays the same. Each rule's help lists the reasons its check can report.
 */

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub's bands: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.5',
};

const FINGERPRINT_KEY = 'coderAuditFinding/v1';

/** `db-sg-allows-nodes` → `DbSgAllowsNodes` (SARIF §3.49.7: a readable, non-localised identifier). */
function ruleName(id: string): string {
  return id
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

function rule(ctx: FormatContext, m: CheckMeta): Record<string, unknown> {
  const link = runbookLink(ctx, m.guideSection);
  const runbook = link ? `[${m.guideSection}](${link})` : `"${m.guideSection}"`;
  const reasons = Object.entries(m.reasons);
  const reasonsText = reasons.length
    ? `\nReasons it reports: ${reasons.map(([code, r]) => `${code} (${r.severity}): ${r.message}`).join('; ')}`
    : '';
  const reasonsMarkdown = reasons.length
    ? `**Reasons it reports:**\n\n${reasons.map(([code, r]) => `- \`${code}\` (${r.severity}): ${r.message}`).join('\n')}\n\n`
    : '';
  return {
    id: m.id,
    name: ruleName(m.id),
    shortDescription: { text: m.title },
    fullDescription: { text: m.description },
    help: {
      text:
        `${m.description}${m.risk ? `\nWhy it matters: ${m.risk}` : ''}${reasonsText}\n` +
        `Runbook section: "${m.guideSection}".\n` +
        'Fix: each result gives the fix for its resource, with the commands filled with real ids.',
      markdown:
        `${m.description}\n\n${m.risk ? `**Why it matters:** ${m.risk}\n\n` : ''}` +
        reasonsMarkdown +
        `**Runbook:** ${runbook}\n\n` +
        '**Fix:** each result gives the fix for its resource, with the commands filled with real ids.',
    },
    ...(link ? { helpUri: link } : {}),
    defaultConfiguration: { level: LEVEL[m.severity] },
    properties: {
      tags: ['coder-audit', m.group],
      precision: 'high',
      'security-severity': SECURITY_SEVERITY[m.severity],
      group: m.group,
      severity: m.severity,
      runbookSection: m.guideSection,
    },
  };
}

/** Markdown safe inside a SARIF message: GitHub renders it, so inline code is fenced by backticks. */
function code(s: string): string {
  const ticks = '`'.repeat(Math.max(...[...s.matchAll(/`+/g)].map((m) => m[0].length), 0) + 1);
  return `${ticks}${ticks.length > 1 ? ' ' : ''}${s}${ticks.length > 1 ? ' ' : ''}${ticks}`;
}

function message(r: AuditReport, f: Finding, ctx: FormatContext): { text: string; markdown: string } {
  const cause = causeOf(r, f);
  const reason = reasonOf(ctx, f);
  const lead =
    f.status === 'error'
      ? `[${r.deployment}] ${f.title}: could not check ${f.resource}.`
      : `[${r.deployment}] ${f.title}: ${f.resource}.`;
  const text = [
    lead,
    reason ? `Reason ${reason.code}${reason.message ? `: ${reason.message}` : ''}` : '',
    f.detail,
    cause ? `Likely caused by ${cause.checkId} on ${cause.resource}.` : '',
    f.remediation ? `Fix: ${f.remediation.text}` : '',
    ...(f.remediation?.commands ?? []).map((c) => `$ ${c}`),
    `Runbook section: "${f.guideSection}".`,
  ]
    .filter(Boolean)
    .join('\n');
  const link = runbookLink(ctx, f.guideSection);
  const markdown = [
    `**${r.deployment}**: ${f.title} on ${code(f.resource)}`,
    ...(reason ? ['', `Reason ${code(reason.code)}${reason.message ? `: ${reason.message}` : ''}`] : []),
    '',
    f.detail,
    ...(cause ? ['', `Likely caused by ${code(cause.checkId)} on ${code(cause.resource)}.`] : []),
    ...(f.remediation
      ? ['', `**Fix:** ${f.remediation.text}`, '', '```bash', ...f.remediation.commands, '```']
      : []),
    '',
    `**Runbook:** ${link ? `[${f.guideSection}](${link})` : f.guideSection}`,
  ].join('\n');
  return { text, markdown };
}

function result(r: AuditReport, f: Finding, ctx: FormatContext, ruleIndex: number): Record<string, unknown> {
  const reason = reasonOf(ctx, f);
  const uri = ctx.artifact?.uri;
  const line = ctx.artifact?.lines?.[r.deployment] ?? 1;
  return {
    ruleId: f.checkId,
    ruleIndex,
    kind: f.status === 'fail' ? 'fail' : 'open',
    level: f.status === 'fail' ? LEVEL[f.severity] : 'none',
    message: message(r, f, ctx),
    locations: [
      {
        ...(uri
          ? { physicalLocation: { artifactLocation: { uri }, region: { startLine: Math.max(1, line) } } }
          : {}),
        logicalLocations: [{ fullyQualifiedName: f.resource, kind: 'resource' }],
      },
    ],
    fingerprints: { [FINGERPRINT_KEY]: findingUid(r, f) },
    partialFingerprints: { [FINGERPRINT_KEY]: findingUid(r, f) },
    ...(f.muted
      ? {
          suppressions: [
            {
              kind: 'external',
              status: 'accepted',
              justification: `muted until ${f.muted.until}, by ${f.muted.by}, because ${f.muted.because}`,
            },
          ],
        }
      : {}),
    properties: {
      deployment: r.deployment,
      group: f.group,
      severity: f.severity,
      resource: f.resource,
      ...(reason
        ? { reason: reason.code, ...(reason.message ? { reasonMessage: reason.message } : {}) }
        : {}),
      ...(f.rootCause ? { rootCause: `${r.deployment}/${f.rootCause}` } : {}),
      ...(f.severityOverride ? { severityOverride: f.severityOverride } : {}),
    },
  };
}

/** The reports as one SARIF 2.1.0 log (JSON text). */
export function toSarif(reports: readonly AuditReport[], ctx: FormatContext): string {
  const rules: CheckMeta[] = [...ctx.catalogue];
  const index = new Map(rules.map((m, i) => [m.id, i]));
  const results: Array<Record<string, unknown>> = [];
  for (const r of reports) {
    for (const f of problemsOf(r)) {
      if (!index.has(f.checkId)) {
        index.set(f.checkId, rules.length);
        rules.push(metaOf(ctx, f));
      }
      results.push(result(r, f, ctx, index.get(f.checkId)!));
    }
  }
  const started = reports.map((r) => r.startedAt).sort()[0];
  const finished = reports
    .map((r) => r.finishedAt)
    .sort()
    .at(-1);
  const notifications = reports.flatMap((r) =>
    (r.notices ?? []).map((n) => ({ level: 'warning', message: { text: `[${r.deployment}] ${n}` } })),
  );
  const log = {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'coder-audit',
            version: ctx.version,
            semanticVersion: ctx.version,
            rules: rules.map((m) => rule(ctx, m)),
          },
        },
        automationDetails: { id: `coder-audit/${reports.map((r) => r.deployment).join('+')}/` },
        invocations: [
          {
            executionSuccessful: true,
            ...(started ? { startTimeUtc: started } : {}),
            ...(finished ? { endTimeUtc: finished } : {}),
            ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        ...(ctx.artifact ? { artifacts: [{ location: { uri: ctx.artifact.uri } }] } : {}),
        results,
        properties: { deployments: reports.map((r) => r.deployment) },
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
