import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Aggregate, addSample, emptyAggregate, MetricStore } from '../../../src/local/fleet/metrics.js';
import {
  mergeInOrder,
  PeriodAggregates,
  type PeriodNeeds,
} from '../../../src/local/fleet/period-aggregates.js';
import type { MinuteSample } from '../../../src/local/fleet/traffic.js';
import { MINUTE, START_MS } from './fixtures.js';

/*
 * The fleet keeps running totals instead of re-adding minutes on every read. These properties
 * check them against the brute-force sums they replace, over random minute series.
 */

const VERSIONS = ['1', '2', '3'];

const sampleArb = (version: string) =>
  fc
    .record({
      invocations: fc.nat({ max: 5000 }),
      errors: fc.nat({ max: 50 }),
      throttles: fc.nat({ max: 20 }),
      // Fractional durations make the order of additions matter for Duration sums.
      durationMs: fc.double({ min: 1, max: 2000, noNaN: true }),
    })
    .map((s): MinuteSample => ({ version, ...s }));

/** One target-minute: at most one sample per version, in a random order, as the sampler gives. */
const minuteArb = fc
  .subarray(VERSIONS)
  .chain((versions) => fc.shuffledSubarray(versions, { minLength: versions.length }))
  .chain((versions) => fc.tuple(...versions.map(sampleArb)));

/** series[target][minute] */
const seriesArb = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 40 }))
  .chain(([targets, minutes]) =>
    fc.array(fc.array(minuteArb, { minLength: minutes, maxLength: minutes }), {
      minLength: targets,
      maxLength: targets,
    }),
  );

function storeOf(series: MinuteSample[][][]): MetricStore {
  const store = new MetricStore(START_MS, series.length, (target, minuteStartMs) => [
    ...((series[target] as MinuteSample[][])[(minuteStartMs - START_MS) / MINUTE] as MinuteSample[]),
  ]);
  const minutes = series[0]?.length ?? 0;
  for (let m = 0; m < minutes; m++) store.generateNext();
  return store;
}

function bruteForceInvocations(
  series: MinuteSample[][][],
  target: number,
  version: string,
  startMs: number,
  endMs: number,
): number {
  let total = 0;
  (series[target] as MinuteSample[][]).forEach((samples, m) => {
    const minuteStart = START_MS + m * MINUTE;
    if (minuteStart >= startMs && minuteStart < endMs) {
      for (const s of samples) if (s.version === version) total += s.invocations;
    }
  });
  return total;
}

/** Adds the samples one by one, as the simulator did before keeping period totals. */
function bruteForceAggregate(samples: readonly MinuteSample[], version: string | null): Aggregate {
  const aggregate = emptyAggregate();
  for (const s of samples) if (version === null || s.version === version) addSample(aggregate, s);
  return aggregate;
}

describe('MetricStore running totals', () => {
  it('counts invocations over any window as the sum of its minutes', () => {
    fc.assert(
      fc.property(
        seriesArb,
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.constantFrom(...VERSIONS, '9'),
            fc.integer({ min: -5 * MINUTE, max: 50 * MINUTE }),
            fc.integer({ min: -5 * MINUTE, max: 50 * MINUTE }),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (series, queries) => {
          const store = storeOf(series);
          for (const [t, version, from, to] of queries) {
            const target = t % series.length;
            const startMs = START_MS + from;
            const endMs = START_MS + to;
            expect(store.countInvocations(target, version, startMs, endMs)).toBe(
              bruteForceInvocations(series, target, version, Math.ceil(startMs / MINUTE) * MINUTE, endMs),
            );
          }
        },
      ),
    );
  });

  it('gives back every minute exactly as sampled, in the same order', () => {
    fc.assert(
      fc.property(seriesArb, (series) => {
        const store = storeOf(series);
        series.forEach((minutes, target) => {
          minutes.forEach((samples, m) => {
            expect(store.samples(target, START_MS + m * MINUTE)).toEqual(samples);
          });
          expect(store.samples(target, START_MS + minutes.length * MINUTE)).toEqual([]);
          expect(store.samples(target, START_MS - MINUTE)).toEqual([]);
        });
      }),
    );
  });
});

