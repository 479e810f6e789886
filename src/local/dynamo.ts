import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { createDocumentClient } from '../adapters/aws/dynamodb-store.js';
import { DEFAULT_TABLE_NAME, tableDefinition } from '../adapters/aws/table.js';
import { CapacityMeter, type ConsumedCapacityUnits } from './dynamo-capacity.js';
import { LoopbackHttpHandler, type RequestTracker } from './loopback-http-handler.js';

export interface LocalDynamoOptions {
  /** Directory for on-disk persistence (created if missing); in memory when omitted. */
  readonly path?: string;
  /** @default 'breakwater' */
  readonly tableName?: string;
  /**
   * Count the read and write request units the client consumes, as AWS on-demand would bill
   * them (see `dynamo-capacity.ts`). Sizing a write reads the item first, so it costs a little
   * local I/O.
   * @default true
   */
  readonly meterCapacity?: boolean;
}

export interface LocalDynamo {
  /** `http://127.0.0.1:<port>`, for any other SDK client that should reach the same data. */
  readonly endpoint: string;
  /** A DocumentClient for `endpoint`, built like the one on AWS (`removeUndefinedValues`). */
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  /**
   * Request units `documentClient` consumed on the table so far, as AWS on-demand would bill
   * them; zeros when `meterCapacity` is false.
   */
  consumedCapacity(): ConsumedCapacityUnits;
  /**
   * Runs every request from now on as `tracker` work (the embedded engine's clock waits for it);
   * the server boots before the clock is faked, hence this late binding.
   */
  trackRequestsWith(tracker: RequestTracker): void;
  /** Stops the server and flushes the on-disk store; the client is destroyed. */
  close(): Promise<void>;
}

/** dynalite accepts any signature; the SDK still wants credentials to sign with. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const LOCAL_REGION = 'us-east-1';
/** With createTableMs 0 the table turns ACTIVE on the next tick; this is a generous bound. */
const TABLE_ACTIVE_ATTEMPTS = 200;

/**
 * Starts a DynamoDB-compatible server (dynalite) on a free loopback port and makes sure the
 * Breakwater table exists. With `path`, data lives on disk and a restart on the same path keeps
 * it; without, it lives in memory (tests).
 *
 * @example
 * const local = await startLocalDynamo({ path: '.breakwater/dynamo' });
 * const store = new DynamoDeploymentStore({ client: local.documentClient, tableName: local.tableName, clock });
 * // ...
 * await local.close();
 */
export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  if (options.path !== undefined) await mkdir(options.path, { recursive: true });
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path !== undefined ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Node closes an idle keep-alive connection after 5 s; a client that did not retry would then
  // fail its next call with ECONNRESET whenever the process was busy that long. Loopback sockets
  // are cheap: keep them until close() (and the handler still resends on a reset kept-alive socket).
  server.keepAliveTimeout = 0;
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = {
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    // The SDK's retry back-off sleeps on setTimeout, which the embedded engine's virtual clock
    // owns: a hidden retry would park a step forever. Fail fast; the workflow's Retry handles it.
    maxAttempts: 1,
  };
  const handler = new LoopbackHttpHandler();
  const shadowHandler = new LoopbackHttpHandler();
  const documentClient = createDocumentClient({ ...clientConfig, requestHandler: handler });
  // The meter's own reads (item sizes) go through a client it does not meter.
  const shadow =
    options.meterCapacity === false
      ? undefined
      : new DynamoDBClient({ ...clientConfig, requestHandler: shadowHandler });
  const trackRequestsWith = (tracker: RequestTracker) => {
    handler.trackWith(tracker);
    shadowHandler.trackWith(tracker);
  };
  const meter = shadow && new CapacityMeter({ [tableName]: tableDefinition(tableName) }, shadow);
  if (meter) {
    documentClient.middlewareStack.add(meter.returnValuesMiddleware, {
      step: 'initialize',
      name: 'capacityMeterReturnValues',
    });
    documentClient.middlewareStack.add(meter.middleware, { step: 'build', name: 'capacityMeter' });
  }
  const consumedCapacity = (): ConsumedCapacityUnits => meter?.consumed ?? { readUnits: 0, writeUnits: 0 };

  const close = async (): Promise<void> => {
    documentClient.destroy();
    shadow?.destroy();
    // Keep-alive sockets would hold close() open until they time out.
    server.closeIdleConnections();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  };

  try {
    await ensureTable(documentClient, tableName);
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoint, documentClient, tableName, consumedCapacity, trackRequestsWith, close };
}

async function ensureTable(client: DynamoDBDocumentClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(tableDefinition(tableName)));
  } catch (error) {
    // Already there: a restart on the same path.
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
  }
  for (let attempt = 0; attempt < TABLE_ACTIVE_ATTEMPTS; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await sleep(5);
  }
  throw new Error(`local DynamoDB: table "${tableName}" did not become ACTIVE`);
}
