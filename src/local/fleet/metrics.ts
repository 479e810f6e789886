import type { VersionMinute } from '../../core/version-minute.js';
import type { AlarmMetric, AlarmStat } from '../scenario.js';
import type { MinuteSample } from './traffic.js';
import { MINUTE_MS } from './types.js';

/*
 * Per-minute AWS/Lambda datapoints (Invocations, Errors, Throttles, Duration) per alias and
 * ExecutedVersion, and CloudWatch statistics over them. A minute exists only once it has ended on
 * the virtual clock; minutes are generated once, in order, and kept — in flat typed columns, not
 * one object per sample, so days of a few hundred targets fit in tens of MB — with a running total
 * of invocations per version, so counting invocations over any window is two array reads.
 */

/**
 * Tail factors for Duration: the simulator models a mean; p99 (unless noise drew it) and Maximum
 * follow from it.
 */
export const DURATION_P99_FACTOR = 1.8;
export const DURATION_MAX_FACTOR = 3;

/** Produces the samples of one target for the minute starting at `minuteStartMs`. */
export type MinuteSampler = (targetIndex: number, minuteStartMs: number) => MinuteSample[];

/** Entries per chunk of a column: small, so a column's unused tail stays a few KB. */
const CHUNK_BITS = 10;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/**
 * An append-only column of numbers in fixed-size typed-array chunks: growing never copies, and a
 * column never holds more than one partly filled chunk (doubling would hold up to twice the data).
 */
class Column<T extends Float64Array | Int32Array> {
  length = 0;
  private readonly chunks: T[] = [];

  constructor(private readonly make: (size: number) => T) {}

  push(value: number): void {
    if ((this.length & CHUNK_MASK) === 0) this.chunks.push(this.make(CHUNK));
    (this.chunks[this.length >>> CHUNK_BITS] as T)[this.length & CHUNK_MASK] = value;
    this.length++;
  }

  at(index: number): number {
    return (this.chunks[index >>> CHUNK_BITS] as T)[index & CHUNK_MASK] as number;
  }

  last(): number {
    return this.at(this.length - 1);
  }
}

const float64s = () => new Column((n) => new Float64Array(n));
const int32s = () => new Column((n) => new Int32Array(n));

/** Running total of one version's invocations: `totals[j]` is the sum over its first j minutes. */
interface VersionTotals {
  /** Minute index (from the origin) where the version first served. */
  readonly firstMinute: number;
  readonly totals: Column<Float64Array>;
}

/** Every generated minute of one target, sample by sample, in the order the sampler gave them. */
interface TargetSeries {
  readonly versions: string[];
  readonly versionIndex: Map<string, number>;
  readonly runningTotals: VersionTotals[];
  /** Sample offset where minute i starts (length: minutes + 1). */
  readonly minuteStarts: Column<Int32Array>;
  readonly version: Column<Int32Array>;
  readonly invocations: Column<Float64Array>;
  readonly errors: Column<Float64Array>;
  readonly throttles: Column<Float64Array>;
  readonly durationMs: Column<Float64Array>;
  /** NaN where the sample has no drawn p99. */
  readonly p99Ms: Column<Float64Array>;
}

function emptySeries(): TargetSeries {
  const minuteStarts = int32s();
  minuteStarts.push(0);
  return {
    versions: [],
    versionIndex: new Map(),
    runningTotals: [],
    minuteStarts,
    version: int32s(),
    invocations: float64s(),
    errors: float64s(),
    throttles: float64s(),
    durationMs: float64s(),
    p99Ms: float64s(),
  };
}

/** Stores generated minutes per target; generates them lazily, in order, up to a time. */
export class MetricStore {
  private readonly series: TargetSeries[];
  private generated = 0;

  /**
   * @param originMs first minute with traffic (a whole minute)
   * @param targetCount number of targets, indexed 0..targetCount-1
   * @param sampler called once per target and minute, minutes in order
   */
  constructor(
    readonly originMs: number,
    targetCount: number,
    private readonly sampler: MinuteSampler,
  ) {
    this.series = Array.from({ length: targetCount }, emptySeries);
  }

  /** Start of the first minute not generated yet. */
  get generatedUntilMs(): number {
    return this.originMs + this.generated * MINUTE_MS;
  }

  /** Generates every minute that has ended by `nowMs`. */
  generateThrough(nowMs: number): void {
    while (this.generatedUntilMs + MINUTE_MS <= nowMs) this.generateNext();
  }

