import { type Aggregate, addSample, emptyAggregate } from './metrics.js';
import type { MinuteSample } from './traffic.js';
import { MINUTE_MS } from './types.js';

/*
 * Per-period totals of one target's samples, built as minutes are generated, for alarm
 * evaluation: an alarm reads a finished period's aggregate instead of re-adding its minutes, and
 * a new-version alarm whose watched version changes finds that version's periods ready. Only the
 * periods some alarm window can still reach are kept, so memory stays flat however long a run is.
 *
 * Aggregates are built sample by sample in minute order, exactly as adding the minutes up at
 * evaluation time did, so every statistic is bit-for-bit the same.
 */

/** What the alarms of one target need for one period length. */
export interface PeriodNeeds {
  /** Period length in ms (a multiple of a minute). */
  readonly periodMs: number;
  /** Finished periods to keep: the longest evaluation window of the alarms using this period. */
  readonly keep: number;
  /** An alias-scoped alarm reads all versions together. */
  readonly allVersions: boolean;
  /** A new-version alarm reads one version. */
  readonly perVersion: boolean;
  /** Keep each sample's (invocations, mean duration): p99, and exact Duration sums across targets. */
  readonly parts: boolean;
}

interface PeriodTotals {
  all?: Aggregate;
  byVersion?: Map<string, Aggregate>;
}

/** The parts list of aggregates that keep none: shared, and frozen so a push would fail loudly. */
const NO_PARTS = Object.freeze([]) as unknown as Aggregate['parts'];

function newAggregate(parts: boolean): Aggregate {
  if (parts) return emptyAggregate();
  return { invocations: 0, errors: 0, throttles: 0, durationSum: 0, durationMax: 0, parts: NO_PARTS };
}

/** The aggregates of one target for one period length: the period being filled and the last `keep` finished. */
class TargetPeriods {
  private currentStartMs: number | undefined;
  private current: PeriodTotals = {};
  /** Finished periods by start, oldest first (a Map keeps insertion order). */
  private readonly finished = new Map<number, PeriodTotals>();

  constructor(readonly needs: PeriodNeeds) {}

  add(minuteStartMs: number, samples: readonly MinuteSample[]): void {
    const { periodMs } = this.needs;
    const periodStart = Math.floor(minuteStartMs / periodMs) * periodMs;
    if (this.currentStartMs !== periodStart) {
      this.currentStartMs = periodStart;
      this.current = {};
    }
    const { allVersions, perVersion, parts } = this.needs;
    for (const s of samples) {
      if (allVersions) {
        this.current.all ??= newAggregate(parts);
        addSample(this.current.all, s, parts);
      }
      if (perVersion) {
        this.current.byVersion ??= new Map();
        let aggregate = this.current.byVersion.get(s.version);
        if (!aggregate) {
          aggregate = newAggregate(parts);
          this.current.byVersion.set(s.version, aggregate);
        }
        addSample(aggregate, s, parts);
      }
    }
    if ((minuteStartMs + MINUTE_MS) % periodMs === 0) {
      this.finished.set(periodStart, this.current);
      this.current = {};
      this.currentStartMs = undefined;
      for (const start of this.finished.keys()) {
        if (this.finished.size <= this.needs.keep) break;
        this.finished.delete(start);
      }
    }
  }

  get(periodStartMs: number, version: string | null): Aggregate | undefined {
    const totals = this.finished.get(periodStartMs);
    if (!totals) return undefined;
    return version === null ? totals.all : totals.byVersion?.get(version);
  }

  /** Finished periods held (for tests: memory stays bounded). */
  get size(): number {
    return this.finished.size;
  }
}

/**
 * Finished-period aggregates for every target and period length the alarms need.
 *
 * @example
 * const periods = new PeriodAggregates(targetCount, [{ target: 0, needs: { periodMs: 60_000, keep: 3, ... } }]);
 * periods.add(0, minuteStartMs, samples); // as each minute is generated
 * periods.get(0, 60_000, periodStartMs, null); // all versions of target 0 over that period
 */
export class PeriodAggregates {
  private readonly byTarget: Map<number, TargetPeriods>[];

  constructor(
    targetCount: number,
    needs: readonly { readonly target: number; readonly needs: PeriodNeeds }[],
  ) {
    this.byTarget = Array.from({ length: targetCount }, () => new Map());
    for (const { target, needs: n } of needs) {
      const periods = this.byTarget[target] as Map<number, TargetPeriods>;
      const known = periods.get(n.periodMs)?.needs;
      periods.set(
        n.periodMs,
        new TargetPeriods(
          known
            ? {
                periodMs: n.periodMs,
                keep: Math.max(known.keep, n.keep),
                allVersions: known.allVersions || n.allVersions,
                perVersion: known.perVersion || n.perVersion,
                parts: known.parts || n.parts,
              }
            : n,
        ),
      );
    }
  }

  /** Adds one generated minute of a target. Call for every minute, in order. */
  add(target: number, minuteStartMs: number, samples: readonly MinuteSample[]): void {
    const periods = this.byTarget[target];
    if (!periods) return;
    for (const p of periods.values()) p.add(minuteStartMs, samples);
  }

  /**
   * A finished period's aggregate: all versions (`version` null) or one version. Undefined when
   * the period had no samples of it, has not finished, or was before the first minute.
   */
  get(
    target: number,
    periodMs: number,
    periodStartMs: number,
    version: string | null,
  ): Aggregate | undefined {
    return this.byTarget[target]?.get(periodMs)?.get(periodStartMs, version);
  }

  /** How many finished periods are held for a target and period length. */
  held(target: number, periodMs: number): number {
    return this.byTarget[target]?.get(periodMs)?.size ?? 0;
  }
}

/**
 * One aggregate for several targets, as if their samples had been added one after the other
 * (target by target, minute by minute): counts and maxima merge exactly; the Duration sum is
 * re-added from each sample's part when parts were kept, so it rounds the same way.
 *
 * @example statistic('Duration', 'Average', mergeInOrder([periods.get(0, p, s, null), periods.get(1, p, s, null)]))
 */
export function mergeInOrder(aggregates: readonly (Aggregate | undefined)[]): Aggregate {
  const merged = emptyAggregate();
  for (const a of aggregates) {
    if (!a) continue;
    merged.invocations += a.invocations;
    merged.errors += a.errors;
    merged.throttles += a.throttles;
    merged.durationMax = Math.max(merged.durationMax, a.durationMax);
    if (a.parts.length > 0) {
      for (const part of a.parts) {
        merged.durationSum += part.invocations * part.durationMs;
        merged.parts.push(part);
      }
    } else {
      merged.durationSum += a.durationSum;
    }
  }
  return merged;
}
