import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { FindingsStore, RunNotRecordedError, TABLE_SCHEMA } from '../../lambdas/store/findings-store.js';
import { findingsTables } from '../helpers/dynalite.js';
import { audit, finding } from './fixtures.js';

const T1 = '2030-01-01T10:00:00.000Z';
const T2 = '2030-01-01T11:00:00.000Z';
const T3 = '2030-01-01T12:00:00.000Z';
const T4 = '2030-01-01T13:00:00.000Z';

const t = findingsTables('findings');

const store = (over: Partial<ConstructorParameters<typeof FindingsStore>[0]> = {}): FindingsStore =>
  new FindingsStore({
    client: t.doc,
    tableName: t.table,
    now: () => new Date('2030-01-01T10:05:00Z'),
    ...over,
  });

const sg = finding('db-sg-allows-nodes', 'fail', { severity: 'critical', resource: 'sg-0123456789abcdef0' });
const ready = finding('coderd-ready', 'fail', {
  resource: 'k8s:coder/deployment/coder',
  reason: 'no-replica-available',
});
const pending = finding('pods-pending', 'fail', { severity: 'medium', resource: 'k8s:coder-ws/pod/ws-1' });
const pendingOther = finding('pods-pending', 'pass', { resource: 'k8s:coder-ws/pod/ws-2' });
const quota = finding('ec2-vcpu-quota', 'pass', { resource: 'L-1216C47A' });
const templates = finding('templates-available', 'error', { resource: 'prod', key: 'error' });
const healthz = finding('coder-healthz', 'pass', { resource: 'https://coder.example.com/healthz' });