describe('PeriodAggregates', () => {
  const needsArb = fc.record({
    periodMs: fc.constantFrom(1, 2, 5).map((m) => m * MINUTE),
    keep: fc.integer({ min: 1, max: 6 }),
    allVersions: fc.boolean(),
    perVersion: fc.boolean(),
    parts: fc.boolean(),
  });

  it('holds for each kept period exactly what adding its samples one by one gives, and no more periods', () => {
    fc.assert(
      fc.property(
        fc.array(minuteArb, { minLength: 1, maxLength: 60 }),
        needsArb,
        fc.integer({ min: 0, max: 4 }),
        (minutes, needs: PeriodNeeds, offsetMinutes) => {
          // A start that is not on a period boundary makes the first period partial.
          const origin = START_MS + offsetMinutes * MINUTE;
          const periods = new PeriodAggregates(1, [{ target: 0, needs }]);
          minutes.forEach((samples, m) => {
            periods.add(0, origin + m * MINUTE, samples);
          });
          const endMs = origin + minutes.length * MINUTE;
          const lastBoundary = Math.floor(endMs / needs.periodMs) * needs.periodMs;
          for (let k = 1; k <= needs.keep; k++) {
            const periodStart = lastBoundary - k * needs.periodMs;
            const inPeriod = minutes.flatMap((samples, m) => {
              const minuteStart = origin + m * MINUTE;
              return minuteStart >= periodStart && minuteStart < periodStart + needs.periodMs ? samples : [];
            });
            const check = (version: string | null) => {
              const expected = bruteForceAggregate(inPeriod, version);
              const actual = periods.get(0, needs.periodMs, periodStart, version);
              const present = inPeriod.some((s) => version === null || s.version === version);
              if (!present || periodStart + needs.periodMs <= origin) {
                expect(actual).toBeUndefined();
                return;
              }
              expect(actual).toEqual({ ...expected, parts: needs.parts ? expected.parts : [] });
            };
            if (needs.allVersions) check(null);
            if (needs.perVersion) for (const v of VERSIONS) check(v);
          }
          expect(periods.held(0, needs.periodMs)).toBeLessThanOrEqual(needs.keep);
        },
      ),
    );
  });

  it('merges several targets into what adding all their samples in target order gives, to the last bit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(minuteArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }),
        (targets) => {
          const periods = new PeriodAggregates(
            targets.length,
            targets.map((_, target) => ({
              target,
              needs: { periodMs: 5 * MINUTE, keep: 1, allVersions: true, perVersion: false, parts: true },
            })),
          );
          targets.forEach((minutes, target) => {
            for (let m = 0; m < 5; m++) periods.add(target, START_MS + m * MINUTE, minutes[m] ?? []);
          });
          const merged = mergeInOrder(
            targets.map((_, target) => periods.get(target, 5 * MINUTE, START_MS, null)),
          );
          expect(merged).toEqual(bruteForceAggregate(targets.flat(2), null));
        },
      ),
    );
  });

  it('keeps memory flat over a long run: only the periods an alarm window can reach', () => {
    const needs: PeriodNeeds = {
      periodMs: MINUTE,
      keep: 3,
      allVersions: true,
      perVersion: true,
      parts: false,
    };
    const periods = new PeriodAggregates(1, [{ target: 0, needs }]);
    const sample: MinuteSample = { version: '1', invocations: 10, errors: 0, throttles: 0, durationMs: 100 };
    for (let m = 0; m < 10_000; m++) periods.add(0, START_MS + m * MINUTE, [sample]);
    expect(periods.held(0, MINUTE)).toBe(3);
    expect(periods.get(0, MINUTE, START_MS + 9_999 * MINUTE, null)?.invocations).toBe(10);
    expect(periods.get(0, MINUTE, START_MS + 9_996 * MINUTE, null)).toBeUndefined();
  });

  it('combines the needs of alarms sharing a target and period: the longest window, every scope', () => {
    const a: PeriodNeeds = { periodMs: MINUTE, keep: 2, allVersions: true, perVersion: false, parts: false };
    const b: PeriodNeeds = { periodMs: MINUTE, keep: 5, allVersions: false, perVersion: true, parts: false };
    const periods = new PeriodAggregates(1, [
      { target: 0, needs: a },
      { target: 0, needs: b },
    ]);
    const sample: MinuteSample = { version: '2', invocations: 1, errors: 0, throttles: 0, durationMs: 1 };
    for (let m = 0; m < 10; m++) periods.add(0, START_MS + m * MINUTE, [sample]);
    expect(periods.held(0, MINUTE)).toBe(5);
    expect(periods.get(0, MINUTE, START_MS + 5 * MINUTE, null)?.invocations).toBe(1);
    expect(periods.get(0, MINUTE, START_MS + 5 * MINUTE, '2')?.invocations).toBe(1);
  });
});
