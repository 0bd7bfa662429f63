import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE_SCHEMA } from '../lambdas/store/findings-store.js';

/** dynalite has no type definitions: the part of its API used here. */
type DynaliteFactory = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

export interface Dynalite {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  stop(): Promise<void>;
}

const listen = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
const close = (server: Server): Promise<void> =>
  new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));

/** One JSON call to dynalite over the wire (the proxy's own reads). */
function call(
  port: number,
  headers: IncomingHttpHeaders,
  target: string,
  body: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        headers: { ...headers, 'x-amz-target': target, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Start an in-memory dynalite on a random loopback port, behind a small proxy that adds what dynalite lacks
 * and DynamoDB has: `ReturnValuesOnConditionCheckFailure: ALL_OLD` (a failed conditional write returns the
 * item it found in the error body, as DynamoDB does; Powertools Idempotency reads it there). dynalite ignores
 * the parameter; the proxy reads the item back right after the failed write (consistent read: not atomic
 * with the write, which tests do not race). Still missing: TTL deletion and transactions.
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#DDB-PutItem-request-ReturnValuesOnConditionCheckFailure)
 */
export async function startDynalite(): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listen(server);
  const keyNames = new Map<string, string[]>();
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const body = Buffer.concat(chunks).toString();
        const target = String(req.headers['x-amz-target'] ?? '');
        const out = await call(port, req.headers, target, body);
        let payload = out.body;
        const op = target.split('.').pop();
        if (
          out.status === 400 &&
          payload.includes('ConditionalCheckFailedException') &&
          /^(PutItem|UpdateItem|DeleteItem)$/.test(op ?? '')
        ) {
          const input = JSON.parse(body) as {
            TableName: string;
            Key?: Record<string, unknown>;
            Item?: Record<string, unknown>;
            ReturnValuesOnConditionCheckFailure?: string;
          };
          if (input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD') {
            let names = keyNames.get(input.TableName);
            if (!names) {
              const t = await call(
                port,
                req.headers,
                'DynamoDB_20120810.DescribeTable',
                JSON.stringify({ TableName: input.TableName }),
              );
              names = (
                JSON.parse(t.body) as { Table: { KeySchema: Array<{ AttributeName: string }> } }
              ).Table.KeySchema.map((k) => k.AttributeName);
              keyNames.set(input.TableName, names);
            }
            const key = input.Key ?? Object.fromEntries(names.map((n) => [n, input.Item?.[n]]));
            const got = await call(
              port,
              req.headers,
              'DynamoDB_20120810.GetItem',
              JSON.stringify({ TableName: input.TableName, Key: key, ConsistentRead: true }),
            );
            const item = (JSON.parse(got.body) as { Item?: unknown }).Item;
            if (item) payload = JSON.stringify({ ...(JSON.parse(payload) as object), Item: item });
          }
        }
        const { 'content-length': _l, 'transfer-encoding': _t, connection: _c, ...headers } = out.headers;
        // The body changed: its CRC32 no longer matches (the SDK checks it when present).
        if (payload !== out.body) delete headers['x-amz-crc32'];
        res.writeHead(out.status, { ...headers, 'content-length': Buffer.byteLength(payload) });
        res.end(payload);
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
            message: String(err),
          }),
        );
      }
    });
  });
  const proxyPort = await listen(proxy);
  return {
    endpoint: `http://127.0.0.1:${proxyPort}`,
    stop: async () => {
      proxy.closeAllConnections();
      await Promise.all([close(proxy), close(server)]);
    },
  };
}

/** Client configuration for a local endpoint (dummy credentials: dynalite does not check them). */
export function localClientConfig(endpoint: string): DynamoDBClientConfig {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  };
}

/** A DynamoDB client and its DocumentClient for a local endpoint. */
export function localClients(endpoint: string): { client: DynamoDBClient; doc: DynamoDBDocumentClient } {
  const client = new DynamoDBClient(localClientConfig(endpoint));
  return { client, doc: DynamoDBDocumentClient.from(client) };
}

/** Create the findings table (keys and index from `TABLE_SCHEMA`) and wait until it is ACTIVE. */
export async function createFindingsTable(
  dynamo: DynamoDBClient | DynamoDBDocumentClient,
  name: string,
): Promise<void> {
  // A DocumentClient shares its base client's handler: table commands go through it unchanged.
  const client = dynamo as DynamoDBClient;
  const s = TABLE_SCHEMA;
  const index = s.openBySeverityIndex;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [s.partitionKey, s.sortKey, index.partitionKey, index.sortKey].map((n) => ({
        AttributeName: n,
        AttributeType: 'S',
      })),
      KeySchema: [
        { AttributeName: s.partitionKey, KeyType: 'HASH' },
        { AttributeName: s.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`table ${name} did not become ACTIVE`);
}
