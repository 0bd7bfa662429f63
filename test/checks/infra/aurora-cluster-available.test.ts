import { describe, expect, it } from 'vitest';
import check from '../../../lambdas/checks/infra/aurora-cluster-available.js';
import { known } from '../../../lambdas/audit/fact.js';
import { IDS, dbCluster, dbInstance, failed, only, run, snapshot } from './fixtures.js';

const WRITER = `${IDS.auroraClusterId}-1`;
const READER = `${IDS.auroraClusterId}-2`;

describe('Check: aurora-cluster-available', () => {
  it('Compliance', () => {
    const f = only(run(check, snapshot()));
    expect(f).toMatchObject({ status: 'pass', resource: IDS.auroraClusterId });
    expect(f.evidence).toMatchObject({
      members: [{ id: WRITER, writer: true, status: 'available' }, { id: READER }],
    });
  });

  it('Noncompliance 1: cluster not available', () => {
    const f = only(run(check, snapshot({ auroraCluster: known(dbCluster({ Status: 'failing-over' })) })));
    expect(f).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(f.detail).toContain('cluster status is failing-over');
    expect(f.remediation?.commands).toEqual([
      `aws rds describe-db-clusters --db-cluster-identifier ${IDS.auroraClusterId}`,
    ]);
  });

  it('Noncompliance 2: no writer member', () => {
    const db = dbCluster({ DBClusterMembers: [{ DBInstanceIdentifier: READER, IsClusterWriter: false }] });
    const f = only(run(check, snapshot({ auroraCluster: known(db) })));
    expect(f).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(f.detail).toContain('no writer instance');
  });

  it('Noncompliance 3: a reader not available is high, the writer critical', () => {
    const reader = [dbInstance(WRITER), dbInstance(READER, { DBInstanceStatus: 'rebooting' })];
    const f = only(run(check, snapshot({ auroraInstances: known(reader) })));
    expect(f).toMatchObject({ status: 'fail', severity: 'high' });
    expect(f.detail).toContain(`reader ${READER} is rebooting`);
    const writer = [dbInstance(WRITER, { DBInstanceStatus: 'storage-full' }), dbInstance(READER)];
    expect(only(run(check, snapshot({ auroraInstances: known(writer) }))).severity).toBe('critical');
  });

  it('Noncompliance 4: cluster does not exist', () => {
    const f = only(run(check, snapshot({ auroraCluster: known(undefined) })));
    expect(f).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(f.detail).toContain('does not exist');
  });

  it.each(['backing-up', 'modifying', 'storage-optimization', 'upgrading', 'maintenance'])(
    'Noncompliance 5: cluster %s still serves traffic: medium',
    (Status) => {
      const f = only(run(check, snapshot({ auroraCluster: known(dbCluster({ Status })) })));
      expect(f).toMatchObject({ status: 'fail', severity: 'medium', evidence: { status: Status } });
      expect(f.detail).toContain(`cluster status is ${Status}`);
    },
  );

  it.each(['stopped', 'starting', 'inaccessible-encryption-credentials', 'migration-failed', 'rebooting'])(
    'Noncompliance 6: cluster %s does not serve: critical',
    (Status) => {
      const f = only(run(check, snapshot({ auroraCluster: known(dbCluster({ Status })) })));
      expect(f).toMatchObject({ status: 'fail', severity: 'critical' });
    },
  );

  it('Noncompliance 7: a writer still serving (configuring-iam-database-auth) is medium; with a down reader, high', () => {
    const writer = dbInstance(WRITER, { DBInstanceStatus: 'configuring-iam-database-auth' });
    const serving = only(run(check, snapshot({ auroraInstances: known([writer, dbInstance(READER)]) })));
    expect(serving).toMatchObject({ status: 'fail', severity: 'medium' });
    const reader = dbInstance(READER, { DBInstanceStatus: 'incompatible-parameters' });
    const both = only(run(check, snapshot({ auroraInstances: known([writer, reader]) })));
    expect(both).toMatchObject({ status: 'fail', severity: 'high' });
  });

  it('Error when DescribeDBClusters or DescribeDBInstances failed', () => {
    expect(only(run(check, snapshot({ auroraCluster: failed() }))).status).toBe('error');
    expect(only(run(check, snapshot({ auroraInstances: failed() }))).status).toBe('error');
  });
});
