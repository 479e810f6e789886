import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tableDefinition } from '../../src/adapters/aws/table.js';
import { type LocalDynamo, startLocalDynamo } from '../../src/local/dynamo.js';
import { itemSize, tableLayout, writeUnits } from '../../src/local/dynamo-capacity.js';

/*
 * Request units as AWS on-demand bills them, counted by the local DynamoDB's meter against
 * dynalite. Sizes are exact: "pk" + "P#n" is 5 bytes, "sk" + "S#1" 5 bytes, "data" + n chars 4 + n.
 */

const KB = 1024;
let local: LocalDynamo;
let sequence = 0;
let pk: string;

/** A fresh item of exactly `bytes` (ASCII), in a partition of its own. */
function item(bytes: number, extra: Record<string, unknown> = {}, sk = 'S#1') {
  const extraBytes = Object.entries(extra).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
  return { pk, sk, ...extra, data: 'x'.repeat(bytes - 5 - 2 - sk.length - 4 - extraBytes) };
}

async function consumed<T>(work: () => Promise<T>): Promise<{ read: number; write: number; result: T }> {
  const before = local.consumedCapacity();
  const result = await work();
  const after = local.consumedCapacity();
  return { read: after.readUnits - before.readUnits, write: after.writeUnits - before.writeUnits, result };
}

/** Sends a DocumentClient command; the tests read outputs loosely. */
const send = (command: { readonly input: object }) =>
  local.documentClient.send(command as never) as Promise<Record<string, unknown>>;

beforeAll(async () => {
  local = await startLocalDynamo();
});
afterAll(async () => {
  await local.close();
});
beforeEach(() => {
  // A partition per test, "P#A", "P#B"…: three characters, as the sizes above count.
  sequence += 1;
  pk = `P#${String.fromCharCode(64 + sequence)}`;
});

