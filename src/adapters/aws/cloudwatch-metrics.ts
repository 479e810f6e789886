/*
 * MetricSource on CloudWatch GetMetricData: counts the invocations a version served behind an
 * alias, which is what bake calls "data points", and reads a version's minutes (invocations,
 * errors, Duration p50/p99) for the one-box analysis. GetMetricData allows 50 TPS and 500 queries
 * per call, so everything a wave needs goes through here in as few calls as that allows.
 */

import {
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataQuery,
  type MetricDataResult,
  type ScanBy,
} from '@aws-sdk/client-cloudwatch';
import { type InputIssue, InvalidInputError, TransientError } from '../../core/errors.js';
import { assertUniqueIds } from '../../core/validation.js';
import type { VersionMinute } from '../../core/version-minute.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { InvocationQuery, MetricSource, Scope } from '../../ports/fleet.js';
import type { ClientProvider } from './clients.js';
import { type AwsCallContext, withAwsErrors } from './errors.js';

/** GetMetricData accepts at most 500 entries in MetricDataQueries. */
export const METRIC_QUERIES_PER_CALL = 500;

const MINUTE_MS = 60_000;

/** The four metrics of a version minute, each one MetricDataQuery (its Id ends in the field). */
const VERSION_MINUTE_METRICS = [
  { field: 'invocations', metricName: 'Invocations', stat: 'Sum' },
  { field: 'errors', metricName: 'Errors', stat: 'Sum' },
  { field: 'p50Ms', metricName: 'Duration', stat: 'p50' },
  { field: 'p99Ms', metricName: 'Duration', stat: 'p99' },
] as const;

type VersionMinuteField = (typeof VERSION_MINUTE_METRICS)[number]['field'];

/** A query's four metrics go in one call, so 125 versions' minutes fit in a call. */
const VERSION_MINUTE_QUERIES_PER_CALL = Math.floor(METRIC_QUERIES_PER_CALL / VERSION_MINUTE_METRICS.length);

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

/** What a version minute has gathered so far, across results and pages. */
type PartialMinute = { -readonly [F in VersionMinuteField]?: number };

/**
 * Counts invocations per version and reads per-version minutes with GetMetricData (AWS/Lambda,
 * period 60 s, dimensions FunctionName, Resource=function:alias, ExecutedVersion), batching up to
 * 500 metric queries per call and following every page. `clock` decides which minutes have ended.
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
  readonly #clock: Clock;

  constructor(clients: ClientProvider, clock: Clock = systemClock) {
    this.#clients = clients;
    this.#clock = clock;
  }

  async countInvocations(scope: Scope, queries: readonly InvocationQuery[]): Promise<Record<string, number>> {
    const counts = startCounts(queries);
    for (const range of groupByTimeRange(queries, countingWindow)) {
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
    const queries = batch.map((planned) =>
      toMetricDataQuery(planned.queryId, planned.query, 'Invocations', 'Sum'),
    );
    await this.#getMetricData(scope, context, range, queries, undefined, (result) => {
      const callerId = result.Id === undefined ? undefined : callerIds.get(result.Id);
      if (callerId === undefined) {
        return;
      }
      if (result.StatusCode === 'InternalError') {
        // Counting what came back would understate the data points; let the step retry.
        throw new TransientError(
          `GetMetricData in ${scope.region} could not compute invocations for ${JSON.stringify(callerId)} (InternalError)`,
        );
      }
      counts[callerId] = (counts[callerId] ?? 0) + sum(result.Values ?? []);
    });
  }

  /**
   * Minutes of each version (Invocations and Errors Sum, Duration p50 and p99) starting in
   * [startMs, endMs) and ended by the clock, oldest first; a minute without an Invocations
   * datapoint is absent. Four metric queries per version, up to 125 versions per call.
   *
   * @example
   * const minutes = await metrics.versionMinutes(scope, [
   *   { id: 'new', functionName: 'payments', alias: 'live', version: '8', startMs, endMs },
   * ]);
   * minutes.new; // [{ startMs, invocations: 61, errors: 0, p50Ms: 97.2, p99Ms: 180.5 }, ...]
   */
  async versionMinutes(
    scope: Scope,
    queries: readonly InvocationQuery[],
  ): Promise<Record<string, VersionMinute[]>> {
    assertUniqueIds(queries, 'invocation queries');
    const gathered = new Map(queries.map((query) => [query.id, new Map<number, PartialMinute>()]));
    const endedMs = Math.floor(this.#clock.nowMs() / MINUTE_MS) * MINUTE_MS;
    // Whole minutes starting in [startMs, endMs) that have ended: round the start up, the end up
    // (a minute starting before endMs is in), and stop at the last minute that ended.
    const ranges = groupByTimeRange(queries, (query) => ({
      startMs: Math.ceil(query.startMs / MINUTE_MS) * MINUTE_MS,
      endMs: Math.min(Math.ceil(query.endMs / MINUTE_MS) * MINUTE_MS, endedMs),
    }));
    for (const range of ranges) {
      for (let start = 0; start < range.queries.length; start += VERSION_MINUTE_QUERIES_PER_CALL) {
        const batch = range.queries.slice(start, start + VERSION_MINUTE_QUERIES_PER_CALL);
        await this.#readMinutesBatch(scope, range, batch, gathered);
      }
    }
    const answer: Record<string, VersionMinute[]> = {};
    for (const [id, minutes] of gathered) answer[id] = toVersionMinutes(minutes);
    return answer;
  }

  async #readMinutesBatch(
    scope: Scope,
    range: TimeRange,
    batch: readonly PlannedQuery[],
    gathered: Map<string, Map<number, PartialMinute>>,
  ): Promise<void> {
    const targets = new Map<string, { readonly callerId: string; readonly field: VersionMinuteField }>();
    const queries: MetricDataQuery[] = [];
    for (const planned of batch) {
      for (const { field, metricName, stat } of VERSION_MINUTE_METRICS) {
        const id = `${planned.queryId}_${field}`;
        targets.set(id, { callerId: planned.callerId, field });
        queries.push(toMetricDataQuery(id, planned.query, metricName, stat));
      }
    }
    const context = {
      operation: 'GetMetricData',
      resource: `${batch.length} version minute series`,
      region: scope.region,
      account: scope.account,
    };
    // Oldest first, so a page boundary splits the window in time order.
    await this.#getMetricData(scope, context, range, queries, 'TimestampAscending', (result) => {
      const target = result.Id === undefined ? undefined : targets.get(result.Id);
      if (target === undefined) {
        return;
      }
      if (result.StatusCode === 'InternalError') {
        // Minutes with a missing metric would look like minutes without errors; let the step retry.
        throw new TransientError(
          `GetMetricData in ${scope.region} could not compute ${target.field} minutes for ${JSON.stringify(target.callerId)} (InternalError)`,
        );
      }
      const minutes = gathered.get(target.callerId) as Map<number, PartialMinute>;
      const timestamps = result.Timestamps ?? [];
      const values = result.Values ?? [];
      timestamps.forEach((timestamp, i) => {
        const value = values[i];
        const startMs = timestamp.getTime();
        if (value === undefined || startMs < range.startMs || startMs >= range.endMs) {
          return;
        }
        let minute = minutes.get(startMs);
        if (minute === undefined) {
          minute = {};
          minutes.set(startMs, minute);
        }
        minute[target.field] = value;
      });
    });
  }

  /** One GetMetricData request, page after page, each result handed to `onResult`. */
  async #getMetricData(
    scope: Scope,
    context: AwsCallContext,
    range: { readonly startMs: number; readonly endMs: number },
    queries: readonly MetricDataQuery[],
    scanBy: ScanBy | undefined,
    onResult: (result: MetricDataResult) => void,
  ): Promise<void> {
    const client = this.#clients.cloudWatch(scope);
    let nextToken: string | undefined;
    do {
      const input: GetMetricDataCommandInput = {
        MetricDataQueries: [...queries],
        // Dates built from the caller's timestamps, not from the system clock.
        StartTime: new Date(range.startMs),
        EndTime: new Date(range.endMs),
        ...(scanBy === undefined ? {} : { ScanBy: scanBy }),
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      };
      const response = await withAwsErrors(context, () => client.send(new GetMetricDataCommand(input)));
      for (const result of response.MetricDataResults ?? []) onResult(result);
      nextToken = response.NextToken;
    } while (nextToken !== undefined && nextToken !== '');
  }
}

