import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CallRecorder } from '../audit/calls.js';
import type { GroupResult } from '../audit/aggregate.js';
import type { DeploymentConfig } from '../audit/config.js';
import { AuditError } from '../audit/errors.js';
import type { CheckGroup } from '../audit/group.js';
import { Status, type GroupId } from '../audit/model.js';
import { runGroup } from '../audit/runner.js';
import { createAwsClients, type AwsClientFactories, type AwsClients } from '../clients/aws.js';
import { ResultStore } from '../store/results.js';
import { documentClient } from './dynamo.js';
import { packGroupResult, type PackedGroupResult } from './payload.js';
import { eventDeployment } from './runtime.js';
import { count, lambdaEntry, lambdaTelemetry, millis, requireEnv, type Telemetry } from './telemetry.js';

/** What the workflow sends a check-group task. */
export interface GroupEvent {
  deployment: string;
  /**
   * The deployment's configuration document (its SSM parameter), read by the child execution for its whole
   * batch with one GetParameters call: the function validates it and calls SSM itself no more.
   */
  document: unknown;
  group: GroupId;
  /** Execution ARN (`$$.Execution.Id`): logged, never used as a clock. */
  executionId: string;
  startedAt: string;
}

export interface GroupHandlerDeps {
  /** Where a result too large for the workflow goes (by reference). */
  results: ResultStore;
  /** Largest result returned inline. @default MAX_INLINE_RESULT_BYTES */
  maxInlineBytes?: number;
  telemetry: Telemetry;
  /** The SDK clients the group's collector may use (its `clients.ts`): a function bundles these only. */
  awsClients: AwsClientFactories;
  /** @default () => new Date() */
  now?: () => Date;
}

/**
 * The recorder the cached clients' counting middleware reports to: it forwards to the current
 * invocation's recorder, so clients live as long as the container while call counts stay per audit.
 */
class RecorderSlot extends CallRecorder {
  public current = new CallRecorder();
  public override track<T>(
    service: string,
    operation: string,
    resource: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    return this.current.track(service, operation, resource, fn);
  }
  public override branch<T>(fn: () => Promise<T>): Promise<T> {
    return this.current.branch(fn);
  }
}

/** A group handler; `close()` releases the cached clients (in-process runs). */
export type GroupHandler = ((event: GroupEvent) => Promise<PackedGroupResult>) & { close(): void };

interface CachedClients {
  aws: AwsClients;
  slot: RecorderSlot;
}

/**
 * The in-process handler of one check group: collect the group's facts once, evaluate its checks, and
 * return a `GroupResult`. AWS clients are built once per deployment per container (Lambda runs one
 * invocation at a time per container, so the recorder slot is never shared by two audits).
 */
export function makeGroupHandler<S>(group: CheckGroup<S>, deps: GroupHandlerDeps): GroupHandler {
  const clients = new Map<string, CachedClients>();
  const clientsFor = (deployment: DeploymentConfig, tracer: Telemetry['tracer']): CachedClients => {
    const key = JSON.stringify(deployment);
    let cached = clients.get(key);
    if (!cached) {
      const slot = new RecorderSlot();
      const aws = createAwsClients(deployment, slot, deps.awsClients, (c) => tracer?.captureAWSv3Client(c));
      cached = { aws, slot };
      clients.set(key, cached);
    }
    return cached;
  };
  const { logger } = deps.telemetry;

  const handle = async (event: GroupEvent): Promise<PackedGroupResult> => {
    if (event?.group !== group.id) {
      throw new AuditError(`this function runs the ${group.id} group, not ${JSON.stringify(event?.group)}`);
    }
    const { deployment } = eventDeployment(event.deployment, event.document);
    logger.appendKeys({ deployment: deployment.id, group: group.id, executionId: event.executionId });
    deps.telemetry.tracer?.putAnnotation('deployment', deployment.id);
    const skipped = group.skipReason(deployment);
    if (skipped) {
      logger.info('group skipped', { reason: skipped });
      return { deployment: deployment.id, group: group.id, findings: [], ms: 0, skipped };
    }
    const { aws, slot } = clientsFor(deployment, deps.telemetry.tracer);
    const calls = new CallRecorder();
    slot.current = calls;
    const memo = new Map<string, Promise<unknown>>();
    const once = <T>(key: string, read: () => Promise<T>): Promise<T> => {
      let p = memo.get(key) as Promise<T> | undefined;
      if (!p) {
        p = read();
        memo.set(key, p);
      }
      return p;
    };
    const t0 = performance.now();
    const findings = await runGroup(group, group.checks, {
      deployment,
      aws,
      calls,
      now: (deps.now ?? (() => new Date()))(),
      log: (message) => logger.debug(message),
      once,
    });
    const ms = Math.round(performance.now() - t0);
    const failing = findings.filter((f) => f.status === Status.Fail).length;
    const errors = findings.filter((f) => f.status === Status.Error).length;
    logger.info('group done', {
      ms,
      findings: findings.length,
      failing,
      errors,
      calls: calls.summary().total,
    });
    count(deps.telemetry, 'FindingsFailing', failing);
    count(deps.telemetry, 'FindingsError', errors);
    millis(deps.telemetry, 'GroupDuration', ms);
    const result: GroupResult = {
      deployment: deployment.id,
      group: group.id,
      findings,
      ms,
      calls: calls.summary(),
    };
    const packed = await packGroupResult(result, {
      store: deps.results,
      executionId: event.executionId,
      ...(deps.maxInlineBytes !== undefined ? { maxInlineBytes: deps.maxInlineBytes } : {}),
    });
    if (packed.ref) {
      logger.info('group result sent by reference', { ...packed.ref });
      count(deps.telemetry, 'GroupResultsByReference');
    }
    return packed;
  };
  return Object.assign(handle, {
    close() {
      for (const c of clients.values()) c.aws.destroy();
      clients.clear();
    },
  });
}

/**
 * The Lambda entry point of one check group: each deployment's configuration comes in the event (the
 * workflow reads it), large results go to the findings table (`TABLE_NAME`). Clients are built on the first
 * invocation.
 */
export async function groupLambda<S>(
  group: CheckGroup<S>,
  awsClients: AwsClientFactories,
): Promise<ReturnType<typeof lambdaEntry<GroupEvent, PackedGroupResult>>> {
  const telemetry = await lambdaTelemetry(`group-${group.id}`);
  let run: GroupHandler | undefined;
  const init = (): GroupHandler => {
    const ddb = new DynamoDBClient({});
    const tracer = telemetry.tracer;
    return makeGroupHandler(group, {
      results: new ResultStore({
        client: documentClient(tracer?.captureAWSv3Client(ddb) ?? ddb),
        tableName: requireEnv('TABLE_NAME'),
      }),
      telemetry,
      awsClients,
    });
  };
  return lambdaEntry(telemetry, (event: GroupEvent) => (run ??= init())(event));
}