describe('local DynamoDB capacity meter: writes', () => {
  it('bills a Put of a 5 KB item 5 write units', async () => {
    const TableName = local.tableName;
    const { write, read } = await consumed(() => send(new PutCommand({ TableName, Item: item(5 * KB) })));
    expect(write).toBe(5);
    expect(read).toBe(0);
  });

  it('bills a Put that replaces an item by the larger of the two', async () => {
    const TableName = local.tableName;
    await send(new PutCommand({ TableName, Item: item(5 * KB) }));

    const { write } = await consumed(() => send(new PutCommand({ TableName, Item: item(KB) })));

    expect(write).toBe(5);
  });

  it('rounds a write up to the next 1 KB and bills at least one unit', async () => {
    const TableName = local.tableName;
    const small = await consumed(() => send(new PutCommand({ TableName, Item: item(100) })));
    const justOver = await consumed(() => send(new PutCommand({ TableName, Item: item(KB + 1, {}, 'S#2') })));
    expect(small.write).toBe(1);
    expect(justOver.write).toBe(2);
  });

  it('bills an Update by the larger of the item before and after, whatever it returns', async () => {
    const TableName = local.tableName;
    await send(new PutCommand({ TableName, Item: item(KB) }));
    const grow = (ReturnValues?: 'ALL_NEW') =>
      send(
        new UpdateCommand({
          TableName,
          Key: { pk, sk: 'S#1' },
          UpdateExpression: 'SET #d = :d',
          ExpressionAttributeNames: { '#d': 'data' },
          ExpressionAttributeValues: { ':d': 'y'.repeat(3 * KB - 14) },
          ...(ReturnValues ? { ReturnValues } : {}),
        }),
      );

    const toThree = await consumed(() => grow());
    const again = await consumed(() => grow('ALL_NEW'));

    expect(toThree.write).toBe(3);
    expect(toThree.result.Attributes).toBeUndefined();
    expect(again.write).toBe(3);
    expect((again.result.Attributes as { data: string }).data).toHaveLength(3 * KB - 14);
  });

  it("gives the caller the output it asked for, though the meter asks for the item's old or new image", async () => {
    const TableName = local.tableName;
    const Key = { pk, sk: 'S#1' };

    const put = await send(new PutCommand({ TableName, Item: item(KB) }));
    const replace = await send(new PutCommand({ TableName, Item: item(KB), ReturnValues: 'ALL_OLD' }));
    const update = await send(
      new UpdateCommand({
        TableName,
        Key,
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': 1 },
      }),
    );
    const removed = await send(new DeleteCommand({ TableName, Key }));

    expect(put.Attributes).toBeUndefined();
    expect(replace.Attributes).toMatchObject({ pk, sk: 'S#1' });
    expect(update.Attributes).toBeUndefined();
    expect(removed.Attributes).toBeUndefined();
  });

  it('bills a Delete by the size deleted, and 1 unit when nothing was there', async () => {
    const TableName = local.tableName;
    await send(new PutCommand({ TableName, Item: item(3 * KB) }));
    const Key = { pk, sk: 'S#1' };

    const existing = await consumed(() => send(new DeleteCommand({ TableName, Key })));
    const missing = await consumed(() => send(new DeleteCommand({ TableName, Key })));

    expect(existing.write).toBe(3);
    expect(missing.write).toBe(1);
  });

  it('bills a failed conditional Put by the larger of the existing and attempted item, and still fails it', async () => {
    const TableName = local.tableName;
    await send(new PutCommand({ TableName, Item: item(2 * KB) }));
    const putIfAbsent = (bytes: number) =>
      send(new PutCommand({ TableName, Item: item(bytes), ConditionExpression: 'attribute_not_exists(pk)' }));

    const first = local.consumedCapacity().writeUnits;
    await expect(putIfAbsent(512)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    const second = local.consumedCapacity().writeUnits;
    await expect(putIfAbsent(3 * KB)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    const third = local.consumedCapacity().writeUnits;

    expect(second - first).toBe(2);
    expect(third - second).toBe(3);
  });

  it('bills a failed conditional Update of a missing item 1 write unit', async () => {
    const TableName = local.tableName;
    const before = local.consumedCapacity().writeUnits;

    await expect(
      send(
        new UpdateCommand({
          TableName,
          Key: { pk, sk: 'S#1' },
          UpdateExpression: 'SET #s = :s',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'done' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });

    expect(local.consumedCapacity().writeUnits - before).toBe(1);
  });

  it('bills the global secondary index too when the item is in it', async () => {
    // Prepare: a 1.5 KB item with both gsi1 key attributes (projection ALL: the entry is the item).
    const TableName = local.tableName;
    const indexed = item(1536, { gsi1pk: 'G', gsi1sk: 'A' });

    // Act
    const put = await consumed(() => send(new PutCommand({ TableName, Item: indexed })));
    const setData = await consumed(() =>
      send(
        new UpdateCommand({
          TableName,
          Key: { pk, sk: 'S#1' },
          UpdateExpression: 'SET #d = :d',
          ExpressionAttributeNames: { '#d': 'data' },
          ExpressionAttributeValues: { ':d': 'z'.repeat(indexed.data.length) },
        }),
      ),
    );
    const moveKey = await consumed(() =>
      send(
        new UpdateCommand({
          TableName,
          Key: { pk, sk: 'S#1' },
          UpdateExpression: 'SET gsi1sk = :b',
          ExpressionAttributeValues: { ':b': 'B' },
        }),
      ),
    );
    const leaveIndex = await consumed(() =>
      send(new UpdateCommand({ TableName, Key: { pk, sk: 'S#1' }, UpdateExpression: 'REMOVE gsi1pk' })),
    );
    const unchanged = await consumed(() =>
      send(
        new UpdateCommand({
          TableName,
          Key: { pk, sk: 'S#1' },
          UpdateExpression: 'SET gsi1sk = :b',
          ExpressionAttributeValues: { ':b': 'B' },
        }),
      ),
    );

    // Assess: table 2 + index 2; table 2 + entry rewritten 2; table 2 + delete 2 + put 2;
    // table 2 + delete 2; an item no longer in the index costs the table only.
    expect(put.write).toBe(4);
    expect(setData.write).toBe(4);
    expect(moveKey.write).toBe(6);
    expect(leaveIndex.write).toBe(4);
    expect(unchanged.write).toBe(2);
  });

  it('counts strings in UTF-8 bytes', async () => {
    // "é" is 2 bytes in UTF-8 (one UTF-16 code unit): 600 of them are 1,200 bytes, over 1 KB.
    const TableName = local.tableName;
    const { write } = await consumed(() =>
      send(new PutCommand({ TableName, Item: { pk, sk: 'S#1', t: 'é'.repeat(600) } })),
    );
    expect(write).toBe(2);
  });
});

describe('local DynamoDB capacity meter: reads', () => {
  it('bills a strongly consistent Get of a 5 KB item 2 read units, an eventually consistent one 1', async () => {
    const TableName = local.tableName;
    await send(new PutCommand({ TableName, Item: item(5 * KB) }));
    const Key = { pk, sk: 'S#1' };

    const strong = await consumed(() => send(new GetCommand({ TableName, Key, ConsistentRead: true })));
    const eventual = await consumed(() => send(new GetCommand({ TableName, Key })));

    expect(strong.read).toBe(2);
    expect(eventual.read).toBe(1);
    expect(strong.write).toBe(0);
  });

  it('bills a Get of a missing item the minimum: 1 unit, or half when eventually consistent', async () => {
    const TableName = local.tableName;
    const Key = { pk, sk: 'nothing' };
    const strong = await consumed(() => send(new GetCommand({ TableName, Key, ConsistentRead: true })));
    const eventual = await consumed(() => send(new GetCommand({ TableName, Key })));
    expect(strong.read).toBe(1);
    expect(eventual.read).toBe(0.5);
  });

  it('bills a Get by the whole item even when it projects one attribute', async () => {
    const TableName = local.tableName;
    await send(new PutCommand({ TableName, Item: item(9 * KB) }));

    const { read, result } = await consumed(() =>
      send(
        new GetCommand({
          TableName,
          Key: { pk, sk: 'S#1' },
          ConsistentRead: true,
          ProjectionExpression: 'sk',
        }),
      ),
    );

    expect(result.Item).toEqual({ sk: 'S#1' });
    expect(read).toBe(3);
  });

  it('bills a Query by the sum of the item sizes rounded up once, not per item', async () => {
    // Three 1.5 KB items are 4.5 KB together: 2 units, where three GetItems would be 3.
    const TableName = local.tableName;
    for (const sk of ['S#1', 'S#2', 'S#3'])
      await send(new PutCommand({ TableName, Item: item(1536, {}, sk) }));
    const query = (ConsistentRead: boolean) =>
      send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead,
        }),
      );

    const strong = await consumed(() => query(true));
    const eventual = await consumed(() => query(false));

    expect((strong.result.Items as unknown[]).length).toBe(3);
    expect(strong.read).toBe(2);
    expect(eventual.read).toBe(1);
  });

  it('bills a Query for the items it read, even those its filter drops, and at least the minimum when empty', async () => {
    const TableName = local.tableName;
    for (const sk of ['S#1', 'S#2', 'S#3'])
      await send(new PutCommand({ TableName, Item: item(3 * KB, {}, sk) }));

    const filtered = await consumed(() =>
      send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: '#d = :never',
          ExpressionAttributeNames: { '#d': 'data' },
          ExpressionAttributeValues: { ':pk': pk, ':never': 'no' },
          ConsistentRead: true,
        }),
      ),
    );
    const empty = await consumed(() =>
      send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'P#nowhere' },
        }),
      ),
    );

    expect(filtered.result.Items).toEqual([]);
    expect(filtered.read).toBe(3);
    expect(empty.read).toBe(0.5);
  });

  it('bills a Query that only counts as one that reads the items', async () => {
    const TableName = local.tableName;
    for (const sk of ['S#1', 'S#2']) await send(new PutCommand({ TableName, Item: item(3 * KB, {}, sk) }));

    const { read, result } = await consumed(() =>
      send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          Select: 'COUNT',
          ConsistentRead: true,
        }),
      ),
    );

    expect(result.Count).toBe(2);
    expect(read).toBe(2);
  });

  it('bills a Query of the global secondary index as eventually consistent', async () => {
    const TableName = local.tableName;
    await send(new PutCommand({ TableName, Item: item(6 * KB, { gsi1pk: `G-${pk}`, gsi1sk: 'A' }) }));

    const { read } = await consumed(() =>
      send(
        new QueryCommand({
          TableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :g',
          ExpressionAttributeValues: { ':g': `G-${pk}` },
        }),
      ),
    );

    expect(read).toBe(1);
  });
});

