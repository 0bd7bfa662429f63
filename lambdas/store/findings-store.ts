import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  paginateQuery,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AggregatedAudit } from '../audit/aggregate.js';
import type { MuteRule } from '../audit/config.js';
import { AuditError } from '../audit/errors.js';
import type { AlertMessage } from '../notify/render.js';
import { SEVERITIES, Status, type Finding, type Severity } from '../audit/model.js';
import { sortFindings } from '../audit/runner.js';
import { groupCheckId } from '../checks/catalogue.js';
import {
  DEPLOYMENTS_PK,
  GATE_SK,
  OPEN_PK,
  RUN_PREFIX,
  changeOf,
  compact,
  deploymentKey,
  executionKey,
  findingKey,
  openSeverityPrefix,
  planFinding,
  runKey,
  toFinding,
  toStoredFinding,
  type Change,
  type ExecutionItem,
  type FindingItem,
  type RunItem,
} from './items.js';
import { mapLimit } from './limit.js';
import { FindingState, type Changes, type RunOutcome, type StoredFinding } from './types.js';

export type { Changes, RunOutcome, StoredFinding } from './types.js';

/**
 * Key schema of the findings table (all keys are strings), shared by the CDK construct and the tests.
 * Items: `DEP#<deployment>` / `FND#<fingerprint>` (one per finding), `DEP#<deployment>` /
 * `RUN#<startedAt>#<executionId>` (one per run), `DEP#<deployment>` / `EXE#<executionId>` (execution id →
 * run), `DEPLOYMENTS` / `DEP#<deployment>` (registry). The index is sparse: only open findings carry its keys.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  openBySeverityIndex: { name: 'open-by-severity', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;

/** The store was asked about a run it never recorded. */
export class RunNotRecordedError extends AuditError {
  public constructor(deployment: string, executionId: string) {
    super(`no run ${executionId} recorded for deployment ${deployment}`);
    this.name = 'RunNotRecordedError';
  }
}

export interface FindingsStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Clock for `notifiedAt`. Everything else is dated by the run's `startedAt`, so replays agree. */
  now?: () => Date;
  /** Run items expire after this many days. @default 90 */
  runTtlDays?: number;
  /** Resolved findings expire this many days after resolution. @default 90 */
  resolvedTtlDays?: number;
  /** A group failing as a whole is reported once it has failed this many runs in a row. @default 3 */
  groupFailureAlertAfter?: number;
  /** ...and again every this many runs while it keeps failing. @default 24 */
  groupFailureRemindEvery?: number;
  /** Writes in flight at once. @default 8 */
  concurrency?: number;
  /**
   * Fold into a run's changes those of earlier runs whose alert was never sent: every change made after
   * the latest run that was notified (or had nothing to alert), e.g. by a run whose Aggregate or Notify
   * task failed for good. For callers that mark their runs notified (the workflow). @default false
   */
  foldUnnotified?: boolean;
  /**
   * Report open failing findings once they have been open this many hours (`changes.stillOpen`, for the
   * "Finding still open" events). @default none
   */
  stillOpenAfterHours?: number;
}

export interface ListOptions {
  deployment?: string;
  /** true: open only; false: resolved only; undefined: both. */
  open?: boolean;
  severity?: Severity;
}

const DAY_S = 86_400;
const MAX_WRITE_ATTEMPTS = 4;
/** Un-notified runs looked at before giving up on finding the last notified one (then: fold everything). */
const MAX_PENDING_RUNS = 100;

type PendingRun = Pick<RunItem, 'executionId' | 'startedAt' | 'notifiedAt' | 'changes'>;

/** Where alerts stand before a run: changes after `since` (a run's `startedAt`; '' = ever) are unsent. */
interface Watermark {
  since: string;
  /** Failing-group reports of the un-notified runs after `since`. */
  failingGroups: Changes['failingGroups'];
}

