/*
 * MetricSource on CloudWatch GetMetricData: counts the invocations a version served behind an
 * alias, which is what bake calls "data points". GetMetricData allows 50 TPS and 500 queries per
 * call, so every count a wave needs goes through here in one batch.
 */

import {
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { type InputIssue, InvalidInputError, TransientError } from '../../core/errors.js';
import type { InvocationQuery, MetricSource, Scope } from '../../ports/fleet.js';
import type { ClientProvider } from './clients.js';
import { withAwsErrors } from './errors.js';

/** GetMetricData accepts at most 500 entries in MetricDataQueries. */
export const METRIC_QUERIES_PER_CALL = 500;

const MINUTE_MS = 60_000;

interface PlannedQuery {
  /** Our id, valid for CloudWatch (`^[a-z][a-zA-Z0-9_]*$`); the caller's may not be. */
  readonly queryId: string;
  readonly callerId: string;
  readonly query: InvocationQuery;
}

interface TimeRange {
  readonly startMs: number;
  readonly endMs: number;
  readonly queries: PlannedQuery[];
}

/**
 * Counts invocations per version with GetMetricData (AWS/Lambda `Invocations`, Sum over 60 s,
 * dimensions FunctionName, Resource=function:alias, ExecutedVersion), batching up to 500 queries
 * per call and following every page.
 *
 * @example
 * ```ts
 * const metrics = new CloudWatchMetricSource(new AwsClientProvider({ homeAccount: '111111111111' }));
 * const counts = await metrics.countInvocations({ account: '111111111111', region: 'us-east-1' }, [
 *   { id: 'payments/one-box', functionName: 'payments', alias: 'live', version: '8', startMs, endMs },
 * ]);
 * counts['payments/one-box']; // e.g. 1342
 * ```
 */
export class CloudWatchMetricSource implements MetricSource {
  readonly #clients: ClientProvider;

  constructor(clients: ClientProvider) {
    this.#clients = clients;
  }

  async countInvocations(scope: Scope, queries: readonly InvocationQuery[]): Promise<Record<string, number>> {
    const counts = startCounts(queries);
    for (const range of groupByTimeRange(queries)) {
      for (let start = 0; start < range.queries.length; start += METRIC_QUERIES_PER_CALL) {
        const batch = range.queries.slice(start, start + METRIC_QUERIES_PER_CALL);
        await this.#countBatch(scope, range, batch, counts);
      }
    }
    return counts;
  }

  async #countBatch(
    scope: Scope,
    range: TimeRange,
    batch: readonly PlannedQuery[],
    counts: Record<string, number>,
  ): Promise<void> {
    const callerIds = new Map(batch.map((planned) => [planned.queryId, planned.callerId]));
    const context = {
      operation: 'GetMetricData',
      resource: `${batch.length} invocation counts`,
      region: scope.region,
      account: scope.account,
    };
    const client = this.#clients.cloudWatch(scope);
    let nextToken: string | undefined;
    do {
      const input: GetMetricDataCommandInput = {
        MetricDataQueries: batch.map(toMetricDataQuery),
        // Dates built from the caller's timestamps, not from the system clock.
        StartTime: new Date(range.startMs),
        EndTime: new Date(range.endMs),
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      };
      const response = await withAwsErrors(context, () => client.send(new GetMetricDataCommand(input)));
      for (const result of response.MetricDataResults ?? []) {
        const callerId = result.Id === undefined ? undefined : callerIds.get(result.Id);
        if (callerId === undefined) {
          continue;
        }
        if (result.StatusCode === 'InternalError') {
          // Counting what came back would understate the data points; let the step retry.
          throw new TransientError(
            `GetMetricData in ${scope.region} could not compute invocations for ${JSON.stringify(callerId)} (InternalError)`,
          );
        }
        counts[callerId] = (counts[callerId] ?? 0) + sum(result.Values ?? []);
      }
      nextToken = response.NextToken;
    } while (nextToken !== undefined && nextToken !== '');
  }
}

/** Every caller id starts at 0: an id CloudWatch says nothing about had no invocations. */
function startCounts(queries: readonly InvocationQuery[]): Record<string, number> {
  const counts: Record<string, number> = {};
  const issues: InputIssue[] = [];
  queries.forEach((query, index) => {
    if (Object.hasOwn(counts, query.id)) {
      issues.push({
        path: `queries[${index}].id`,
        message: `expected ids unique within one call, got ${JSON.stringify(query.id)} again`,
        received: query.id,
      });
    }
    counts[query.id] = 0;
  });
  if (issues.length > 0) {
    throw new InvalidInputError('invocation queries', issues);
  }
  return counts;
}

/**
 * One GetMetricData call has a single StartTime/EndTime, so queries are grouped by their range.
 * Ranges are widened to whole minutes because the data is per minute (Period 60): rounding start
 * down and end up puts the same bake window of many targets in one group and one call.
 */
function groupByTimeRange(queries: readonly InvocationQuery[]): TimeRange[] {
  const ranges = new Map<string, TimeRange>();
  queries.forEach((query, index) => {
    const startMs = Math.floor(query.startMs / MINUTE_MS) * MINUTE_MS;
    const endMs = Math.ceil(query.endMs / MINUTE_MS) * MINUTE_MS;
    if (endMs <= startMs) {
      // An empty window holds no invocations, and CloudWatch rejects StartTime >= EndTime.
      return;
    }
    const key = `${startMs}/${endMs}`;
    let range = ranges.get(key);
    if (range === undefined) {
      range = { startMs, endMs, queries: [] };
      ranges.set(key, range);
    }
    range.queries.push({ queryId: `q${index}`, callerId: query.id, query });
  });
  return [...ranges.values()];
}

function toMetricDataQuery(planned: PlannedQuery): MetricDataQuery {
  const { functionName, alias, version } = planned.query;
  return {
    Id: planned.queryId,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        // Lambda publishes per-version metrics behind an alias with exactly these three
        // dimensions; a metric query matches only when the whole set matches.
        Dimensions: [
          { Name: 'FunctionName', Value: functionName },
          { Name: 'Resource', Value: `${functionName}:${alias}` },
          { Name: 'ExecutedVersion', Value: version },
        ],
      },
      Period: 60,
      Stat: 'Sum',
    },
    ReturnData: true,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
