import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { allCustomMatcher } from 'aws-sdk-client-mock-vitest';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient, DynamoDeploymentStore } from '../../src/adapters/aws/dynamodb-store.js';
import { ConflictError, ThrottledError, TransientError } from '../../src/core/errors.js';
import type { DeploymentRecord } from '../../src/ports/store.js';

expect.extend(allCustomMatcher);

const TABLE = 'breakwater-test';
const NOW = Date.parse('2026-03-02T10:00:00.000Z');
const client = createDocumentClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const ddb = mockClient(client);
const store = new DynamoDeploymentStore({ client, tableName: TABLE, clock: { nowMs: () => NOW } });

const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
const existing: DeploymentRecord = {
  id: 'd1',
  pipelineName: 'payments',
  pipelineVersion: 1,
  change: { id: 'abc' },
  status: 'running',
  createdAt: '2026-03-02T09:00:00.000Z',
  updatedAt: '2026-03-02T09:00:00.000Z',
};

beforeEach(() => {
  ddb.reset();
});

describe('DynamoDeploymentStore error translation', () => {
  it('turns ProvisionedThroughputExceededException into a retryable ThrottledError with the cause', async () => {
    // Prepare
    const sdkError = new ProvisionedThroughputExceededException({ message: 'slow down', ...metadata(400) });
    ddb.on(GetCommand).rejects(sdkError);

    // Act
    const read = store.getDeployment('d1');

    // Assess
    await expect(read).rejects.toBeInstanceOf(ThrottledError);
    await expect(read).rejects.toMatchObject({ name: 'ThrottledError', retryable: true, cause: sdkError });
  });

  it('turns ThrottlingException on a write into ThrottledError', async () => {
    ddb.on(UpdateCommand).rejects(new ThrottlingException({ message: 'rate exceeded', ...metadata(400) }));

    await expect(store.updateWave('d1', 0, { status: 'baking' })).rejects.toBeInstanceOf(ThrottledError);
  });

  it('turns a 5xx into a retryable TransientError', async () => {
    ddb.on(QueryCommand).rejects(new InternalServerError({ message: 'boom', ...metadata(500) }));

    await expect(store.getDeploymentView('d1')).rejects.toMatchObject({
      name: 'TransientError',
      retryable: true,
    });
    await expect(store.getDeploymentView('d1')).rejects.toBeInstanceOf(TransientError);
  });

  it('passes a client error it has no domain meaning for through unchanged', async () => {
    const validation = Object.assign(new Error('bad expression'), {
      name: 'ValidationException',
      ...metadata(400),
    });
    ddb.on(GetCommand).rejects(validation);

    await expect(store.getDeployment('d1')).rejects.toBe(validation);
  });

  it('names the table and the operation of a throttled call', async () => {
    ddb.on(QueryCommand).rejects(new ThrottlingException({ message: 'rate exceeded', ...metadata(400) }));

    await expect(store.getDeploymentView('d1')).rejects.toThrow(
      /^DynamoDB Query on table breakwater-test was throttled \(ThrottlingException: rate exceeded\)/,
    );
  });

  it('keeps a missing table an unexpected error, not a record that was not found', async () => {
    const missingTable = new ResourceNotFoundException({
      message: 'Requested resource not found',
      ...metadata(400),
    });
    ddb.on(GetCommand).rejects(missingTable);

    await expect(store.getDeployment('d1')).rejects.toBe(missingTable);
  });
});

describe('DynamoDeploymentStore conditional writes', () => {
  it('reads back the existing deployment when a create loses its condition', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', ...metadata(400) }));
    ddb
      .on(GetCommand)
      .resolves({ Item: { pk: 'DEPLOYMENT#d1', sk: 'META', entity: 'deployment', ...existing } });

    const create = store.createDeployment({ ...existing, requestedBy: 'someone-else' });

    await expect(create).rejects.toBeInstanceOf(ConflictError);
    await expect(create).rejects.toMatchObject({ existing });
  });

  it('sets only the defined fields of a patch, stamps updatedAt and guards on existence and status', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { ...existing, status: 'succeeded' } });

    await store.updateDeployment(
      'd1',
      { status: 'succeeded', endedAt: undefined, currentWave: 2 },
      { onlyIfStatusIn: ['running'] },
    );

    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: { pk: 'DEPLOYMENT#d1', sk: 'META' },
      UpdateExpression: 'SET #f0 = :f0, #f1 = :f1, #f2 = :f2',
      ConditionExpression: 'attribute_exists(#pk) AND #status IN (:allowed0)',
      ExpressionAttributeNames: {
        '#f0': 'updatedAt',
        '#f1': 'status',
        '#f2': 'currentWave',
        '#pk': 'pk',
        '#status': 'status',
      },
      ExpressionAttributeValues: {
        ':f0': '2026-03-02T10:00:00.000Z',
        ':f1': 'succeeded',
        ':f2': 2,
        ':allowed0': 'running',
      },
    });
  });

  it('retries a lock that was released between the refused write and the read', async () => {
    ddb
      .on(UpdateCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'held', ...metadata(400) }))
      .resolves({});
    ddb.on(GetCommand).resolves({});

    const result = await store.acquireLock(
      '123456789012:us-east-1:fn:live',
      'd2',
      '2026-03-02T10:00:00.000Z',
    );

    expect(result).toEqual({ acquired: true });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 2);
  });
});