  /** Generates exactly the next minute (the simulator interleaves this with alarm evaluation). */
  generateNext(): void {
    const minuteStart = this.generatedUntilMs;
    const minute = this.generated;
    this.series.forEach((series, target) => {
      const samples = this.sampler(target, minuteStart);
      for (const s of samples) {
        let v = series.versionIndex.get(s.version);
        if (v === undefined) {
          v = series.versions.length;
          series.versions.push(s.version);
          series.versionIndex.set(s.version, v);
          const totals = float64s();
          totals.push(0);
          series.runningTotals.push({ firstMinute: minute, totals });
        }
        series.version.push(v);
        series.invocations.push(s.invocations);
        series.errors.push(s.errors);
        series.throttles.push(s.throttles);
        series.durationMs.push(s.durationMs);
        series.p99Ms.push(s.p99Ms ?? Number.NaN);
      }
      series.minuteStarts.push(series.version.length);
      // The sampler gives at most one sample per version and minute.
      series.runningTotals.forEach(({ totals }, v) => {
        const name = series.versions[v];
        let served = 0;
        for (const s of samples) if (s.version === name) served += s.invocations;
        totals.push(totals.last() + served);
      });
    });
    this.generated++;
  }

  /** Samples of a target for a minute; empty when the minute has not ended or had no traffic. */
  samples(targetIndex: number, minuteStartMs: number): readonly MinuteSample[] {
    const index = (minuteStartMs - this.originMs) / MINUTE_MS;
    const series = this.series[targetIndex];
    if (!series || !Number.isInteger(index) || index < 0 || index >= this.generated) return [];
    const out: MinuteSample[] = [];
    for (let i = series.minuteStarts.at(index); i < series.minuteStarts.at(index + 1); i++) {
      const p99Ms = series.p99Ms.at(i);
      out.push({
        version: series.versions[series.version.at(i)] as string,
        invocations: series.invocations.at(i),
        errors: series.errors.at(i),
        throttles: series.throttles.at(i),
        durationMs: series.durationMs.at(i),
        ...(Number.isNaN(p99Ms) ? {} : { p99Ms }),
      });
    }
    return out;
  }

  /**
   * One version's minutes starting in [startMs, endMs) that have ended, oldest first, as
   * CloudWatch reports them per ExecutedVersion: minutes in which it had no invocation are absent.
   *
   * @example store.versionMinutes(0, '2', startMs, endMs) // [{ startMs, invocations: 60, errors: 1, p50Ms: 100, p99Ms: 180 }, ...]
   */
  versionMinutes(targetIndex: number, version: string, startMs: number, endMs: number): VersionMinute[] {
    const series = this.series[targetIndex];
    const v = series?.versionIndex.get(version);
    if (series === undefined || v === undefined) return [];
    const { firstMinute } = series.runningTotals[v] as VersionTotals;
    const first = Math.max(
      this.originMs + firstMinute * MINUTE_MS,
      Math.ceil(startMs / MINUTE_MS) * MINUTE_MS,
    );
    const last = Math.min(endMs, this.generatedUntilMs);
    const out: VersionMinute[] = [];
    for (let minuteStartMs = first; minuteStartMs < last; minuteStartMs += MINUTE_MS) {
      const index = (minuteStartMs - this.originMs) / MINUTE_MS;
      for (let i = series.minuteStarts.at(index); i < series.minuteStarts.at(index + 1); i++) {
        if (series.version.at(i) !== v) continue;
        const invocations = series.invocations.at(i);
        if (invocations > 0) {
          const durationMs = series.durationMs.at(i);
          const p99Ms = series.p99Ms.at(i);
          out.push({
            startMs: minuteStartMs,
            invocations,
            errors: series.errors.at(i),
            p50Ms: durationMs,
            p99Ms: Number.isNaN(p99Ms) ? durationMs * DURATION_P99_FACTOR : p99Ms,
          });
        }
        break;
      }
    }
    return out;
  }

  /**
   * Sum of Invocations of `version` over minutes starting in [startMs, endMs) that have ended.
   * Constant time: the difference of two running totals.
   */
  countInvocations(targetIndex: number, version: string, startMs: number, endMs: number): number {
    const series = this.series[targetIndex];
    const v = series?.versionIndex.get(version);
    if (series === undefined || v === undefined) return 0;
    const first = Math.max(this.originMs, Math.ceil(startMs / MINUTE_MS) * MINUTE_MS);
    const last = Math.min(endMs, this.generatedUntilMs);
    if (last <= first) return 0;
    const fromMinute = (first - this.originMs) / MINUTE_MS;
    const toMinute = fromMinute + Math.ceil((last - first) / MINUTE_MS);
    const { firstMinute, totals } = series.runningTotals[v] as VersionTotals;
    const clamp = (minute: number) => Math.min(Math.max(minute - firstMinute, 0), totals.length - 1);
    return totals.at(clamp(toMinute)) - totals.at(clamp(fromMinute));
  }
}