describe('local DynamoDB capacity meter: agreement', () => {
  it("agrees with dynalite's own ConsumedCapacity where dynalite is right (ASCII, not indexed)", async () => {
    const raw = new DynamoDBClient({
      endpoint: local.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const Item = { pk: { S: pk }, sk: { S: 'S#1' }, data: { S: 'q'.repeat(7000) }, n: { N: '12345' } };
      const { ConsumedCapacity } = await raw.send(
        new PutItemCommand({ TableName: local.tableName, Item, ReturnConsumedCapacity: 'TOTAL' }),
      );
      const layout = tableLayout(tableDefinition(local.tableName));
      expect(writeUnits(layout, undefined, Item)).toBe(ConsumedCapacity?.CapacityUnits);
      expect(itemSize(Item)).toBe(2 + 3 + 2 + 3 + 4 + 7000 + 1 + 4);
    } finally {
      raw.destroy();
    }
  });

  it('meters nothing when asked not to', async () => {
    const unmetered = await startLocalDynamo({ meterCapacity: false });
    try {
      await unmetered.documentClient.send(
        new PutCommand({ TableName: unmetered.tableName, Item: { pk: 'a', sk: 'b' } }),
      );
      expect(unmetered.consumedCapacity()).toEqual({ readUnits: 0, writeUnits: 0 });
    } finally {
      await unmetered.close();
    }
  });
});
