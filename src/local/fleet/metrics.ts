import type { AlarmMetric, AlarmStat } from '../scenario.js';
import type { MinuteSample } from './traffic.js';
import { MINUTE_MS } from './types.js';

/*
 * Per-minute AWS/Lambda datapoints (Invocations, Errors, Throttles, Duration) per alias and
 * ExecutedVersion, and CloudWatch statistics over them. A minute exists only once it has ended on
 * the virtual clock; minutes are generated once, in order, and kept, so reads are cheap.
 */

/** Tail factors for Duration: the simulator models a mean; p99 and Maximum follow from it. */
export const DURATION_P99_FACTOR = 1.8;
export const DURATION_MAX_FACTOR = 3;

/** Produces the samples of one target for the minute starting at `minuteStartMs`. */
export type MinuteSampler = (targetIndex: number, minuteStartMs: number) => MinuteSample[];

/** Stores generated minutes per target; generates them lazily, in order, up to a time. */
export class MetricStore {
  private readonly minutes: MinuteSample[][][];
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
    this.minutes = Array.from({ length: targetCount }, () => []);
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
    this.minutes.forEach((series, target) => {
      series.push(this.sampler(target, minuteStart));
    });
    this.generated++;
  }

  /** Samples of a target for a minute; empty when the minute has not ended or had no traffic. */
  samples(targetIndex: number, minuteStartMs: number): readonly MinuteSample[] {
    const index = (minuteStartMs - this.originMs) / MINUTE_MS;
    if (index < 0 || index >= this.generated) return [];
    return this.minutes[targetIndex]?.[index] ?? [];
  }

  /** Sum of Invocations of `version` over minutes starting in [startMs, endMs) that have ended. */
  countInvocations(targetIndex: number, version: string, startMs: number, endMs: number): number {
    let total = 0;
    const first = Math.max(this.originMs, Math.ceil(startMs / MINUTE_MS) * MINUTE_MS);
    const last = Math.min(endMs, this.generatedUntilMs);
    for (let minute = first; minute < last; minute += MINUTE_MS) {
      for (const s of this.samples(targetIndex, minute)) if (s.version === version) total += s.invocations;
    }
    return total;
  }
}

/** Running totals of samples over a period (and over targets, for regional alarms). */
export interface Aggregate {
  invocations: number;
  errors: number;
  throttles: number;
  durationSum: number;
  durationMax: number;
  readonly parts: { readonly invocations: number; readonly durationMs: number }[];
}

export function emptyAggregate(): Aggregate {
  return { invocations: 0, errors: 0, throttles: 0, durationSum: 0, durationMax: 0, parts: [] };
}

export function addSample(aggregate: Aggregate, sample: MinuteSample): void {
  aggregate.invocations += sample.invocations;
  aggregate.errors += sample.errors;
  aggregate.throttles += sample.throttles;
  if (sample.invocations > 0) {
    aggregate.durationSum += sample.invocations * sample.durationMs;
    aggregate.durationMax = Math.max(aggregate.durationMax, sample.durationMs * DURATION_MAX_FACTOR);
    aggregate.parts.push({ invocations: sample.invocations, durationMs: sample.durationMs });
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
  const parts = [...a.parts].sort((x, y) => y.durationMs - x.durationMs);
  let seen = 0;
  for (const part of parts) {
    seen += part.invocations;
    if (seen >= a.invocations * 0.01) return part.durationMs * DURATION_P99_FACTOR;
  }
  return (parts[parts.length - 1]?.durationMs ?? 0) * DURATION_P99_FACTOR;
}
