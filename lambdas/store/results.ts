import { gunzipSync, gzipSync } from 'node:zlib';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AuditError } from '../audit/errors.js';
import type { Finding } from '../audit/model.js';

/** Partition key prefix of the result chunks (the group functions may write these items only). */
export const RESULT_PREFIX = 'RES#';
/**
 * Largest gzip chunk per item: DynamoDB items hold at most 400 KB, attribute names and keys included.
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items)
 */
export const MAX_CHUNK_BYTES = 350 * 1024;
/** Result chunks expire after this many days (the run that reads them lasts minutes). */
const RESULT_TTL_DAYS = 2;

/** Where a group result that travels by reference lives, and what it holds. */
export interface ResultRef {
  /** Partition key of its chunks. */
  key: string;
  chunks: number;
  /** Number of findings (checked when read back). */
  findings: number;
  /** Bytes of JSON before compression. */
  bytes: number;
}

/** A stored result was missing or incomplete when read back. */
export class ResultNotFoundError extends AuditError {
  public constructor(key: string, detail: string) {
    super(`group result ${key}: ${detail}`);
    this.name = 'ResultNotFoundError';
  }
}

/** Partition key of one group result of one execution. */
export const resultKey = (executionId: string, deployment: string, group: string): string =>
  `${RESULT_PREFIX}${executionId}#${deployment}#${group}`;

/**
 * Group results too large for the workflow's 256 KiB state payloads, stored by reference in the findings
 * table: gzip-compressed JSON split into chunks of at most {@link MAX_CHUNK_BYTES}, keyed by execution,
 * deployment and group (a retried task overwrites its own chunks), expiring after two days.
 */
export class ResultStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly now: () => Date;

  public constructor(opts: { client: DynamoDBDocumentClient; tableName: string; now?: () => Date }) {
    this.client = opts.client;
    this.table = opts.tableName;
    this.now = opts.now ?? (() => new Date());
  }

  /** Store the findings under `key`; returns the reference the workflow carries instead. */
  public async put(key: string, findings: readonly Finding[]): Promise<ResultRef> {
    const json = Buffer.from(JSON.stringify(findings), 'utf8');
    const packed = gzipSync(json);
    const chunks: Buffer[] = [];
    for (let at = 0; at < packed.length || chunks.length === 0; at += MAX_CHUNK_BYTES)
      chunks.push(packed.subarray(at, at + MAX_CHUNK_BYTES));
    const expiresAt = Math.floor(this.now().getTime() / 1000) + RESULT_TTL_DAYS * 86_400;
    await Promise.all(
      chunks.map((data, i) =>
        this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: key, sk: chunkKey(i), kind: 'result', of: chunks.length, data, expiresAt },
          }),
        ),
      ),
    );
    return { key, chunks: chunks.length, findings: findings.length, bytes: json.length };
  }

  /** The findings a reference points to; a missing chunk or a count that differs is an error. */
  public async get(ref: ResultRef): Promise<Finding[]> {
    const items: Array<{ sk: string; data: Uint8Array }> = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': ref.key },
          ConsistentRead: true,
          ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
        }),
      );
      items.push(...((page.Items ?? []) as Array<{ sk: string; data: Uint8Array }>));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    const wanted = Array.from({ length: ref.chunks }, (_, i) => chunkKey(i));
    const byKey = new Map(items.map((i) => [i.sk, i.data]));
    const missing = wanted.filter((k) => !byKey.has(k));
    if (missing.length > 0) throw new ResultNotFoundError(ref.key, `missing chunks ${missing.join(', ')}`);
    const json = gunzipSync(Buffer.concat(wanted.map((k) => Buffer.from(byKey.get(k)!))));
    const findings = JSON.parse(json.toString('utf8')) as Finding[];
    if (findings.length !== ref.findings)
      throw new ResultNotFoundError(ref.key, `holds ${findings.length} findings, expected ${ref.findings}`);
    return findings;
  }
}

const chunkKey = (i: number): string => `CHUNK#${String(i).padStart(4, '0')}`;