describe('Class: FindingsStore', () => {
  describe('Method: recordRun', () => {
    it('stores failing findings and reports them as opened on the first run', async () => {
      const s = store();
      const out = await s.recordRun(audit('exec-1', T1, [sg, ready, pending, quota, templates, healthz]));

      expect(out).toMatchObject({
        deployment: 'prod',
        executionId: 'exec-1',
        replay: false,
        notified: false,
      });
      expect(out.changes.opened.map((f) => f.checkId)).toEqual([
        'db-sg-allows-nodes',
        'coderd-ready',
        'pods-pending',
        'templates-available',
      ]);
      expect(out.changes.resolved).toEqual([]);
      expect(out.changes.escalated).toEqual([]);
      const stored = await s.list({ deployment: 'prod' });
      expect(stored.map((f) => [f.checkId, f.status, f.result, f.occurrences])).toEqual([
        ['db-sg-allows-nodes', 'open', 'fail', 1],
        ['coderd-ready', 'open', 'fail', 1],
        ['templates-available', 'open', 'error', 1],
        ['pods-pending', 'open', 'fail', 1],
      ]);
      const item = stored.find((f) => f.checkId === 'coderd-ready');
      expect(item).toMatchObject({
        firstSeen: T1,
        lastSeen: T1,
        openedBy: 'exec-1',
        lastRun: 'exec-1',
        rootCause: sg.fingerprint,
        remediation: ready.remediation,
      });
      expect(item).not.toHaveProperty('evidence');
    });

    it('resolves findings that pass or vanish while their check ran, and keeps the others open', async () => {
      const s = store();
      await s.recordRun(audit('exec-1', T1, [sg, ready, pending, pendingOther, quota]));
      const sgFixed = { ...sg, status: 'pass' as const, severity: 'info' as const };
      // pods-pending ran (ws-2 still passes) and no longer reports ws-1: resolved.
      // cluster group failed as a whole: coderd-ready was not checked, so it stays open.
      const out = await s.recordRun(audit('exec-2', T2, [sgFixed, pendingOther, quota], { cluster: 'boom' }));

      expect(out.changes.opened).toEqual([]);
      expect(out.changes.resolved.map((f) => [f.checkId, f.status, f.resolvedAt, f.resolvedBy])).toEqual([
        ['db-sg-allows-nodes', 'resolved', T2, 'exec-2'],
      ]);
      const out3 = await s.recordRun(audit('exec-3', T3, [sgFixed, pendingOther, quota, ready]));
      expect(out3.changes.resolved.map((f) => f.checkId)).toEqual(['pods-pending']);
      const open = await s.list({ deployment: 'prod', open: true });
      expect(open.map((f) => [f.checkId, f.occurrences, f.lastSeen])).toEqual([['coderd-ready', 2, T3]]);
    });

    it('reports a rise in severity as escalated and re-opens a resolved finding as new', async () => {
      const s = store();
      await s.recordRun(audit('exec-1', T1, [pending]));
      const worse = await s.recordRun(audit('exec-2', T2, [{ ...pending, severity: 'critical' }]));
      expect(worse.changes.opened).toEqual([]);
      expect(worse.changes.escalated.map((e) => [e.finding.checkId, e.finding.severity, e.from])).toEqual([
        ['pods-pending', 'critical', 'medium'],
      ]);
      const same = await s.recordRun(audit('exec-3', T3, [{ ...pending, severity: 'critical' }]));
      expect(same.changes.escalated).toEqual([]);

      await s.recordRun(audit('exec-4', T4, [{ ...pending, status: 'pass' }]));
      const again = await s.recordRun(audit('exec-5', '2030-01-01T14:00:00.000Z', [pending]));
      expect(again.changes.opened.map((f) => f.checkId)).toEqual(['pods-pending']);
      const [item] = await s.list({ deployment: 'prod' });
      expect(item).toMatchObject({ status: 'open', firstSeen: T1, openedBy: 'exec-5', occurrences: 4 });
      expect(item).not.toHaveProperty('resolvedBy');
    });

    it('returns the same outcome for a replayed execution without counting twice', async () => {
      const s = store();
      await s.recordRun(audit('exec-1', T1, [sg, pending]));
      const run = audit('exec-2', T2, [
        { ...sg, severity: 'critical' },
        { ...pending, status: 'pass' },
        ready,
      ]);
      const first = await s.recordRun(run);
      const before = await s.list({ deployment: 'prod' });

      const replay = await s.recordRun(run);

      expect(replay).toEqual({ ...first, replay: true });
      expect(first.changes.opened.map((f) => f.checkId)).toEqual(['coderd-ready']);
      expect(first.changes.resolved.map((f) => f.checkId)).toEqual(['pods-pending']);
      expect(await s.list({ deployment: 'prod' })).toEqual(before);
      expect(before.find((f) => f.checkId === 'db-sg-allows-nodes')?.occurrences).toBe(2);
    });

    it('recomputes the change set from the item markers when a run crashed before completing', async () => {
      const s = store();
      await s.recordRun(audit('exec-1', T1, [sg, pending]));
      const run = audit('exec-2', T2, [{ ...pending, status: 'pass' }, ready, sg]);
      const first = await s.recordRun(run);
      // The run item and its pointer are lost; every finding write had been applied.
      const pk = 'DEP#prod';
      await t.doc.send(new DeleteCommand({ TableName: t.table, Key: { pk, sk: `RUN#${T2}#exec-2` } }));
      await t.doc.send(new DeleteCommand({ TableName: t.table, Key: { pk, sk: 'EXE#exec-2' } }));

      const replay = await s.recordRun(run);

      expect(replay).toEqual({ ...first, replay: true });
      expect((await s.list({ deployment: 'prod', open: true })).map((f) => f.occurrences)).toEqual([2, 1]);
      const runItem = await t.doc.send(
        new GetCommand({ TableName: t.table, Key: { pk, sk: `RUN#${T2}#exec-2` } }),
      );
      expect(runItem.Item?.changes).toMatchObject({
        opened: [ready.fingerprint],
        resolved: [pending.fingerprint],
      });
    });

    it('applies an execution once when two invocations of it race', async () => {
      const s = store();
      await s.recordRun(audit('exec-1', T1, [pending]));
      const run = audit('exec-2', T2, [{ ...pending, severity: 'critical' }, sg, ready]);

      const [a, b] = await Promise.all([s.recordRun(run), s.recordRun(run)]);

      expect(a.changes).toEqual(b.changes);
      expect(a.changes.escalated.map((e) => e.from)).toEqual(['medium']);
      expect(a.changes.opened).toHaveLength(2);
      const stored = await s.list({ deployment: 'prod' });
      expect(stored.map((f) => [f.checkId, f.occurrences])).toEqual([
        ['db-sg-allows-nodes', 1],
        ['pods-pending', 2],
        ['coderd-ready', 1],
      ]);
    });

    it('never lets a replay of an older execution overwrite a newer one', async () => {
      const s = store();
      await s.recordRun(audit('exec-new', T2, [{ ...pending, severity: 'critical' }]));
      const old = await s.recordRun(audit('exec-old', T1, [{ ...pending, status: 'pass' }]));
      expect(old.changes).toMatchObject({ opened: [], resolved: [], escalated: [] });
      const [item] = await s.list({ deployment: 'prod' });
      expect(item).toMatchObject({
        status: 'open',
        severity: 'critical',
        lastRun: 'exec-new',
        occurrences: 1,
      });
    });

    it('alerts a single check that could not run, but not the checks of a group that failed as a whole', async () => {
      const s = store();
      const out = await s.recordRun(
        audit('exec-1', T1, [templates, healthz], { infra: 'AccessDenied: not allowed' }),
      );
      expect(out.changes.opened.map((f) => [f.checkId, f.status])).toEqual([
        ['templates-available', 'error'],
      ]);
      expect((await s.list({ deployment: 'prod' })).map((f) => f.result)).toEqual(['error', 'error']);

      const fixed = finding('templates-available', 'pass', { resource: 'prod' });
      const next = await s.recordRun(audit('exec-2', T2, [fixed, healthz]));
      expect(next.changes.resolved).toEqual([]);
      expect(await s.list({ deployment: 'prod', open: true })).toHaveLength(1);
    });

    it('reports a group that failed as a whole in 3 consecutive runs, then every 24 runs', async () => {
      const s = store();
      const failing = async (n: number, errors: Record<string, string>): Promise<number[]> => {
        const at = new Date(Date.parse(T1) + n * 3_600_000).toISOString();
        const out = await s.recordRun(audit(`exec-${n}`, at, [quota], errors));
        return out.changes.failingGroups.map((g) => g.consecutiveRuns);
      };
      const down = { database: 'Task timed out after 60.00 seconds' };
      expect(await failing(1, down)).toEqual([]);
      expect(await failing(2, down)).toEqual([]);
      const third = await s.recordRun(audit('exec-3', T4, [quota], down));
      expect(third.changes.failingGroups).toEqual([
        { group: 'database', consecutiveRuns: 3, error: 'Task timed out after 60.00 seconds' },
      ]);
      expect(third.changes.opened).toEqual([]);
      expect(await failing(4, down)).toEqual([]);
      expect(await failing(5, {})).toEqual([]);
      expect(await failing(6, down)).toEqual([]);
      expect(await failing(7, down)).toEqual([]);
      expect(await failing(8, down)).toEqual([3]);
      for (let n = 9; n < 8 + 24; n++) expect(await failing(n, down)).toEqual([]);
      expect(await failing(8 + 24, down)).toEqual([27]);
    });

    describe('Rule: what could not be read never resolves an open finding', () => {
      const keyOld = finding('provisioner-key-age', 'fail', { resource: 'coder:coder/provisionerkey/old' });
      const keyFresh = finding('provisioner-key-age', 'pass', { resource: 'coder:coder/provisionerkey/new' });
      const skipped = finding('provisioner-key-age', 'skipped', {
        resource: 'coder:coder/provisionerkeys/coder',
        key: 'unreadable',
        severity: 'info',
      });
      const tpl = finding('templates-available', 'fail', { resource: 'coder:coder/template/pod-swdev' });
      const tplError = {
        ...finding('templates-available', 'error', { resource: 'coder:coder/template/pod-swdev' }),
        detail: 'ACL of template pod-swdev not evaluated: HTTP 500.',
        severity: 'medium' as const,
      };

      it('Noncompliance 1: a skipped result (role or licence) keeps the open failures of its check open', async () => {
        const s = store();
        await s.recordRun(audit('exec-1', T1, [keyOld, keyFresh]));
        // The token lost its role: the check reads nothing and says so, it does not pass.
        const out = await s.recordRun(audit('exec-2', T2, [skipped]));
        expect(out.changes.resolved).toEqual([]);
        expect(out.changes.opened).toEqual([]);
        const open = await s.list({ deployment: 'prod', open: true });
        expect(open.map((f) => [f.resource, f.result, f.lastSeen])).toEqual([
          ['coder:coder/provisionerkey/old', 'fail', T1],
        ]);
        // The role is back and the key was rotated: now it resolves, and the alert says so.
        const back = await s.recordRun(audit('exec-3', T3, [keyFresh]));
        expect(back.changes.resolved.map((f) => f.resource)).toEqual(['coder:coder/provisionerkey/old']);
      });

      it('Noncompliance 2: an error on the same resource keeps the failure as it was, and its later fix is alerted', async () => {
        const s = store();
        await s.recordRun(audit('exec-1', T1, [tpl]));
        const out = await s.recordRun(audit('exec-2', T2, [tplError]));
        expect(out.changes).toMatchObject({ opened: [], resolved: [], escalated: [] });
        const [item] = await s.list({ deployment: 'prod', open: true });
        expect(item).toMatchObject({ result: 'fail', detail: tpl.detail, severity: 'high', lastSeen: T1 });
        expect(item?.remediation).toEqual(tpl.remediation);
        const fixed = await s.recordRun(
          audit('exec-3', T3, [{ ...tpl, status: 'pass' as const, severity: 'info' as const }]),
        );
        expect(fixed.changes.resolved.map((f) => [f.resource, f.result])).toEqual([
          ['coder:coder/template/pod-swdev', 'fail'],
        ]);
      });

      it('Noncompliance 3: an open "could not check" that turns into a failure is alerted as new', async () => {
        const s = store();
        await s.recordRun(audit('exec-1', T1, [tplError]));
        const out = await s.recordRun(audit('exec-2', T2, [tpl]));
        expect(out.changes.opened.map((f) => [f.resource, f.status])).toEqual([
          ['coder:coder/template/pod-swdev', 'fail'],
        ]);
      });

      it('Compliance: a skipped result never opens anything', async () => {
        const s = store();
        const out = await s.recordRun(audit('exec-1', T1, [skipped]));
        expect(out.changes.opened).toEqual([]);
        expect(await s.list({ deployment: 'prod' })).toEqual([]);
      });
    });

    it('writes many findings with bounded concurrency', async () => {
      const many = Array.from({ length: 40 }, (_, i) =>
        finding('pods-pending', 'fail', { resource: `pod-${i}` }),
      );
      const out = await store({ concurrency: 3 }).recordRun(audit('exec-1', T1, many));
      expect(out.changes.opened).toHaveLength(40);
      expect(await store().list({ deployment: 'prod', open: true })).toHaveLength(40);
    });
  });

  describe('Option: foldUnnotified', () => {
    const folding = () => store({ foldUnnotified: true });

    it('alerts with the next run the changes of a run whose alert was never sent', async () => {
      const s = folding();
      await s.recordRun(audit('exec-1', T1, [sg, pending]));
      await s.markNotified('prod', 'exec-1');
      // exec-2 opens coderd-ready, escalates pods-pending and resolves the SG finding; its alert is lost.
      const lost = await s.recordRun(
        audit('exec-2', T2, [ready, { ...pending, severity: 'critical' }, { ...sg, status: 'pass' }]),
      );
      expect(lost.changes.opened.map((f) => f.checkId)).toEqual(['coderd-ready']);
      const next = await s.recordRun(audit('exec-3', T3, [ready, { ...pending, severity: 'critical' }]));
      expect(next.changes.opened.map((f) => f.checkId)).toEqual(['coderd-ready']);
      expect(next.changes.escalated).toEqual([
        { finding: expect.objectContaining({ checkId: 'pods-pending' }), from: 'medium' },
      ]);
      expect(next.changes.resolved.map((f) => f.checkId)).toEqual(['db-sg-allows-nodes']);
      // The replay of exec-3 returns the folded changes too; once exec-3 is notified, nothing is re-sent.
      const replay = await s.recordRun(audit('exec-3', T3, [ready, { ...pending, severity: 'critical' }]));
      expect(replay.changes.opened.map((f) => f.checkId)).toEqual(['coderd-ready']);
      await s.markNotified('prod', 'exec-3');
      const quiet = await s.recordRun(audit('exec-4', T4, [ready, { ...pending, severity: 'critical' }]));
      expect(quiet.changes).toMatchObject({ opened: [], escalated: [], resolved: [] });
    });

    it('alerts the changes of a run that applied its findings but was never recorded', async () => {
      const s = folding();
      await s.recordRun(audit('exec-1', T1, [pending]));
      await s.markNotified('prod', 'exec-1');
      // exec-2 crashed for good after applying its findings: its item markers hold the change.
      await s.recordRun(audit('exec-2', T2, [pending, ready]));
      await t.doc.send(
        new DeleteCommand({ TableName: t.table, Key: { pk: 'DEP#prod', sk: `RUN#${T2}#exec-2` } }),
      );
      const next = await s.recordRun(audit('exec-3', T3, [pending, ready]));
      expect(next.changes.opened.map((f) => f.checkId)).toEqual(['coderd-ready']);
    });

    it('does not fold without the option, nor what a notified or empty run already settled', async () => {
      await store().recordRun(audit('exec-1', T1, [pending]));
      const unfolded = await store().recordRun(audit('exec-2', T2, [pending]));
      expect(unfolded.changes.opened).toEqual([]);
      const s = folding();
      await s.recordRun(audit('exec-3', T3, [pending, ready]));
      await s.markNotified('prod', 'exec-3');
      await s.recordRun(audit('exec-4', T4, [pending, ready]));
      const later = await s.recordRun(audit('exec-5', '2030-01-01T14:00:00.000Z', [pending, ready]));
      expect(later.changes.opened).toEqual([]);
    });
  });

  describe('Method: saveAlert / alertOf', () => {
    it('keeps the rendered alert with the run, and says once the run is notified', async () => {
      const s = store();
      await s.recordRun(audit('exec-1', T1, [sg]));
      expect(await s.alertOf('prod', 'exec-1')).toEqual({ notified: false });
      const alert = {
        subject: 's',
        text: 't'.repeat(200_000),
        attributes: { severity: 'critical', deployment: 'prod' },
      };
      await s.saveAlert('prod', 'exec-1', alert);
      expect(await s.alertOf('prod', 'exec-1')).toEqual({ alert, notified: false });
      expect(await s.markNotified('prod', 'exec-1')).toBe(true);
      expect((await s.alertOf('prod', 'exec-1')).notified).toBe(true);
      await expect(s.alertOf('prod', 'exec-9')).rejects.toThrow('no run exec-9');
    });
  });

  describe('Method: clearStaleGate', () => {
    it('frees a lock taken before the cutoff and keeps a live one', async () => {
      const s = store();
      const gate = { pk: 'DEP#prod', sk: 'GATE' };
      const lock = (lockedAt: string) =>
        t.doc.send(new PutCommand({ TableName: t.table, Item: { ...gate, lockedBy: 'exec-x', lockedAt } }));
      await lock('2030-01-01T10:00:00.000Z');
      expect(await s.clearStaleGate('prod', '2029-12-31T23:00:00.000Z')).toBe(false);
      const held = await t.doc.send(new GetCommand({ TableName: t.table, Key: gate }));
      expect(held.Item?.lockedBy).toBe('exec-x');
      expect(await s.clearStaleGate('prod', '2030-01-01T10:30:00.000Z')).toBe(true);
      const freed = await t.doc.send(new GetCommand({ TableName: t.table, Key: gate }));
      expect(freed.Item?.lockedBy).toBeUndefined();
      expect(await s.clearStaleGate('prod', '2030-01-01T10:30:00.000Z')).toBe(false);
    });

    it('keeps a lock taken long ago while deploy events keep arriving (trailing debounce)', async () => {
      const s = store();
      const gate = { pk: 'DEP#prod', sk: 'GATE', lockedBy: 'exec-x', lockedAt: '2030-01-01T09:00:00.000Z' };
      await t.doc.send(
        new PutCommand({ TableName: t.table, Item: { ...gate, lastEventAt: '2030-01-01T09:58:00.000Z' } }),
      );
      expect(await s.clearStaleGate('prod', '2030-01-01T09:45:00.000Z')).toBe(false);
      await t.doc.send(
        new PutCommand({ TableName: t.table, Item: { ...gate, lastEventAt: '2030-01-01T09:30:00.000Z' } }),
      );
      expect(await s.clearStaleGate('prod', '2030-01-01T09:45:00.000Z')).toBe(true);
    });
  });

  describe('Method: markNotified', () => {
    it('marks a run once and tells later calls and replays that it was notified', async () => {
      const s = store();
      const run = audit('exec-1', T1, [sg]);
      await s.recordRun(run);
      expect(await s.markNotified('prod', 'exec-1')).toBe(true);
      expect(await s.markNotified('prod', 'exec-1')).toBe(false);
      const replay = await s.recordRun(run);
      expect(replay).toMatchObject({ replay: true, notified: true });
      expect(replay.changes.opened).toHaveLength(1);
    });

    it('refuses a run that was never recorded', async () => {
      await expect(store().markNotified('prod', 'nope')).rejects.toBeInstanceOf(RunNotRecordedError);
    });
  });

  describe('Method: list', () => {
    beforeEach(async () => {
      const s = store();
      await s.recordRun(audit('exec-p1', T1, [sg, ready, pending]));
      await s.recordRun(audit('exec-p2', T2, [{ ...sg, status: 'pass' }, ready, pending]));
      await s.recordRun(audit('exec-s1', T1, [{ ...ready, severity: 'critical' }, pending], {}, 'staging'));
    });

    it('lists open findings of every deployment from the index, most severe first', async () => {
      const open = await store().list({ open: true });
      expect(open.map((f) => [f.deployment, f.checkId, f.severity])).toEqual([
        ['staging', 'coderd-ready', 'critical'],
        ['prod', 'coderd-ready', 'high'],
        ['prod', 'pods-pending', 'medium'],
        ['staging', 'pods-pending', 'medium'],
      ]);
      const critical = await store().list({ open: true, severity: 'critical' });
      expect(critical.map((f) => f.deployment)).toEqual(['staging']);
    });

    it('keeps the index sparse: resolved findings leave it', async () => {
      const index = TABLE_SCHEMA.openBySeverityIndex;
      const out = await t.doc.send(
        new QueryCommand({
          TableName: t.table,
          IndexName: index.name,
          KeyConditionExpression: '#pk = :open',
          ExpressionAttributeNames: { '#pk': index.partitionKey },
          ExpressionAttributeValues: { ':open': 'OPEN' },
        }),
      );
      expect(out.Items?.map((i) => i.checkId).sort()).toEqual([
        'coderd-ready',
        'coderd-ready',
        'pods-pending',
        'pods-pending',
      ]);
    });

    it('filters by deployment, status and severity', async () => {
      const s = store();
      expect((await s.list({ deployment: 'prod', open: false })).map((f) => f.checkId)).toEqual([
        'db-sg-allows-nodes',
      ]);
      expect((await s.list({ deployment: 'staging', severity: 'medium' })).map((f) => f.checkId)).toEqual([
        'pods-pending',
      ]);
      expect((await s.list({ open: false })).map((f) => [f.deployment, f.checkId])).toEqual([
        ['prod', 'db-sg-allows-nodes'],
      ]);
      const all = await s.list();
      expect(all).toHaveLength(5);
      expect(all.at(-1)?.status).toBe('resolved');
      expect(all[0]).not.toHaveProperty('pk');
      expect(all[0]).not.toHaveProperty('gsi1sk');
    });
  });
});