/** The minutes that have an Invocations datapoint (what "the version served" means), oldest first. */
function toVersionMinutes(minutes: ReadonlyMap<number, PartialMinute>): VersionMinute[] {
  const out: VersionMinute[] = [];
  for (const [startMs, minute] of minutes) {
    if (minute.invocations === undefined) continue;
    out.push({
      startMs,
      invocations: minute.invocations,
      // Lambda publishes Errors with every invocation; a missing one counts no error.
      errors: minute.errors ?? 0,
      ...(minute.p50Ms === undefined ? {} : { p50Ms: minute.p50Ms }),
      ...(minute.p99Ms === undefined ? {} : { p99Ms: minute.p99Ms }),
    });
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}

/** Every caller id starts at 0: an id CloudWatch says nothing about had no invocations. */
function startCounts(queries: readonly InvocationQuery[]): Record<string, number> {
  assertUniqueIds(queries, 'invocation queries');
  const counts: Record<string, number> = {};
  for (const query of queries) counts[query.id] = 0;
  return counts;
}

/**
 * Counting takes whole minutes around the window: rounding start down and end up puts the same
 * bake window of many targets in one group and one call.
 */
function countingWindow(query: InvocationQuery): { startMs: number; endMs: number } {
  return {
    startMs: Math.floor(query.startMs / MINUTE_MS) * MINUTE_MS,
    endMs: Math.ceil(query.endMs / MINUTE_MS) * MINUTE_MS,
  };
}

/**
 * One GetMetricData call has a single StartTime/EndTime, so queries are grouped by their range,
 * which `window` widens to whole minutes because the data is per minute (Period 60).
 */
function groupByTimeRange(
  queries: readonly InvocationQuery[],
  window: (query: InvocationQuery) => { startMs: number; endMs: number },
): TimeRange[] {
  const ranges = new Map<string, TimeRange>();
  queries.forEach((query, index) => {
    const { startMs, endMs } = window(query);
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

function toMetricDataQuery(
  id: string,
  query: InvocationQuery,
  metricName: 'Invocations' | 'Errors' | 'Duration',
  stat: 'Sum' | 'p50' | 'p99',
): MetricDataQuery {
  const { functionName, alias, version } = query;
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: metricName,
        // Lambda publishes per-version metrics behind an alias with exactly these three
        // dimensions; a metric query matches only when the whole set matches.
        Dimensions: [
          { Name: 'FunctionName', Value: functionName },
          { Name: 'Resource', Value: `${functionName}:${alias}` },
          { Name: 'ExecutedVersion', Value: version },
        ],
      },
      Period: 60,
      Stat: stat,
    },
    ReturnData: true,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