const hasChanges = (c: RunItem['changes']): boolean =>
  c.opened.length + c.escalated.length + c.resolved.length + c.failingGroups.length > 0;

function isConditionalFailure(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

const epochSeconds = (iso: string, plusDays: number): number =>
  Math.floor(Date.parse(iso) / 1000) + Math.round(plusDays * DAY_S);

/**
 * DynamoDB state of the audit: one item per (deployment, finding fingerprint) and one per run.
 *
 * `recordRun` is idempotent on the execution id. Each finding is written with a conditional Put that
 * expects the version it read (`lastRun = <the run id it read>`, hence never this execution's id), so a
 * replay skips what it already applied and two runs never overwrite each other blindly; the change a run
 * made is recorded in the item (`openedBy`, `escalatedBy`, `resolvedBy`) and, once the run completes, in
 * its run item, so a replay returns the same change set. A replay of a run older than what the item
 * already holds never writes. Only conditional Put/Update, Get and Query are used (works on dynalite).
 *
 * `error` findings ("could not check") are stored and open like failures, with `result: 'error'`. They are
 * alerted as new when a single check could not run; those of a group that failed as a whole are not
 * (the group is alerted once it fails `groupFailureAlertAfter` runs in a row). They resolve silently.
 */
export class FindingsStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly now: () => Date;
  private readonly runTtlDays: number;
  private readonly resolvedTtlDays: number;
  private readonly alertAfter: number;
  private readonly remindEvery: number;
  private readonly concurrency: number;
  private readonly fold: boolean;
  private readonly stillOpenAfterMs: number | undefined;

  public constructor(opts: FindingsStoreOptions) {
    this.client = opts.client;
    this.table = opts.tableName;
    this.now = opts.now ?? (() => new Date());
    this.runTtlDays = opts.runTtlDays ?? 90;
    this.resolvedTtlDays = opts.resolvedTtlDays ?? 90;
    this.alertAfter = Math.max(1, opts.groupFailureAlertAfter ?? 3);
    this.remindEvery = Math.max(1, opts.groupFailureRemindEvery ?? 24);
    this.concurrency = Math.max(1, opts.concurrency ?? 8);
    this.fold = opts.foldUnnotified ?? false;
    this.stillOpenAfterMs =
      opts.stillOpenAfterHours !== undefined ? opts.stillOpenAfterHours * 3_600_000 : undefined;
  }

  /** Apply one aggregated audit to the stored state and return what changed. */
  public async recordRun(audit: AggregatedAudit): Promise<RunOutcome> {
    const pk = deploymentKey(audit.deployment);
    const sk = runKey(audit.startedAt, audit.executionId);
    const [recorded, state, previous, watermark] = await Promise.all([
      this.get<RunItem>(pk, sk),
      this.queryAll<FindingItem>({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :fnd)',
        ExpressionAttributeValues: { ':pk': pk, ':fnd': findingKey('') },
        ConsistentRead: true,
      }),
      this.previousRun(pk, sk, audit.executionId),
      this.fold ? this.watermark(pk, sk, audit.executionId) : undefined,
    ]);
    const stateByFp = new Map(state.map((i) => [i.fingerprint, i]));
    if (recorded) {
      await this.putExecution(pk, recorded);
      return this.replayed(audit, recorded, stateByFp, previous);
    }

    const current = new Map(audit.findings.map((f) => [f.fingerprint, f]));
    const ranCleanly = checksRanCleanly(audit);
    const fingerprints = [
      ...new Set([
        ...current.keys(),
        ...state.filter((i) => i.status === FindingState.Open).map((i) => i.fingerprint),
      ]),
    ];
    let replay = false;
    const written = await mapLimit(fingerprints, this.concurrency, async (fp) => {
      const r = await this.applyFinding(audit, stateByFp.get(fp), current.get(fp), ranCleanly);
      replay ||= r.replayed;
      return r.item;
    });
    const applied: Array<{ item: FindingItem; change: Change }> = [];
    for (const item of written) {
      const change = item && changeOf(item, audit.executionId);
      if (item && change) applied.push({ item, change });
    }

    const streaks = Object.fromEntries(
      Object.keys(audit.groupErrors).map((g) => [g, (previous?.groupFailureStreaks[g] ?? 0) + 1]),
    );
    const finalState = new Map(stateByFp);
    for (const item of written) if (item) finalState.set(item.fingerprint, item);
    const changes = this.changesOf(audit, applied, streaks, watermark && { watermark, state: finalState });
    const mutes = muteState(audit, previous, this.fold);
    this.addStillOpen(changes, audit, finalState, previous);
    if (mutes?.changed) changes.muteNotices = mutes.notices;
    const run: RunItem = {
      pk,
      sk,
      kind: 'run',
      deployment: audit.deployment,
      executionId: audit.executionId,
      startedAt: audit.startedAt,
      finishedAt: audit.finishedAt,
      durationMs: Math.max(0, Date.parse(audit.finishedAt) - Date.parse(audit.startedAt)),
      summary: audit.summary,
      groupErrors: audit.groupErrors,
      groupFailureStreaks: streaks,
      changes: {
        opened: changes.opened.map((f) => f.fingerprint),
        escalated: changes.escalated.map((e) => ({ fingerprint: e.finding.fingerprint, from: e.from })),
        resolved: changes.resolved.map((s) => s.fingerprint),
        failingGroups: changes.failingGroups,
      },
      expiresAt: epochSeconds(audit.startedAt, this.runTtlDays),
      ...(mutes ? { mutes } : {}),
    };
    try {
      await this.put(run, 'attribute_not_exists(pk)');
    } catch (err) {
      if (!isConditionalFailure(err)) throw err;
      const winner = await this.get<RunItem>(pk, sk);
      if (!winner) throw err;
      await this.putExecution(pk, winner);
      return this.replayed(audit, winner, stateByFp, previous);
    }
    await Promise.all([this.putExecution(pk, run), this.registerDeployment(audit)]);
    return { deployment: audit.deployment, executionId: audit.executionId, replay, changes, notified: false };
  }

  /**
   * Keep the rendered alert of a recorded run with its run item: the Notify task reads it there (it can be
   * close to SNS's 256 KiB, too large for a workflow payload).
   */
  public async saveAlert(deployment: string, executionId: string, alert: AlertMessage): Promise<void> {
    const runSk = await this.runSkOf(deployment, executionId);
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: deploymentKey(deployment), sk: runSk },
        UpdateExpression: 'SET alert = :alert',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':alert': alert },
      }),
    );
  }

  /** The alert saved with a run, and whether it was already published. */
  public async alertOf(
    deployment: string,
    executionId: string,
  ): Promise<{ alert?: AlertMessage; notified: boolean }> {
    const runSk = await this.runSkOf(deployment, executionId);
    const run = await this.get<RunItem>(deploymentKey(deployment), runSk);
    if (!run) throw new RunNotRecordedError(deployment, executionId);
    return { ...(run.alert ? { alert: run.alert } : {}), notified: run.notifiedAt !== undefined };
  }

  /**
   * Free the deployment's debounce lock when no deploy event arrived since `quietSince` (ISO time): a live
   * holder releases its lock at most two settle periods after the last event, so such a lock was left by
   * an execution that stopped. A live lock is kept. True when a lock was freed.
   */
  public async clearStaleGate(deployment: string, quietSince: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: deploymentKey(deployment), sk: GATE_SK },
          UpdateExpression: 'REMOVE lockedBy, lockedAt',
          ConditionExpression:
            'attribute_exists(lockedBy) AND (lastEventAt < :cutoff OR (attribute_not_exists(lastEventAt) AND ' +
            '(attribute_not_exists(lockedAt) OR lockedAt < :cutoff)))',
          ExpressionAttributeValues: { ':cutoff': quietSince },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalFailure(err)) return false;
      throw err;
    }
  }

  /** Record that the run's alert was published. False when it already was (do not publish again). */
  public async markNotified(deployment: string, executionId: string): Promise<boolean> {
    const pk = deploymentKey(deployment);
    const runSk = await this.runSkOf(deployment, executionId);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk, sk: runSk },
          UpdateExpression: 'SET notifiedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(notifiedAt)',
          ExpressionAttributeValues: { ':now': this.now().toISOString() },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalFailure(err)) return false;
      throw err;
    }
  }

  /**
   * Stored findings, most severe first. Without a deployment, open findings come from the sparse
   * open-by-severity index; otherwise each registered deployment's partition is queried.
   */
  public async list(opts: ListOptions = {}): Promise<StoredFinding[]> {
    let items: FindingItem[];
    if (opts.deployment !== undefined) {
      items = await this.findingsOf(opts.deployment);
    } else if (opts.open === true) {
      const index = TABLE_SCHEMA.openBySeverityIndex;
      items = await this.queryAll<FindingItem>({
        IndexName: index.name,
        KeyConditionExpression: `#ipk = :open${opts.severity ? ' AND begins_with(#isk, :sev)' : ''}`,
        ExpressionAttributeNames: {
          '#ipk': index.partitionKey,
          ...(opts.severity ? { '#isk': index.sortKey } : {}),
        },
        ExpressionAttributeValues: {
          ':open': OPEN_PK,
          ...(opts.severity ? { ':sev': openSeverityPrefix(opts.severity) } : {}),
        },
      });
    } else {
      const deployments = await this.queryAll<{ deployment: string }>({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': DEPLOYMENTS_PK },
      });
      const perDeployment = await mapLimit(deployments, this.concurrency, (d) =>
        this.findingsOf(d.deployment),
      );
      items = perDeployment.flat();
    }
    return items
      .filter((i) => opts.open === undefined || (i.status === FindingState.Open) === opts.open)
      .filter((i) => opts.severity === undefined || i.severity === opts.severity)
      .sort(
        (a, b) =>
          (a.status === b.status ? 0 : a.status === FindingState.Open ? -1 : 1) ||
          SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
          a.deployment.localeCompare(b.deployment) ||
          a.checkId.localeCompare(b.checkId) ||
          a.resource.localeCompare(b.resource),
      )
      .map(toStoredFinding);
  }

  /** Sort key of the run item of an execution. */
  private async runSkOf(deployment: string, executionId: string): Promise<string> {
    const pointer = await this.get<ExecutionItem>(deploymentKey(deployment), executionKey(executionId));
    if (!pointer) throw new RunNotRecordedError(deployment, executionId);
    return pointer.runSk;
  }

  /** Write one fingerprint's transition, conditionally on the version read; retried on a lost race. */
  private async applyFinding(
    audit: AggregatedAudit,
    seen: FindingItem | undefined,
    finding: Finding | undefined,
    ranCleanly: ReadonlySet<string>,
  ): Promise<{ item?: FindingItem; replayed: boolean }> {
    let prev = seen;
    for (let attempt = 1; ; attempt++) {
      if (prev?.lastRun === audit.executionId) return { item: prev, replayed: true };
      if (prev && prev.lastRunAt > audit.startedAt) return { replayed: false };
      const checkId = finding?.checkId ?? prev?.checkId ?? '';
      const item = planFinding(prev, finding, {
        deployment: audit.deployment,
        executionId: audit.executionId,
        startedAt: audit.startedAt,
        checkRan: ranCleanly.has(checkId),
        resolvedExpiresAt: epochSeconds(audit.startedAt, this.resolvedTtlDays),
      });
      if (!item) return { replayed: false };
      try {
        if (prev) await this.put(item, 'lastRun = :seen', { ':seen': prev.lastRun });
        else await this.put(item, 'attribute_not_exists(pk)');
        return { item, replayed: false };
      } catch (err) {
        if (!isConditionalFailure(err) || attempt >= MAX_WRITE_ATTEMPTS) throw err;
        prev = await this.get<FindingItem>(item.pk, item.sk);
      }
    }
  }

  /**
   * The alert-worthy part of what a run applied, plus (with `pending`) the failing changes made since
   * the watermark by other executions whose alert was never sent and that still hold in `state`.
   */
  private changesOf(
    audit: AggregatedAudit,
    applied: ReadonlyArray<{ item: FindingItem; change: Change }>,
    streaks: Record<string, number>,
    pending?: { watermark: Watermark; state: ReadonlyMap<string, FindingItem> },
  ): Changes {
    const current = new Map(audit.findings.map((f) => [f.fingerprint, f]));
    const asFinding = (item: FindingItem): Finding => current.get(item.fingerprint) ?? toFinding(item);
    const opened: Finding[] = [];
    const escalated: Changes['escalated'] = [];
    const resolved: StoredFinding[] = [];
    for (const { item, change } of applied) {
      const isFail = item.result === Status.Fail;
      // Muted: open and tracked, but an accepted risk is not news (its mute's own notices say when it ends).
      if (item.muted) continue;
      if (change.kind === 'opened' && (isFail || audit.groupErrors[item.group] === undefined)) {
        opened.push(asFinding(item));
      } else if (change.kind === 'escalated' && isFail) {
        escalated.push({ finding: asFinding(item), from: change.from });
      } else if (change.kind === 'resolved' && isFail) {
        resolved.push(toStoredFinding(item));
      }
    }
    const reported = new Set(
      Object.entries(streaks)
        .filter(([, n]) => n >= this.alertAfter && (n - this.alertAfter) % this.remindEvery === 0)
        .map(([group]) => group),
    );
    if (pending) {
      const { since, failingGroups: unsent } = pending.watermark;
      const changedNow = new Set(applied.map((a) => a.item.fingerprint));
      const within = (at: string | undefined): at is string =>
        at !== undefined && at > since && at <= audit.startedAt;
      for (const item of pending.state.values()) {
        if (changedNow.has(item.fingerprint) || item.result !== Status.Fail || item.muted) continue;
        if (item.status === FindingState.Open) {
          if (within(item.openedAt) || within(item.unmutedAt)) opened.push(asFinding(item));
          else if (within(item.escalatedAt) && item.escalatedFrom)
            escalated.push({ finding: asFinding(item), from: item.escalatedFrom });
        } else if (within(item.resolvedAt) && item.openedAt <= since) {
          resolved.push(toStoredFinding(item));
        }
      }
      for (const g of unsent) if (streaks[g.group] !== undefined) reported.add(g.group);
    }
    const failingGroups = [...reported]
      .map((group) => ({ group, consecutiveRuns: streaks[group] ?? 0, error: audit.groupErrors[group] }))
      .sort((a, b) => a.group.localeCompare(b.group));
    return this.complete(audit, opened, escalated, resolved, compact(failingGroups));
  }

  /** Rebuild the outcome of a run that was already recorded, from its run item. */
  private replayed(
    audit: AggregatedAudit,
    run: RunItem,
    state: Map<string, FindingItem>,
    previous: RunItem | undefined,
  ): RunOutcome {
    const current = new Map(audit.findings.map((f) => [f.fingerprint, f]));
    const find = (fp: string): Finding | undefined => {
      const stored = state.get(fp);
      return current.get(fp) ?? (stored ? toFinding(stored) : undefined);
    };
    const opened = run.changes.opened.map(find).filter((f): f is Finding => f !== undefined);
    const escalated = run.changes.escalated.flatMap((e) => {
      const finding = find(e.fingerprint);
      return finding ? [{ finding, from: e.from }] : [];
    });
    const resolved = run.changes.resolved.flatMap((fp) => {
      const stored = state.get(fp);
      return stored ? [toStoredFinding(stored)] : [];
    });
    const changes = this.complete(audit, opened, escalated, resolved, run.changes.failingGroups);
    if (run.mutes?.changed) changes.muteNotices = run.mutes.notices;
    this.addStillOpen(changes, audit, state, previous);
    return {
      deployment: audit.deployment,
      executionId: audit.executionId,
      replay: true,
      changes,
      notified: run.notifiedAt !== undefined,
    };
  }

  /**
   * Open, failing, un-muted findings whose age crossed `stillOpenAfterHours` between the previous run's
   * start and this one's: each is reported once per episode (a replay reports the same ones).
   */
  private addStillOpen(
    changes: Changes,
    audit: AggregatedAudit,
    state: ReadonlyMap<string, FindingItem>,
    previous: RunItem | undefined,
  ): void {
    if (this.stillOpenAfterMs === undefined) return;
    const now = Date.parse(audit.startedAt);
    const before = previous ? Date.parse(previous.startedAt) : -Infinity;
    changes.stillOpen = [...state.values()]
      .filter((i) => i.status === FindingState.Open && i.result === Status.Fail && !i.muted)
      .filter((i) => {
        const due = Date.parse(i.openedAt) + this.stillOpenAfterMs!;
        return due <= now && due > before;
      })
      .map(toStoredFinding)
      .sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
  }

  /** Order the change lists and add the already-open root causes that changed findings point to. */
  private complete(
    audit: AggregatedAudit,
    opened: Finding[],
    escalated: Changes['escalated'],
    resolved: StoredFinding[],
    failingGroups: Changes['failingGroups'],
  ): Changes {
    const changed = new Set([...opened, ...escalated.map((e) => e.finding)].map((f) => f.fingerprint));
    const wanted = new Set(
      [...opened, ...escalated.map((e) => e.finding)]
        .map((f) => f.rootCause)
        .filter((fp): fp is string => fp !== undefined && !changed.has(fp)),
    );
    const bySeverity = sortFindings(escalated.map((e) => e.finding));
    return {
      opened: sortFindings(opened),
      escalated: [...escalated].sort((a, b) => bySeverity.indexOf(a.finding) - bySeverity.indexOf(b.finding)),
      resolved: [...resolved].sort(
        (a, b) =>
          SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
          a.checkId.localeCompare(b.checkId) ||
          a.resource.localeCompare(b.resource),
      ),
      failingGroups,
      causes: sortFindings(audit.findings.filter((f) => wanted.has(f.fingerprint))),
    };
  }

  /**
   * The latest run before `sk` whose alert was sent or that had nothing to alert: changes made after it
   * were never alerted. Runs are read newest first, a page at a time, up to `MAX_PENDING_RUNS`.
   */
  private async watermark(pk: string, sk: string, executionId: string): Promise<Watermark> {
    const failingGroups: Changes['failingGroups'] = [];
    let seen = 0;
    const pages = paginateQuery(
      { client: this.client, pageSize: 10 },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':pk': pk, ':lo': RUN_PREFIX, ':hi': sk },
        ProjectionExpression: '#e, #s, #n, #c',
        ExpressionAttributeNames: {
          '#e': 'executionId',
          '#s': 'startedAt',
          '#n': 'notifiedAt',
          '#c': 'changes',
        },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const run of (page.Items ?? []) as PendingRun[]) {
        if (run.executionId === executionId) continue;
        if (run.notifiedAt !== undefined || !hasChanges(run.changes)) {
          return { since: run.startedAt, failingGroups };
        }
        failingGroups.push(...run.changes.failingGroups);
        if (++seen >= MAX_PENDING_RUNS) return { since: '', failingGroups };
      }
    }
    return { since: '', failingGroups };
  }

  /** The latest run of the deployment before `sk` (another execution than this one). */
  private async previousRun(pk: string, sk: string, executionId: string): Promise<RunItem | undefined> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':pk': pk, ':lo': RUN_PREFIX, ':hi': sk },
        ScanIndexForward: false,
        Limit: 2,
        ConsistentRead: true,
      }),
    );
    return (out.Items as RunItem[] | undefined)?.find((r) => r.executionId !== executionId);
  }

  private findingsOf(deployment: string): Promise<FindingItem[]> {
    return this.queryAll<FindingItem>({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :fnd)',
      ExpressionAttributeValues: { ':pk': deploymentKey(deployment), ':fnd': findingKey('') },
    });
  }

  private async putExecution(pk: string, run: RunItem): Promise<void> {
    const item: ExecutionItem = {
      pk,
      sk: executionKey(run.executionId),
      kind: 'execution',
      runSk: run.sk,
      expiresAt: run.expiresAt,
    };
    await this.put(item);
  }

  /** Keep the deployment registry current; an older run never overwrites a newer one. */
  private async registerDeployment(audit: AggregatedAudit): Promise<void> {
    const item = {
      pk: DEPLOYMENTS_PK,
      sk: deploymentKey(audit.deployment),
      kind: 'deployment',
      deployment: audit.deployment,
      lastRun: audit.executionId,
      lastRunAt: audit.startedAt,
    };
    try {
      await this.put(item, 'attribute_not_exists(pk) OR lastRunAt < :at', { ':at': audit.startedAt });
    } catch (err) {
      if (!isConditionalFailure(err)) throw err;
    }
  }

  private async get<T>(pk: string, sk: string): Promise<T | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk, sk }, ConsistentRead: true }),
    );
    return out.Item as T | undefined;
  }

  private async put(item: object, condition?: string, values?: Record<string, unknown>): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: compact(item) as Record<string, unknown>,
        ...(condition ? { ConditionExpression: condition } : {}),
        ...(values ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  }

  private async queryAll<T>(input: Omit<QueryCommandInput, 'TableName'>): Promise<T[]> {
    const items: T[] = [];
    for await (const page of paginateQuery({ client: this.client }, { TableName: this.table, ...input })) {
      items.push(...((page.Items ?? []) as T[]));
    }
    return items;
  }
}

