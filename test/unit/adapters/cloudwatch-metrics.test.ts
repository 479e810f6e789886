import {
  CloudWatchClient,
  CloudWatchServiceException,
  GetMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ClientProvider } from '../../../src/adapters/aws/clients.js';
import { CloudWatchMetricSource } from '../../../src/adapters/aws/cloudwatch-metrics.js';
import { InvalidInputError, ThrottledError, TransientError } from '../../../src/core/errors.js';
import type { InvocationQuery, Scope } from '../../../src/ports/fleet.js';

const cloudWatchMock = mockClient(CloudWatchClient);
const scope: Scope = { account: '222222222222', region: 'eu-west-1' };
const T0 = Date.parse('2026-11-21T10:00:00.000Z');
const MINUTE_MS = 60_000;

function buildSource() {
  const cloudWatch = new CloudWatchClient({ region: scope.region });
  const clients: ClientProvider = {
    lambda: () => new LambdaClient({ region: scope.region }),
    cloudWatch: () => cloudWatch,
  };
  return new CloudWatchMetricSource(clients);
}

function query(id: string, overrides: Partial<InvocationQuery> = {}): InvocationQuery {
  return {
    id,
    functionName: 'payments',
    alias: 'live',
    version: '8',
    startMs: T0,
    endMs: T0 + 10 * MINUTE_MS,
    ...overrides,
  };
}

function sentInputs() {
  return cloudWatchMock.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
}