/** Running totals of samples over a period (and over targets, for regional alarms). */
export interface Aggregate {
  invocations: number;
  errors: number;
  throttles: number;
  durationSum: number;
  durationMax: number;
  readonly parts: DurationPart[];
}

/** One sample's share of a Duration statistic. */
export interface DurationPart {
  readonly invocations: number;
  readonly durationMs: number;
  /** As on the sample: absent when not drawn. */
  readonly p99Ms?: number;
}

/** A sample's (or part's) Duration p99: drawn, or the mean's tail factor. */
export function p99Of(part: { readonly durationMs: number; readonly p99Ms?: number }): number {
  return part.p99Ms ?? part.durationMs * DURATION_P99_FACTOR;
}

export function emptyAggregate(): Aggregate {
  return { invocations: 0, errors: 0, throttles: 0, durationSum: 0, durationMax: 0, parts: [] };
}

/** Adds a minute's sample; `parts` (for p99) only when someone needs them. */
export function addSample(aggregate: Aggregate, sample: MinuteSample, parts = true): void {
  aggregate.invocations += sample.invocations;
  aggregate.errors += sample.errors;
  aggregate.throttles += sample.throttles;
  if (sample.invocations > 0) {
    aggregate.durationSum += sample.invocations * sample.durationMs;
    // A drawn p99 may exceed the mean's tail factor; the Maximum never falls below the p99.
    const maximum = sample.durationMs * DURATION_MAX_FACTOR;
    aggregate.durationMax = Math.max(
      aggregate.durationMax,
      sample.p99Ms === undefined ? maximum : Math.max(maximum, sample.p99Ms),
    );
    if (parts) {
      const { invocations, durationMs, p99Ms } = sample;
      aggregate.parts.push(
        p99Ms === undefined ? { invocations, durationMs } : { invocations, durationMs, p99Ms },
      );
    }
  }
}

/**
 * The CloudWatch statistic of a metric over an aggregate, or `null` when Lambda would have
 * published no datapoint (no invocations; for Throttles, no requests at all). Lambda emits one
 * sample per invocation (Errors as 0 or 1), so Errors/Average is the error rate.
 *
 * @example statistic('ErrorRate', 'Sum', { ...emptyAggregate(), invocations: 200, errors: 3 }) // 1.5
 */
export function statistic(metric: AlarmMetric, stat: AlarmStat, a: Aggregate): number | null {
  if (metric === 'Throttles') {
    const requests = a.invocations + a.throttles;
    if (requests === 0) return null;
    return countStatistic(stat, a.throttles, requests);
  }
  if (a.invocations === 0) return null;
  switch (metric) {
    case 'Invocations':
      return countStatistic(stat, a.invocations, a.invocations);
    case 'Errors':
      return countStatistic(stat, a.errors, a.invocations);
    case 'ErrorRate':
      return (100 * a.errors) / a.invocations;
    case 'Duration':
      return durationStatistic(stat, a);
  }
}

/** For a 0/1-per-sample metric: Sum is the count, Average the share, Maximum 1 when any. */
function countStatistic(stat: AlarmStat, count: number, samples: number): number {
  switch (stat) {
    case 'Sum':
      return count;
    case 'SampleCount':
      return samples;
    case 'Average':
      return count / samples;
    case 'Maximum':
    case 'p99':
      return count > 0 ? 1 : 0;
  }
}

function durationStatistic(stat: AlarmStat, a: Aggregate): number {
  switch (stat) {
    case 'Sum':
      return a.durationSum;
    case 'SampleCount':
      return a.invocations;
    case 'Average':
      return a.durationSum / a.invocations;
    case 'Maximum':
      return a.durationMax;
    case 'p99':
      return approximateP99(a);
  }
}

/** The slowest part that holds the top 1% of invocations decides the p99. */
function approximateP99(a: Aggregate): number {
  const parts = [...a.parts].sort((x, y) => p99Of(y) - p99Of(x));
  let seen = 0;
  for (const part of parts) {
    seen += part.invocations;
    if (seen >= a.invocations * 0.01) return p99Of(part);
  }
  const slowest = parts[parts.length - 1];
  return slowest === undefined ? 0 : p99Of(slowest);
}
