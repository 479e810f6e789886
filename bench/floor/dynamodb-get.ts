import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

/*
 * The floor of the bundle bench (bench/bundles.ts): the least a Breakwater Lambda does — one
 * DynamoDB GetItem through the SDK v3 document client, traced by Powertools Tracer (as
 * functions/lib/aws-deps.ts traces every client) and one Logger line. Never deployed.
 */

const logger = new Logger();
const tracer = new Tracer();
const client = tracer.captureAWSv3Client(DynamoDBDocumentClient.from(new DynamoDBClient({})));

export const handler = async (event: { readonly id: string }): Promise<unknown> => {
  const { Item } = await client.send(
    new GetCommand({ TableName: process.env.TABLE_NAME, Key: { pk: event.id } }),
  );
  logger.info('read', { found: Item !== undefined });
  return Item ?? null;
};