/**
 * Checks that produced results and no `error` or `skipped` result in this run (a check that could not read
 * part of its facts cannot say the rest is healthy), outside groups that failed as a whole (plus
 * the placeholder check of each group that ran, which stands for the whole group when it fails).
 */
/**
 * The run's expired and unmatched mutes, keyed by rule, and whether they differ from the previous run's
 * (then, and only then, they go into the alert; with `fold`, also when the previous run's were never
 * sent). Undefined when there are none.
 */
function muteState(audit: AggregatedAudit, previous: RunItem | undefined, fold: boolean): RunItem['mutes'] {
  const m = audit.mutes;
  if (!m || m.notices.length === 0) return undefined;
  const key = (kind: string, r: MuteRule) =>
    JSON.stringify([kind, r.check, r.reasons ?? [], r.resource, r.expires, r.owner]);
  const keys = [
    ...m.expired.map((r) => key('expired', r)),
    ...m.unmatched.map((r) => key('unmatched', r)),
  ].sort();
  const before = previous?.mutes?.keys ?? [];
  // Folding un-notified runs: a change the previous run found but never sent is still news.
  const unsent = fold && previous?.mutes?.changed === true && previous.notifiedAt === undefined;
  const changed = unsent || keys.length !== before.length || keys.some((k, i) => k !== before[i]);
  return { keys, notices: m.notices, changed };
}

function checksRanCleanly(audit: AggregatedAudit): Set<string> {
  const ran = new Set<string>();
  const errored = new Set<string>();
  for (const f of audit.findings) {
    if (f.status === Status.Error || f.status === Status.Skipped || audit.groupErrors[f.group] !== undefined)
      errored.add(f.checkId);
    else ran.add(f.checkId).add(groupCheckId(f.group));
  }
  return new Set([...ran].filter((id) => !errored.has(id)));
}
