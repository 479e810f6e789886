import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeploymentStore } from '../../../src/adapters/aws/dynamodb-store.js';
import { resolvePipeline } from '../../../src/core/pipeline.js';
import { createApiHandler } from '../../../src/handlers/api.js';
import { type LocalDynamo, startLocalDynamo } from '../../../src/local/dynamo.js';
import { EXPECTED, HISTORY, METRICS_PIPELINE, NOW, PERIOD } from '../../support/metrics-history.js';
import {
  apiEvent,
  bodyOf,
  lambdaContext,
  manualClock,
  pipelineDocument,
  RecordingStarter,
  recordingLog,
  sequentialIds,
} from './support.js';

/*
 * GET /pipelines/{name}/metrics on a seeded week of deployments (test/support/metrics-history.ts):
 * the answer is the hand-computed figures, read with at most two DynamoDB Queries.
 */

let local: LocalDynamo;
const sent: string[] = [];

/** The store over a client that notes the name of every command it sends. */
function countingClient(client: DynamoDBDocumentClient): DynamoDBDocumentClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return (command: { constructor: { name: string } }, ...rest: unknown[]) => {
        sent.push(command.constructor.name);
        return (target.send as (...args: unknown[]) => unknown)(command, ...rest);
      };
    },
  });
}

const clock = manualClock(NOW);
let handle: ReturnType<typeof createApiHandler>;

beforeAll(async () => {
  local = await startLocalDynamo();
  const seeding = new DynamoDeploymentStore({
    client: local.documentClient,
    tableName: local.tableName,
    clock,
  });
  await seeding.putPipeline(resolvePipeline(pipelineDocument(METRICS_PIPELINE)), 'test');
  await seeding.putPipeline(resolvePipeline(pipelineDocument('quiet')), 'test');
  for (const d of HISTORY) await seeding.createDeployment(d);
  const store = new DynamoDeploymentStore({
    client: countingClient(local.documentClient),
    tableName: local.tableName,
    clock,
  });
  handle = createApiHandler({
    store,
    starter: new RecordingStarter(),
    clock,
    log: recordingLog(),
    newId: sequentialIds('metrics'),
  });
});

afterAll(async () => {
  await local?.close();
});

async function get(path: string, query?: Record<string, string>) {
  sent.length = 0;
  const response = await handle(
    apiEvent({ method: 'GET', path, ...(query ? { query } : {}) }),
    lambdaContext,
  );
  return { statusCode: response.statusCode, body: bodyOf(response) };
}

describe('GET /pipelines/{name}/metrics', () => {
  it('answers the hand-computed figures of the seeded week with two Queries', async () => {
    const { statusCode, body } = await get(`/pipelines/${METRICS_PIPELINE}/metrics`, PERIOD);

    expect(statusCode).toBe(200);
    expect(body).toMatchObject({
      pipeline: METRICS_PIPELINE,
      from: PERIOD.from,
      to: PERIOD.to,
      days: 7,
      deployments: EXPECTED.deployments,
      frequency: { succeeded: 3, perDay: EXPECTED.perDay, perWeek: EXPECTED.perWeek, bucket: 'day' },
      leadTime: EXPECTED.leadTime,
      changeFailureRate: EXPECTED.changeFailureRate,
      timeToRestore: {
        trafficOff: EXPECTED.trafficOff,
        nextGoodRelease: { ...EXPECTED.nextGoodRelease, unrestored: [] },
      },
      held: EXPECTED.held,
    });
    expect(body.frequency.series.map(({ start: _s, ...counts }: { start: string }) => counts)).toEqual(
      EXPECTED.series,
    );
    // The week's deployments, then the first good release after it (a failure closes the week).
    expect(sent).toEqual(['QueryCommand', 'QueryCommand']);
  });

  it('reads once when every failure of the period is followed by a good release in it', async () => {
    const { statusCode, body } = await get(`/pipelines/${METRICS_PIPELINE}/metrics`, {
      from: PERIOD.from,
      to: '2026-11-06T00:00:00Z',
    });

    expect(statusCode).toBe(200);
    expect(body.deployments.total).toBe(6); // A, B, C, D, E, K
    expect(body.timeToRestore.nextGoodRelease).toMatchObject({ count: 2, medianSeconds: 48_600 });
    expect(body.frequency.series).toHaveLength(4);
    expect(sent).toEqual(['QueryCommand']);
  });

  it('covers the last 30 days by default, charted per day', async () => {
    const { statusCode, body } = await get(`/pipelines/${METRICS_PIPELINE}/metrics`);

    expect(statusCode).toBe(200);
    expect(body.to).toBe(NOW);
    expect(body.from).toBe('2026-10-09T12:00:00.000Z');
    expect(body.frequency.bucket).toBe('day');
    expect(body.frequency.series).toHaveLength(31);
    // Created before now: everything of the week, and J from the day before it.
    expect(body.deployments.total).toBe(11);
  });

  it('charts a long period per week', async () => {
    const { body } = await get(`/pipelines/${METRICS_PIPELINE}/metrics`, {
      from: '2026-06-01T00:00:00Z',
      to: '2026-12-01T00:00:00Z',
    });

    expect(body.frequency.bucket).toBe('week');
    expect(body.frequency.series[0].start).toBe('2026-06-01T00:00:00.000Z');
  });

  it('answers zeros for a registered pipeline with no deployments in the period', async () => {
    const { statusCode, body } = await get('/pipelines/quiet/metrics', PERIOD);

    expect(statusCode).toBe(200);
    expect(body.deployments.total).toBe(0);
    expect(body.changeFailureRate.rate).toBeNull();
    expect(sent).toHaveLength(2);
  });

  it('answers 404 for a pipeline that does not exist', async () => {
    const { statusCode, body } = await get('/pipelines/nope/metrics', PERIOD);

    expect(statusCode).toBe(404);
    expect(body.error).toMatch(/no pipeline "nope"/);
  });

  it.each([
    [
      'from after to',
      { from: '2026-11-09T00:00:00Z', to: '2026-11-02T00:00:00Z' },
      'query.from',
      /expected from \(2026-11-09T00:00:00.000Z\) to come before to \(2026-11-02T00:00:00.000Z\)/,
    ],
    [
      'a period longer than 366 days',
      { from: '2025-01-01T00:00:00Z', to: '2026-11-02T00:00:00Z' },
      'query.from',
      /at most 366 days; .* is 670 days/,
    ],
    ['a from that is not a time', { from: 'last tuesday' }, 'query.from', /ISO 8601 instant/],
    ['a bucket other than day or week', { bucket: 'month' }, 'query.bucket', /day|week/],
    ['an unknown parameter', { since: '2026-11-01T00:00:00Z' }, 'query', /unknown query parameter "since"/],
  ])('answers 400 naming the parameter for %s', async (_case, query, path, message) => {
    const { statusCode, body } = await get(`/pipelines/${METRICS_PIPELINE}/metrics`, query);

    expect(statusCode).toBe(400);
    expect(body.issues).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) })]);
  });
});
