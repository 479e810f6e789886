import { describe, expect, it } from 'vitest';
import {
  drawBinomial,
  drawLognormal,
  drawPoisson,
  logFactorial,
  minuteRandom,
  type Random,
} from '../../../src/local/fleet/noise.js';
import { START_MS } from './fixtures.js';

/*
 * The draws behind the simulator's metric noise, checked against the distributions they claim on
 * fixed seeds (so the checks are deterministic), with bounds of several standard errors.
 */

const DRAWS = 20_000;

/** One generator per draw, as the fleet uses them: a different minute for each. */
function drawsOf(draw: (random: Random) => number, seed = 1): number[] {
  return Array.from({ length: DRAWS }, (_, i) =>
    draw(minuteRandom(seed, 'use1', START_MS + i * 60_000, '2', 'counts')),
  );
}

function moments(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, variance };
}

describe('minuteRandom', () => {
  it('gives the same numbers for the same key and other numbers when any part of the key changes', () => {
    // Arrange
    const key = [1, 'use1', START_MS, '2', 'counts'] as const;
    const first = (random: Random) => [random(), random(), random()];

    // Act
    const same = first(minuteRandom(...key));
    const variants = [
      minuteRandom(2, 'use1', START_MS, '2', 'counts'),
      minuteRandom(1, 'use2', START_MS, '2', 'counts'),
      minuteRandom(1, 'use1', START_MS + 60_000, '2', 'counts'),
      minuteRandom(1, 'use1', START_MS, '3', 'counts'),
      minuteRandom(1, 'use1', START_MS, '2', 'latency'),
    ].map(first);

    // Assert
    expect(first(minuteRandom(...key))).toEqual(same);
    for (const variant of variants) expect(variant).not.toEqual(same);
  });

  it('spreads the first number of consecutive minutes evenly over [0, 1)', () => {
    // Act
    const values = drawsOf((random) => random());

    // Assert: a chi-square over 20 bins (19 degrees of freedom; 43.8 is its 99.9th percentile).
    const bins = new Array<number>(20).fill(0);
    for (const v of values) bins[Math.floor(v * 20)] = (bins[Math.floor(v * 20)] ?? 0) + 1;
    const expected = DRAWS / 20;
    const chiSquare = bins.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(chiSquare).toBeLessThan(43.8);
  });
});

describe('drawPoisson', () => {
  it.each([0.3, 4, 60, 5000])('has mean and variance %s', (mean) => {
    // Act
    const draws = moments(drawsOf((random) => drawPoisson(mean, random)));

    // Assert
    expect(draws.mean).toBeGreaterThan(mean - 5 * Math.sqrt(mean / DRAWS));
    expect(draws.mean).toBeLessThan(mean + 5 * Math.sqrt(mean / DRAWS));
    expect(draws.variance / mean).toBeGreaterThan(0.93);
    expect(draws.variance / mean).toBeLessThan(1.07);
  });

  it('draws 0 for a mean of 0', () => {
    expect(drawPoisson(0, minuteRandom(1, 'use1', START_MS, '1', 'counts'))).toBe(0);
  });
});

describe('drawBinomial', () => {
  it.each([
    [60, 0.01],
    [600, 0.05],
    [1000, 0.5],
    [1000, 0.97],
    [100_000, 0.001],
  ])('has mean n·p and variance n·p·(1 − p) for n = %s, p = %s', (trials, p) => {
    // Act
    const values = drawsOf((random) => drawBinomial(trials, p, random));
    const draws = moments(values);

    // Assert
    const variance = trials * p * (1 - p);
    expect(Math.abs(draws.mean - trials * p)).toBeLessThan(5 * Math.sqrt(variance / DRAWS));
    expect(draws.variance / variance).toBeGreaterThan(0.93);
    expect(draws.variance / variance).toBeLessThan(1.07);
    expect(values.every((v) => Number.isInteger(v) && v >= 0 && v <= trials)).toBe(true);
  });

  it('draws no successes for p = 0 or no trials, and every trial for p = 1', () => {
    const random = minuteRandom(1, 'use1', START_MS, '1', 'counts');
    expect(drawBinomial(500, 0, random)).toBe(0);
    expect(drawBinomial(0, 0.5, random)).toBe(0);
    expect(drawBinomial(500, 1, random)).toBe(500);
  });
});

describe('drawLognormal', () => {
  it.each([0.1, 0.5])('has the given mean and coefficient of variation %s', (cv) => {
    // Act
    const values = drawsOf((random) => drawLognormal(100, cv, random));
    const draws = moments(values);

    // Assert
    expect(draws.mean).toBeGreaterThan(100 * (1 - 5 * (cv / Math.sqrt(DRAWS))));
    expect(draws.mean).toBeLessThan(100 * (1 + 5 * (cv / Math.sqrt(DRAWS))));
    expect(Math.sqrt(draws.variance) / draws.mean).toBeGreaterThan(cv * 0.93);
    expect(Math.sqrt(draws.variance) / draws.mean).toBeLessThan(cv * 1.07);
    expect(values.every((v) => v > 0)).toBe(true);
  });

  it('gives the mean itself for a coefficient of variation of 0', () => {
    expect(drawLognormal(100, 0, minuteRandom(1, 'use1', START_MS, '1', 'latency'))).toBe(100);
  });
});

describe('logFactorial', () => {
  it('matches the sum of logarithms on both sides of its table', () => {
    let sum = 0;
    for (let k = 1; k <= 2000; k++) {
      sum += Math.log(k);
      expect(logFactorial(k)).toBeCloseTo(sum, 8);
    }
    expect(logFactorial(0)).toBe(0);
  });
});