describe('CloudWatchMetricSource', () => {
  beforeEach(() => {
    cloudWatchMock.reset();
  });

  it('asks for the per-version Invocations sum behind the alias, under ids CloudWatch accepts', async () => {
    // Prepare
    const source = buildSource();
    cloudWatchMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'q0', Values: [10, 20, 12], StatusCode: 'Complete' }],
    });

    // Act
    const counts = await source.countInvocations(scope, [query('payments/one-box')]);

    // Assess
    expect(sentInputs()).toEqual([
      {
        MetricDataQueries: [
          {
            Id: 'q0',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Lambda',
                MetricName: 'Invocations',
                Dimensions: [
                  { Name: 'FunctionName', Value: 'payments' },
                  { Name: 'Resource', Value: 'payments:live' },
                  { Name: 'ExecutedVersion', Value: '8' },
                ],
              },
              Period: 60,
              Stat: 'Sum',
            },
            ReturnData: true,
          },
        ],
        StartTime: new Date(T0),
        EndTime: new Date(T0 + 10 * MINUTE_MS),
      },
    ]);
    expect(counts).toEqual({ 'payments/one-box': 42 });
  });

  it('sends 1200 queries over the same window in three calls of 500, 500 and 200', async () => {
    // Prepare
    const source = buildSource();
    const queries = Array.from({ length: 1200 }, (_, index) =>
      query(`target-${index}`, { version: `${index}` }),
    );
    cloudWatchMock.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: { Id: string }[] }) => ({
      MetricDataResults: input.MetricDataQueries.map((sent) => ({ Id: sent.Id, Values: [1] })),
    }));

    // Act
    const counts = await source.countInvocations(scope, queries);

    // Assess
    const sent = sentInputs();
    expect(sent.map((input) => input.MetricDataQueries?.length)).toEqual([500, 500, 200]);
    expect(sent[2]?.MetricDataQueries?.[0]?.Id).toBe('q1000');
    expect(
      sent.every((input) => input.MetricDataQueries?.every((q) => /^[a-z][a-zA-Z0-9_]*$/.test(q.Id ?? ''))),
    ).toBe(true);
    expect(Object.keys(counts)).toHaveLength(1200);
    expect(Object.values(counts).every((count) => count === 1)).toBe(true);
  });

  it('groups queries by their window rounded out to whole minutes, one call per window', async () => {
    // Prepare
    const source = buildSource();
    const queries = [
      query('a', { startMs: T0 + 15_000, endMs: T0 + 5 * MINUTE_MS + 1 }),
      query('b', { startMs: T0 + 59_999, endMs: T0 + 6 * MINUTE_MS }),
      query('c', { startMs: T0 + 2 * MINUTE_MS, endMs: T0 + 3 * MINUTE_MS }),
    ];
    cloudWatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act
    await source.countInvocations(scope, queries);

    // Assess
    const sent = sentInputs();
    expect(
      sent.map((input) => [input.StartTime, input.EndTime, input.MetricDataQueries?.map((q) => q.Id)]),
    ).toEqual([
      [new Date(T0), new Date(T0 + 6 * MINUTE_MS), ['q0', 'q1']],
      [new Date(T0 + 2 * MINUTE_MS), new Date(T0 + 3 * MINUTE_MS), ['q2']],
    ]);
  });

  it('follows NextToken and sums the values of every page per id', async () => {
    // Prepare
    const source = buildSource();
    cloudWatchMock
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'q0', Values: [5, 5], StatusCode: 'PartialData' },
          { Id: 'q1', Values: [1], StatusCode: 'PartialData' },
        ],
        NextToken: 'more',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'q0', Values: [7], StatusCode: 'Complete' },
          { Id: 'q1', Values: [], StatusCode: 'Complete' },
        ],
      });

    // Act
    const counts = await source.countInvocations(scope, [query('old', { version: '7' }), query('new')]);

    // Assess
    expect(sentInputs().map((input) => input.NextToken)).toEqual([undefined, 'more']);
    expect(cloudWatchMock).toHaveReceivedNthCommandWith(GetMetricDataCommand, 2, {
      NextToken: 'more',
      StartTime: new Date(T0),
    });
    expect(counts).toEqual({ old: 17, new: 1 });
  });

  it('counts 0 for ids CloudWatch does not answer', async () => {
    // Prepare
    const source = buildSource();
    cloudWatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'q1', Values: [3] }] });

    // Act
    const counts = await source.countInvocations(scope, [query('quiet'), query('busy', { version: '9' })]);

    // Assess
    expect(counts).toEqual({ quiet: 0, busy: 3 });
  });

  it('counts 0 without a call for an empty window', async () => {
    // Prepare
    const source = buildSource();

    // Act
    const counts = await source.countInvocations(scope, [query('empty', { startMs: T0, endMs: T0 })]);

    // Assess
    expect(counts).toEqual({ empty: 0 });
    expect(cloudWatchMock).not.toHaveReceivedAnyCommand();
  });

  it('rejects duplicate caller ids, naming where the repeat is', async () => {
    // Prepare
    const source = buildSource();

    // Act
    const result = source.countInvocations(scope, [query('x'), query('y'), query('x')]);

    // Assess
    await expect(result).rejects.toBeInstanceOf(InvalidInputError);
    await expect(result).rejects.toThrow(
      /queries\[2\]\.id: expected ids unique within one call, got "x" again/,
    );
    expect(cloudWatchMock).not.toHaveReceivedAnyCommand();
  });

  it('fails transiently rather than undercount when CloudWatch reports an internal error for a query', async () => {
    // Prepare
    const source = buildSource();
    cloudWatchMock
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [{ Id: 'q0', Values: [1], StatusCode: 'InternalError' }] });

    // Act
    const result = source.countInvocations(scope, [query('one-box')]);

    // Assess
    await expect(result).rejects.toBeInstanceOf(TransientError);
    await expect(result).rejects.toThrow(/"one-box"/);
  });

  it.each([
    ['throttling', 'Throttling', 400, ThrottledError],
    ['a 503', 'ServiceUnavailable', 503, TransientError],
  ])('turns %s into the matching domain error with the cause', async (_label, name, status, expected) => {
    // Prepare
    const source = buildSource();
    const error = new CloudWatchServiceException({
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status },
      message: name,
    });
    cloudWatchMock.on(GetMetricDataCommand).rejects(error);

    // Act
    const result = source.countInvocations(scope, [query('one-box')]);

    // Assess
    await expect(result).rejects.toBeInstanceOf(expected);
    await expect(result).rejects.toMatchObject({ cause: error });
    await expect(result).rejects.toThrow(/^GetMetricData 1 invocation counts in eu-west-1/);
  });
});
