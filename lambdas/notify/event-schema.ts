import * as z from 'zod';

/**
 * The detail of the EventBridge events the auditor puts on the default bus (source `coder.auditor`), one per
 * finding change. Versioned: `version` changes only when a field is removed or changes meaning; fields may
 * be added within a version. The JSON Schema in docs/finding-events.schema.json is generated from these
 * (`npm run docs`) and tested to be current. Kept out of the Lambda bundles (zod): the builder in
 * events.ts is typed by it.
 */
export const FINDING_EVENT_VERSION = '1';

/** Detail types, one per kind of change. */
export const DetailType = {
  Opened: 'Finding opened',
  Resolved: 'Finding resolved',
  StillOpen: 'Finding still open',
  AuditFailed: 'Audit failed',
} as const;

const SEVERITY = z.enum(['critical', 'high', 'medium', 'low', 'info']);
const ISO = z.iso.datetime({ offset: true });

const Common = {
  version: z.literal(FINDING_EVENT_VERSION).describe('Version of this detail schema.'),
  eventId: z
    .string()
    .describe(
      'Stable id of this change (run, detail type, finding): the same on a replay, for consumers to de-duplicate.',
    ),
  deployment: z.string().describe('Deployment id of the configuration.'),
  executionId: z.string().describe('Step Functions execution of the run that saw the change.'),
  runStartedAt: ISO.describe('Start of that run.'),
};

export const EventFindingSchema = z
  .object({
    fingerprint: z.string().describe('Stable id of the finding within the deployment.'),
    checkId: z.string().describe('Check id (see `coder-audit checks`).'),
    group: z.string().describe('Check group.'),
    severity: SEVERITY.describe('Severity, after the configuration overrides.'),
    status: z.enum(['fail', 'error']).describe('fail: the check failed; error: it could not run.'),
    reason: z.string().optional().describe('Reason code of the failure (docs/reasons.md).'),
    resource: z.string().describe('What failed: an ARN, an AWS id, k8s:<namespace>/<kind>/<name>...'),
    title: z.string().describe('What the check verifies.'),
    detail: z.string().max(1000).describe('What was found (neutralised, at most 1000 characters).'),
    guideSection: z.string().describe('Runbook section.'),
    runbookUrl: z
      .string()
      .optional()
      .describe('Link to the runbook section, when the stack has a runbook URL.'),
    rootCause: z.string().optional().describe('Fingerprint of the finding that explains this one.'),
    openedAt: ISO.optional().describe('When the current episode opened.'),
  })
  .strict();

export const FindingEventDetailSchema = z
  .object({
    ...Common,
    finding: EventFindingSchema,
    openForHours: z.number().nonnegative().optional().describe('Finding still open: hours since it opened.'),
    resolvedAt: ISO.optional().describe('Finding resolved: when.'),
  })
  .strict()
  .describe('Detail of "Finding opened", "Finding resolved" and "Finding still open".');

export const AuditFailedDetailSchema = z
  .object({
    ...Common,
    group: z.string().describe('The check group that failed as a whole.'),
    consecutiveRuns: z.number().int().positive().describe('Runs in a row in which it failed.'),
    error: z.string().max(500).optional().describe('Its error (bounded).'),
  })
  .strict()
  .describe('Detail of "Audit failed": a check group failed as a whole in several runs in a row.');

export type FindingEventDetail = z.output<typeof FindingEventDetailSchema>;
export type AuditFailedDetail = z.output<typeof AuditFailedDetailSchema>;

/** The JSON Schema (draft 2020-12) of every detail type, as published in docs/. */
export function findingEventsJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://github.com/coder-auditor/coder-auditor/docs/finding-events.schema.json#v${FINDING_EVENT_VERSION}`,
    title: 'coder-auditor EventBridge event details',
    description: `Source coder.auditor on the default bus; detail schema version ${FINDING_EVENT_VERSION}.`,
    $defs: {
      [DetailType.Opened]: z.toJSONSchema(FindingEventDetailSchema, { io: 'output' }),
      [DetailType.Resolved]: z.toJSONSchema(FindingEventDetailSchema, { io: 'output' }),
      [DetailType.StillOpen]: z.toJSONSchema(FindingEventDetailSchema, { io: 'output' }),
      [DetailType.AuditFailed]: z.toJSONSchema(AuditFailedDetailSchema, { io: 'output' }),
    },
  };
}
