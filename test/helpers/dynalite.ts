// The local DynamoDB lives in sim/ (the demo uses it too); tests import it from here.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createFindingsTable, localClients, startDynalite, type Dynalite } from '../../sim/dynamodb.js';

export {
  createFindingsTable,
  localClientConfig,
  localClients,
  startDynalite,
  type Dynalite,
} from '../../sim/dynamodb.js';

/** A test file's local DynamoDB: one dynalite, its clients, and a fresh findings table for every test. */
export interface FindingsTables {
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  /** The current test's table (`<prefix>-<n>`). */
  readonly table: string;
}

/**
 * Start dynalite for the file (beforeAll, stopped afterAll) and create a new findings table before each test,
 * so that no test sees another's items.
 */
export function findingsTables(prefix: string): FindingsTables {
  let db: Dynalite | undefined;
  let clients: { client: DynamoDBClient; doc: DynamoDBDocumentClient } | undefined;
  let table = '';
  let n = 0;
  beforeAll(async () => {
    db = await startDynalite();
    clients = localClients(db.endpoint);
  });
  afterAll(async () => {
    clients?.client.destroy();
    await db?.stop();
  });
  beforeEach(async () => {
    table = `${prefix}-${++n}`;
    await createFindingsTable(clients!.client, table);
  });
  return {
    get client() {
      return clients!.client;
    },
    get doc() {
      return clients!.doc;
    },
    get table() {
      return table;
    },
  };
}
