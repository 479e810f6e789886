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

function buildSource(nowMs = T0 + 60 * MINUTE_MS) {
  const cloudWatch = new CloudWatchClient({ region: scope.region });
  const clients: ClientProvider = {
    lambda: () => new LambdaClient({ region: scope.region }),
    cloudWatch: () => cloudWatch,
  };
  return new CloudWatchMetricSource(clients, { nowMs: () => nowMs });
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

describe('CloudWatchMetricSource.versionMinutes', () => {
  const minute = (i: number) => new Date(T0 + i * MINUTE_MS);
  const metric = (metricName: string, version = '8') => ({
    Namespace: 'AWS/Lambda',
    MetricName: metricName,
    Dimensions: [
      { Name: 'FunctionName', Value: 'payments' },
      { Name: 'Resource', Value: 'payments:live' },
      { Name: 'ExecutedVersion', Value: version },
    ],
  });

  beforeEach(() => {
    cloudWatchMock.reset();
  });

  it('asks for Invocations and Errors Sum and Duration p50 and p99 of the version, oldest first', async () => {
    // Prepare
    const source = buildSource();
    cloudWatchMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'q0_invocations',
          Timestamps: [minute(0), minute(1)],
          Values: [60, 58],
          StatusCode: 'Complete',
        },
        { Id: 'q0_errors', Timestamps: [minute(0), minute(1)], Values: [1, 0], StatusCode: 'Complete' },
        { Id: 'q0_p50Ms', Timestamps: [minute(0), minute(1)], Values: [98.5, 101], StatusCode: 'Complete' },
        { Id: 'q0_p99Ms', Timestamps: [minute(0), minute(1)], Values: [177, 190.25], StatusCode: 'Complete' },
      ],
    });

    // Act
    const minutes = await source.versionMinutes(scope, [query('payments/one-box')]);

    // Assess
    const stat = (id: string, metricName: string, stat: string) => ({
      Id: id,
      MetricStat: { Metric: metric(metricName), Period: 60, Stat: stat },
      ReturnData: true,
    });
    expect(sentInputs()).toEqual([
      {
        MetricDataQueries: [
          stat('q0_invocations', 'Invocations', 'Sum'),
          stat('q0_errors', 'Errors', 'Sum'),
          stat('q0_p50Ms', 'Duration', 'p50'),
          stat('q0_p99Ms', 'Duration', 'p99'),
        ],
        StartTime: new Date(T0),
        EndTime: new Date(T0 + 10 * MINUTE_MS),
        ScanBy: 'TimestampAscending',
      },
    ]);
    expect(minutes).toEqual({
      'payments/one-box': [
        { startMs: T0, invocations: 60, errors: 1, p50Ms: 98.5, p99Ms: 177 },
        { startMs: T0 + MINUTE_MS, invocations: 58, errors: 0, p50Ms: 101, p99Ms: 190.25 },
      ],
    });
  });

  it('keeps only minutes with an Invocations datapoint, and only the statistics CloudWatch returned', async () => {
    // Prepare
    const source = buildSource();
    cloudWatchMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'q0_invocations', Timestamps: [minute(2), minute(4)], Values: [3, 5] },
        { Id: 'q0_errors', Timestamps: [minute(3), minute(4)], Values: [1, 2] },
        { Id: 'q0_p99Ms', Timestamps: [minute(2)], Values: [300] },
      ],
    });

    // Act
    const minutes = await source.versionMinutes(scope, [query('sparse')]);

    // Assess: minute 3 has errors but no invocations; minute 2 has no Errors datapoint.
    expect(minutes).toEqual({
      sparse: [
        { startMs: T0 + 2 * MINUTE_MS, invocations: 3, errors: 0, p99Ms: 300 },
        { startMs: T0 + 4 * MINUTE_MS, invocations: 5, errors: 2 },
      ],
    });
  });

  it('asks only for whole minutes that start in the window and have ended by the clock', async () => {
    // Prepare: the clock is half-way through minute 5.
    const source = buildSource(T0 + 5 * MINUTE_MS + 30_000);
    cloudWatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act
    const minutes = await source.versionMinutes(scope, [
      query('bake', { startMs: T0 + 15_000, endMs: T0 + 10 * MINUTE_MS }),
      query('later', { startMs: T0 + 5 * MINUTE_MS, endMs: T0 + 10 * MINUTE_MS }),
    ]);

    // Assess: minutes 1 to 4; none of 'later' has ended, so it costs no call.
    expect(sentInputs().map((input) => [input.StartTime, input.EndTime])).toEqual([
      [new Date(T0 + MINUTE_MS), new Date(T0 + 5 * MINUTE_MS)],
    ]);
    expect(minutes).toEqual({ bake: [], later: [] });
  });

  it('sends 300 versions over the same window in calls of 125 versions, 500 metric queries each', async () => {
    // Prepare
    const source = buildSource();
    const queries = Array.from({ length: 300 }, (_, index) =>
      query(`target-${index}`, { version: `${index}` }),
    );
    cloudWatchMock.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: { Id: string }[] }) => ({
      MetricDataResults: input.MetricDataQueries.map((sent) => ({
        Id: sent.Id,
        Timestamps: [minute(0)],
        Values: [1],
      })),
    }));

    // Act
    const minutes = await source.versionMinutes(scope, queries);

    // Assess
    const sent = sentInputs();
    expect(sent.map((input) => input.MetricDataQueries?.length)).toEqual([500, 500, 200]);
    expect(sent[2]?.MetricDataQueries?.[0]?.Id).toBe('q250_invocations');
    expect(sent[2]?.MetricDataQueries?.[0]?.MetricStat?.Metric).toEqual(metric('Invocations', '250'));
    expect(Object.keys(minutes)).toHaveLength(300);
    expect(minutes['target-299']).toEqual([{ startMs: T0, invocations: 1, errors: 1, p50Ms: 1, p99Ms: 1 }]);
  });

  it("follows NextToken and puts each minute's statistics back together across pages", async () => {
    // Prepare
    const source = buildSource();
    cloudWatchMock
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'q0_invocations', Timestamps: [minute(0)], Values: [10], StatusCode: 'PartialData' },
          { Id: 'q0_errors', Timestamps: [minute(0)], Values: [1], StatusCode: 'PartialData' },
        ],
        NextToken: 'more',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'q0_invocations', Timestamps: [minute(1)], Values: [12], StatusCode: 'Complete' },
          { Id: 'q0_p50Ms', Timestamps: [minute(1), minute(0)], Values: [90, 80], StatusCode: 'Complete' },
        ],
      });

    // Act
    const minutes = await source.versionMinutes(scope, [query('one-box')]);

    // Assess
    expect(cloudWatchMock).toHaveReceivedNthCommandWith(GetMetricDataCommand, 2, {
      NextToken: 'more',
      ScanBy: 'TimestampAscending',
      StartTime: new Date(T0),
    });
    expect(minutes).toEqual({
      'one-box': [
        { startMs: T0, invocations: 10, errors: 1, p50Ms: 80 },
        { startMs: T0 + MINUTE_MS, invocations: 12, errors: 0, p50Ms: 90 },
      ],
    });
  });

  it('fails transiently rather than report a minute without its errors when CloudWatch has an internal error', async () => {
    // Prepare
    const source = buildSource();
    cloudWatchMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'q0_invocations', Timestamps: [minute(0)], Values: [10], StatusCode: 'Complete' },
        { Id: 'q0_errors', Timestamps: [], Values: [], StatusCode: 'InternalError' },
      ],
    });

    // Act
    const result = source.versionMinutes(scope, [query('one-box')]);

    // Assess
    await expect(result).rejects.toBeInstanceOf(TransientError);
    await expect(result).rejects.toThrow(/errors minutes for "one-box"/);
  });

  it('rejects duplicate caller ids before any call', async () => {
    // Prepare
    const source = buildSource();

    // Act
    const result = source.versionMinutes(scope, [query('x'), query('x', { version: '9' })]);

    // Assess
    await expect(result).rejects.toBeInstanceOf(InvalidInputError);
    await expect(result).rejects.toThrow(/queries\[1\]\.id: expected ids unique within one call/);
    expect(cloudWatchMock).not.toHaveReceivedAnyCommand();
  });

  it('turns throttling into ThrottledError naming the version minutes asked for', async () => {
    // Prepare
    const source = buildSource();
    const error = new CloudWatchServiceException({
      name: 'Throttling',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'Rate exceeded',
    });
    cloudWatchMock.on(GetMetricDataCommand).rejects(error);

    // Act
    const result = source.versionMinutes(scope, [query('one-box')]);

    // Assess
    await expect(result).rejects.toBeInstanceOf(ThrottledError);
    await expect(result).rejects.toThrow(/^GetMetricData 1 version minute series in eu-west-1/);
  });
});
