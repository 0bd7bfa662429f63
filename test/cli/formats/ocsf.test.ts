import { describe, expect, it } from 'vitest';
import { toOcsf } from '../../../cli/formats/ocsf.js';
import { ocsfProblems } from '../../helpers/schemas.js';
import { FINGERPRINTS, context, reports } from './fixtures.js';

type Event = Record<string, unknown> & {
  metadata: { profiles: string[]; version: string };
  finding_info: Record<string, unknown> & { uid: string };
  status_id: number;
  severity_id: number;
  resources: Array<Record<string, unknown>>;
  cloud: Record<string, unknown>;
};
const events = (): Event[] => JSON.parse(toOcsf(reports(), context())) as Event[];

describe('Function: toOcsf', () => {
  it('every event is a valid OCSF 1.5.0 Detection Finding (class 2004) with the cloud profile', () => {
    const all = events();
    expect(all).toHaveLength(7);
    for (const e of all) {
      expect(e.metadata).toMatchObject({ version: '1.5.0', profiles: ['cloud'] });
      expect(ocsfProblems(e)).toEqual([]);
    }
  });

  it('the schema check is real: a wrong class, severity or a resource without id is caught', () => {
    const e = { ...events()[0]!, class_uid: 2001, severity_id: 9, resources: [{}], extra: 1 };
    const problems = ocsfProblems(e).join('\n');
    expect(problems).toMatch(/\/class_uid must be equal to one of the allowed values/);
    expect(problems).toMatch(/\/severity_id must be equal to one of the allowed values/);
    expect(problems).toMatch(/\/resources\/0 must have required property 'uid'/);
    expect(problems).toMatch(/must NOT have additional properties .*"extra"/);
    // The cloud profile's `cloud` is required once the profile is declared.
    const { cloud: _c, ...noCloud } = events()[0]!;
    expect(ocsfProblems(noCloud).join('\n')).toMatch(/must have required property 'cloud'/);
  });

  it('maps severity, status and the root cause, and uses the account of the deployment', () => {
    const all = events();
    const symptom = all.find((e) => e.finding_info.uid === `prod/${FINGERPRINTS.symptom}`)!;
    expect(symptom).toMatchObject({
      class_uid: 2004,
      type_uid: 200401,
      severity_id: 5,
      severity: 'Critical',
      status_id: 1,
      is_alert: true,
      cloud: { provider: 'AWS', region: 'us-east-1', account: { uid: '123456789012', type_id: 10 } },
    });
    expect(symptom.finding_info).toMatchObject({
      analytic: { uid: 'coderd-ready', type_id: 1 },
      related_events: [{ uid: `prod/${FINGERPRINTS.cause}` }],
      // The kind of failure: the check's reason (the check itself is the analytic).
      types: ['Runbook check failed', 'cluster', 'coderd-ready/crash-loop'],
    });
    const muted = all.find(
      (e) => (e.finding_info.analytic as { uid: string }).uid === 'db-long-running-queries',
    )!;
    expect(muted).toMatchObject({ status_id: 3, status: 'Suppressed', is_alert: false });
    expect(muted.status_detail).toMatch(/^muted until 2026-12-31, by data-team, because nightly ETL/);
    const errored = all.find(
      (e) => (e.finding_info.analytic as { uid: string }).uid === 'aurora-recent-events',
    )!;
    expect(errored).toMatchObject({ is_alert: false, status_id: 1 });
    expect(errored.status_detail).toMatch(/^The check could not run/);
    const sg = all.find((e) => e.finding_info.uid === `prod/${FINGERPRINTS.cause}`)!;
    expect(sg.resources[0]).toMatchObject({
      uid: 'arn:aws:ec2:us-east-1:123456789012:security-group/sg-0db0000000000001a',
      name: 'sg-0db0000000000001a',
      type: 'AwsEc2SecurityGroup',
    });
  });
});
