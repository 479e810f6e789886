import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AnalysisSettings,
  analyseVersions,
  binomialUpperTail,
  EXACT_MANN_WHITNEY_MAX_MINUTES,
  errorRateTest,
  type MetricVerdict,
  mannWhitneyU,
  normalCdf,
} from '../../../src/core/analysis.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import type { VersionMinute } from '../../../src/core/version-minute.js';

// Expected values marked "scipy" were computed with scipy 1.17.1 (scipy.stats.norm.cdf,
// binom.sf, binomtest, mannwhitneyu(y, x, alternative='greater', method=...)); "by hand" ones are
// derived in the comment beside them.

const T0 = Date.UTC(2026, 11, 1, 12, 0);
const MINUTE = 60_000;

const SETTINGS: AnalysisSettings = {
  metrics: ['errorRate', 'latencyP99'],
  maxRelativeIncrease: 0.5,
  confidence: 0.95,
  minSamples: 10,
};

/** Minutes 0 … n-1 from T0, each built by `at(i)`. */
function minutes(n: number, at: (i: number) => Partial<VersionMinute>): VersionMinute[] {
  return Array.from({ length: n }, (_, i) => ({
    startMs: T0 + i * MINUTE,
    invocations: 0,
    errors: 0,
    ...at(i),
  }));
}

/** `total` errors spread over `n` minutes as evenly as whole numbers allow. */
function spread(total: number, n: number, i: number): number {
  return Math.floor(((i + 1) * total) / n) - Math.floor((i * total) / n);
}

/** Fixed per-minute noise: 20 multipliers around 1 (0.90 … 1.10), no two equal. */
const NOISE = [
  1.0, 0.93, 1.07, 0.98, 1.04, 0.91, 1.09, 1.01, 0.96, 1.05, 0.95, 1.02, 0.9, 1.08, 0.97, 1.03, 0.94, 1.06,
  0.99, 1.1,
];

/** 30 minutes at `perMinute` invocations with `errors` errors in all. */
function errorSeries(perMinute: number, errors: number, n = 30): VersionMinute[] {
  return minutes(n, (i) => ({ invocations: perMinute, errors: spread(errors, n, i) }));
}

/** 20 minutes whose p99 is `p99Ms` times the fixed noise. */
function latencySeries(p99Ms: number, n = 20): VersionMinute[] {
  return minutes(n, (i) => ({
    invocations: 100,
    errors: 0,
    p99Ms: p99Ms * NOISE[i % NOISE.length]!,
    p50Ms: 20,
  }));
}

function metric(result: { metrics: readonly MetricVerdict[] }, name: MetricVerdict['metric']): MetricVerdict {
  const found = result.metrics.find((m) => m.metric === name);
  if (!found) throw new Error(`no ${name} verdict`);
  return found;
}

describe('normalCdf', () => {
  it.each([
    // scipy norm.cdf; ±1.959964 and -1.644854 are the two- and one-sided 5 % quantiles of every table.
    [0, 0.5],
    [1, 0.8413447460685429],
    [-1, 0.15865525393145707],
    [1.959963984540054, 0.975],
    [-1.6448536269514722, 0.05],
    [-3, 0.0013498980316300933],
    [-5, 2.866515718791933e-7],
    [-10, 7.61985302416047e-24],
    [-20, 2.7536241186061556e-89],
  ])('gives Φ(%d) = %d to 12 significant digits', (z, expected) => {
    // Act
    const value = normalCdf(z);

    // Assess
    expect(Math.abs(value - expected) / expected).toBeLessThan(1e-12);
  });

  it('is 0 and 1 at the infinities and symmetric around 0', () => {
    // Act & Assess
    expect(normalCdf(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(normalCdf(Number.POSITIVE_INFINITY)).toBe(1);
    for (const z of [0.1, 0.7, 1.3, 2.9, 3.1, 4.4]) {
      expect(normalCdf(z) + normalCdf(-z)).toBeCloseTo(1, 15);
    }
  });
});

describe('binomialUpperTail', () => {
  it.each([
    // by hand: P(X ≥ 8), X ~ Bin(10, ½) = (C(10,8) + C(10,9) + C(10,10)) / 2^10 = 56 / 1024
    [8, 10, 0.5, 0.0546875],
    // by hand: P(X ≥ 10), X ~ Bin(12, ½) = (66 + 12 + 1) / 4096
    [10, 12, 0.5, 79 / 4096],
    // by hand: P(X = n) = p^n
    [5, 5, 0.3, 0.3 ** 5],
    // scipy binom.sf(k - 1, n, p), both sides of the mean and far into the tail
    [3, 20, 0.01, 0.0010035761681001167],
    [130, 1000, 0.1, 0.0013413983708734428],
    [70, 1000, 0.1, 0.9996218983583908],
    [520, 100_000, 0.004, 5.026352099801476e-9],
    [500_500, 1_000_000, 0.5, 0.15889734568166486],
    [300, 1_000_000, 0.0001, 1.7827932534358176e-58],
  ])('gives P(X ≥ %d) for X ~ Binomial(%d, %d)', (k, n, p, expected) => {
    // Act
    const tail = binomialUpperTail(k, n, p);

    // Assess: exact sums; ~9 digits left at n = 10^6, where ln(n!) ≈ 1.3e7 spends the rest.
    expect(Math.abs(tail - expected) / expected).toBeLessThan(1e-8);
  });

  it.each([
    [0, 10, 0.3, 1],
    [-2, 10, 0.3, 1],
    [11, 10, 0.3, 0],
    [1, 10, 0, 0],
    [10, 10, 1, 1],
  ])('handles the edges: P(X ≥ %d) for Binomial(%d, %d) is %d', (k, n, p, expected) => {
    // Act & Assess
    expect(binomialUpperTail(k, n, p)).toBe(expected);
  });

  it('refuses a probability outside [0, 1] or a fractional count, quoting the value', () => {
    // Act & Assess
    expect(() => binomialUpperTail(3, 10, 1.5)).toThrow(InvalidInputError);
    expect(() => binomialUpperTail(3, 10, 1.5)).toThrow(/p: expected a probability in \[0, 1\], got 1.5/);
    expect(() => binomialUpperTail(3, 10.5, 0.5)).toThrow(/n: expected an integer ≥ 0, got 10.5/);
  });
});

describe('errorRateTest', () => {
  it('is the binomial tail of the new version’s share of the errors, with equal traffic p0 = ½', () => {
    // Prepare: by hand, k = 12 errors, p0 = 1000 / 2000 = ½: P(Bin(12, ½) ≥ 10) = 79 / 4096.
    const baseline = { errors: 2, invocations: 1000 };
    const candidate = { errors: 10, invocations: 1000 };

    // Act
    const p = errorRateTest(baseline, candidate, 0);

    // Assess
    expect(p).toBeCloseTo(79 / 4096, 15);
  });

  it('tests against the allowed increase by weighting the new version’s invocations by 1 + δ', () => {
    // Prepare: p0 = 1000·1.5 / (1000·1.5 + 3000) = 1/3; scipy binomtest(4, 7, 1/3, 'greater').
    const baseline = { errors: 3, invocations: 3000 };
    const candidate = { errors: 4, invocations: 1000 };

    // Act
    const p = errorRateTest(baseline, candidate, 0.5);

    // Assess
    expect(p).toBeCloseTo(0.1732967535436671, 14);
  });

  it('with no baseline error is p0 to the power of the new version’s errors', () => {
    // Prepare: all k = 5 errors are the new version's: P(Bin(5, p0) ≥ 5) = p0^5, p0 = 1800/18000.
    const p = errorRateTest({ errors: 0, invocations: 16_200 }, { errors: 5, invocations: 1800 }, 0);

    // Assess
    expect(p).toBeCloseTo(0.1 ** 5, 15);
  });

  it('gives no evidence (p = 1) when neither version had an error or one had no invocation', () => {
    // Act & Assess
    expect(errorRateTest({ errors: 0, invocations: 1000 }, { errors: 0, invocations: 1000 }, 0)).toBe(1);
    expect(errorRateTest({ errors: 0, invocations: 0 }, { errors: 4, invocations: 1000 }, 0)).toBe(1);
  });
});

describe('mannWhitneyU', () => {
  it('gives 1 of C(6, 3) = 20 arrangements when every y is above every x (by hand)', () => {
    // Act
    const result = mannWhitneyU([1, 2, 3], [4, 5, 6]);

    // Assess: U = 3·3 = 9, the largest; only one arrangement reaches it.
    expect(result).toEqual({ u: 9, pValue: 1 / 20, method: 'exact' });
  });

  it('computes the exact p-value of a small sample without ties as scipy does', () => {
    // Prepare: x and y from a textbook-sized example; U_y = 17 of 20 pairs (by hand: 19 beats 3
    // of x, 22 all 4, 16 beats 2, 29 all 4, 24 all 4). scipy method='exact': 0.05555555555555555.
    const x = [20, 11, 17, 12];
    const y = [19, 22, 16, 29, 24];

    // Act
    const result = mannWhitneyU(x, y);

    // Assess
    expect(result.u).toBe(17);
    expect(result.method).toBe('exact');
    expect(result.pValue).toBeCloseTo(0.05555555555555555, 15);
  });

  it('gives the normal approximation with continuity correction as scipy does', () => {
    // Prepare: same sample; scipy method='asymptotic' (use_continuity=True): 0.055673443266570206.
    const x = [20, 11, 17, 12];
    const y = [19, 22, 16, 29, 24];

    // Act
    const result = mannWhitneyU(x, y, { method: 'normal' });

    // Assess
    expect(result.method).toBe('normal');
    expect(result.pValue).toBeCloseTo(0.055673443266570206, 14);
  });

  it('agrees with scipy’s exact distribution at 7 against 12 and 25 against 5 minutes', () => {
    // Prepare: values without ties; scipy method='exact' gives 0.07110820036516631 and 0.7922122577294991.
    const xs = Array.from({ length: 30 }, (_, i) => 100 + Math.sin(i) * 10);
    const ys = Array.from({ length: 30 }, (_, i) => 105 + Math.cos(i * 1.3) * 10);

    // Act
    const first = mannWhitneyU(xs.slice(0, 7), ys.slice(0, 12));
    const second = mannWhitneyU(ys.slice(0, 25), xs.slice(0, 5));

    // Assess
    expect(first.u).toBe(60);
    expect(first.pValue).toBeCloseTo(0.07110820036516631, 14);
    expect(second.u).toBe(48);
    expect(second.pValue).toBeCloseTo(0.7922122577294991, 14);
  });

  it('is exact with ties: the permutation distribution of the midrank sum', () => {
    // Prepare: U_y = 33.5. Expected by enumerating all C(13, 6) = 1716 splits of the pooled
    // midranks (itertools.combinations): 86 reach y's rank sum, 86/1716. scipy's tie-corrected
    // normal approximation gives 0.03913121473857309 for the same data.
    const x = [1, 2, 2, 3, 3, 3, 4];
    const y = [2, 3, 4, 4, 5, 5];

    // Act
    const exact = mannWhitneyU(x, y);
    const normal = mannWhitneyU(x, y, { method: 'normal' });

    // Assess
    expect(exact.u).toBe(33.5);
    expect(exact.pValue).toBeCloseTo(86 / 1716, 15);
    expect(normal.pValue).toBeCloseTo(0.03913121473857309, 14);
  });

  it('switches to the tie-corrected normal approximation above the exact limit', () => {
    // Prepare: 40 + 35 values with heavy ties (0…9 and 1…10 repeated); scipy 'asymptotic': 0.18648075029669803.
    const x = Array.from({ length: 40 }, (_, i) => i % 10);
    const y = Array.from({ length: 35 }, (_, j) => (j % 10) + 1);
    expect(x.length + y.length).toBeGreaterThan(EXACT_MANN_WHITNEY_MAX_MINUTES);

    // Act
    const result = mannWhitneyU(x, y);

    // Assess
    expect(result.method).toBe('normal');
    expect(result.u).toBe(784);
    expect(result.pValue).toBeCloseTo(0.18648075029669803, 14);
  });

  it('gives p = 1 when every value is tied or a sample is empty', () => {
    // Act & Assess
    expect(mannWhitneyU([5, 5, 5], [5, 5]).pValue).toBe(1);
    expect(mannWhitneyU([5, 5, 5], [5, 5], { method: 'normal' }).pValue).toBe(1);
    expect(mannWhitneyU([], [1, 2]).pValue).toBe(1);
  });

  it('gives p-values in [0, 1] whose two directions cover every outcome', () => {
    // Prepare: P(U_y ≥ u) + P(U_x ≥ mn − u) = 1 + P(U = u) ≥ 1, for any samples.
    const sample = fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(sample, sample, (x, y) => {
        // Act
        const up = mannWhitneyU(x, y).pValue;
        const down = mannWhitneyU(y, x).pValue;

        // Assess
        expect(up).toBeGreaterThanOrEqual(0);
        expect(up).toBeLessThanOrEqual(1);
        expect(up + down).toBeGreaterThanOrEqual(1 - 1e-12);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a value that is not a finite number, naming where it is', () => {
    // Act & Assess
    expect(() => mannWhitneyU([1, Number.NaN], [2])).toThrow(/x\[1\]: expected a finite number, got NaN/);
  });
});

describe('analyseVersions', () => {
  describe('error rate (540 invocations a minute before, 60 on the new version, 30 minutes)', () => {
    it.each([
      // [case, baseline errors of 16,200, new version's errors of 1,800, verdict]
      ['10× the error rate (0.1 % → 1 %) fails', 16, 18, 'fail'],
      ['the same error rate passes', 16, 2, 'pass'],
      [
        '1.3× with few errors (1 % → 1.28 %) passes: within the allowed +50 %, not significant',
        162,
        23,
        'pass',
      ],
      [
        '1.3× with many errors (5 % → 6.5 %) is marginal: proven worse, not proven beyond +50 %',
        810,
        117,
        'marginal',
      ],
      ['2.25× with few errors is marginal: above the allowed +50 % but not significant', 16, 4, 'marginal'],
      ['no baseline error and 6 new ones fails', 0, 6, 'fail'],
      ['no error on either side passes', 0, 0, 'pass'],
    ])('%s', (_case, oldErrors, newErrors, verdict) => {
      // Prepare
      const baseline = errorSeries(540, oldErrors);
      const candidate = errorSeries(60, newErrors);

      // Act
      const result = analyseVersions(baseline, candidate, { ...SETTINGS, metrics: ['errorRate'] });

      // Assess
      expect(metric(result, 'errorRate').verdict).toBe(verdict);
      expect(result.verdict).toBe(verdict);
    });

    it('says the rates, the increase and the p-value against the allowed increase when it fails', () => {
      // Prepare
      const baseline = errorSeries(540, 16);
      const candidate = errorSeries(60, 18);

      // Act
      const errorRate = metric(analyseVersions(baseline, candidate, SETTINGS), 'errorRate');

      // Assess: 18/1800 = 1.00 %, 16/16200 = 0.0988 %; p0 = 2700/18900, P(Bin(34, p0) ≥ 18).
      expect(errorRate).toEqual({
        metric: 'errorRate',
        verdict: 'fail',
        baseline: 16 / 16_200,
        candidate: 18 / 1800,
        relativeIncrease: 18 / 1800 / (16 / 16_200) - 1,
        pValue: binomialUpperTail(18, 34, 2700 / 18_900),
        samples: { baseline: 30, candidate: 30 },
        reason: expect.stringMatching(
          /^error rate 1\.00% vs 0\.10% \(\+913%, p=\d\.\de-\d+ < 0\.05\): worse than the allowed \+50%$/,
        ),
      });
    });

    it('quotes both p-values when the new version is proven worse but not beyond the allowed increase', () => {
      // Prepare
      const baseline = errorSeries(540, 810);
      const candidate = errorSeries(60, 117);

      // Act
      const errorRate = metric(analyseVersions(baseline, candidate, SETTINGS), 'errorRate');

      // Assess
      expect(errorRate.reason).toMatch(
        /^error rate 6\.50% vs 5\.00% \(\+30%, p=0\.\d+ ≥ 0\.05\): worse than the previous version \(p=0\.00\d+ < 0\.05\) but not proven beyond the allowed \+50%$/,
      );
    });

    it('measures the increase over a zero baseline against one error in its invocations, finite', () => {
      // Prepare
      const baseline = errorSeries(540, 0);
      const candidate = errorSeries(60, 6);

      // Act
      const errorRate = metric(analyseVersions(baseline, candidate, SETTINGS), 'errorRate');

      // Assess: 6/1800 against 1/16200 is 54×, +5300 %; p = p0^6 with p0 = 2700/18900.
      expect(errorRate.baseline).toBe(0);
      expect(errorRate.relativeIncrease).toBeCloseTo(53, 10);
      expect(errorRate.pValue).toBeCloseTo((2700 / 18_900) ** 6, 15);
      expect(errorRate.reason).toContain(
        "+5300% counting the previous version's 0 errors in 16,200 invocations as 1",
      );
    });

    it('reports no increase when neither version had an error', () => {
      // Act
      const errorRate = metric(
        analyseVersions(errorSeries(540, 0), errorSeries(60, 0), SETTINGS),
        'errorRate',
      );

      // Assess
      expect(errorRate).toMatchObject({
        verdict: 'pass',
        baseline: 0,
        candidate: 0,
        relativeIncrease: 0,
        pValue: 1,
      });
    });

    it('is inconclusive with fewer minutes with invocations than minSamples, whatever the errors', () => {
      // Prepare: the new version has 9 minutes of traffic (the last ones; 21 without before), 10 needed.
      const baseline = errorSeries(540, 16);
      const candidate = minutes(30, (i) => (i >= 21 ? { invocations: 60, errors: 10 } : {}));

      // Act
      const result = analyseVersions(baseline, candidate, { ...SETTINGS, metrics: ['errorRate'] });

      // Assess
      expect(metric(result, 'errorRate')).toMatchObject({
        verdict: 'inconclusive',
        pValue: 1,
        samples: { baseline: 30, candidate: 9 },
        reason:
          'error rate: 9 minutes with invocations of the new version and 30 of the previous one, 10 needed per version',
      });
      expect(result.verdict).toBe('inconclusive');
    });
  });

  describe('latency p99 (20 minutes each, ±10 % noise per minute)', () => {
    it.each([
      ['2× slower fails', 200, 'fail'],
      ['equally fast passes', 100, 'pass'],
      ['1.3× slower is marginal: proven slower, not proven beyond +50 %', 130, 'marginal'],
      ['faster passes', 70, 'pass'],
    ])('%s', (_case, newP99, verdict) => {
      // Prepare
      const baseline = latencySeries(100);
      const candidate = latencySeries(newP99);

      // Act
      const result = analyseVersions(baseline, candidate, { ...SETTINGS, metrics: ['latencyP99'] });

      // Assess
      expect(metric(result, 'latencyP99').verdict).toBe(verdict);
      expect(result.verdict).toBe(verdict);
    });

    it('is marginal when the median minute is beyond the allowed increase but the minutes overlap too much', () => {
      // Prepare: 10 minutes each; the new version's median is 1.6× but half its minutes are fast.
      const baseline = minutes(10, (i) => ({
        invocations: 50,
        p99Ms: [100, 90, 110, 95, 105, 98, 102, 93, 107, 100][i]!,
      }));
      const candidate = minutes(10, (i) => ({
        invocations: 50,
        p99Ms: [60, 70, 80, 90, 155, 165, 170, 180, 190, 200][i]!,
      }));

      // Act
      const latency = metric(
        analyseVersions(baseline, candidate, { ...SETTINGS, metrics: ['latencyP99'] }),
        'latencyP99',
      );

      // Assess
      expect(latency.verdict).toBe('marginal');
      expect(latency.relativeIncrease).toBeCloseTo(160 / 100 - 1, 10);
      expect(latency.reason).toMatch(/above the allowed \+50% but not significant/);
    });

    it('says the median minutes, the increase and the p-value when it fails', () => {
      // Act
      const latency = metric(analyseVersions(latencySeries(100), latencySeries(200), SETTINGS), 'latencyP99');

      // Assess: NOISE's median is (1.00 + 1.01) / 2; the baseline scaled by 1.5 stays below.
      expect(latency).toMatchObject({
        metric: 'latencyP99',
        verdict: 'fail',
        baseline: expect.closeTo(100.5, 10),
        candidate: expect.closeTo(201, 10),
        samples: { baseline: 20, candidate: 20 },
      });
      expect(latency.relativeIncrease).toBeCloseTo(1, 12);
      expect(latency.reason).toMatch(
        /^p99 latency 201 ms vs 101 ms \(median minute, \+100%, p=\d\.\de-\d+ < 0\.05\): worse than the allowed \+50%$/,
      );
    });

    it('passes when every minute of both versions has the same p99', () => {
      // Prepare
      const same = minutes(15, () => ({ invocations: 100, p99Ms: 120 }));

      // Act
      const latency = metric(
        analyseVersions(same, same, { ...SETTINGS, metrics: ['latencyP99'] }),
        'latencyP99',
      );

      // Assess
      expect(latency).toMatchObject({ verdict: 'pass', relativeIncrease: 0, pValue: 1 });
    });

    it('counts only minutes with invocations and the percentile as samples', () => {
      // Prepare: 12 minutes of the new version, of which 3 without traffic and 1 without a p99.
      const candidate = minutes(12, (i) =>
        i < 3 ? {} : i === 3 ? { invocations: 5 } : { invocations: 80, p99Ms: 150 },
      );

      // Act
      const latency = metric(analyseVersions(latencySeries(100), candidate, SETTINGS), 'latencyP99');

      // Assess
      expect(latency).toMatchObject({ verdict: 'inconclusive', samples: { baseline: 20, candidate: 8 } });
    });

    it('judges p50 from the p50 values', () => {
      // Prepare: p99 identical, p50 twice as slow.
      const baseline = latencySeries(100);
      const candidate = latencySeries(100).map((m, i) => ({ ...m, p50Ms: 40 * NOISE[i]! }));

      // Act
      const result = analyseVersions(baseline, candidate, {
        ...SETTINGS,
        metrics: ['latencyP99', 'latencyP50'],
      });

      // Assess
      expect(metric(result, 'latencyP99').verdict).toBe('pass');
      expect(metric(result, 'latencyP50').verdict).toBe('fail');
      expect(result.verdict).toBe('fail');
    });
  });

  describe('zero traffic', () => {
    it('fails when the new version served nothing in each of the last 3 minutes while the previous version served every minute', () => {
      // Prepare: the new version served 27 minutes, then nothing (its last 3 minutes are absent).
      const baseline = errorSeries(540, 16);
      const candidate = errorSeries(60, 2, 27);

      // Act
      const result = analyseVersions(baseline, candidate, SETTINGS);

      // Assess
      expect(metric(result, 'requests')).toEqual({
        metric: 'requests',
        verdict: 'fail',
        baseline: 1620,
        candidate: 0,
        relativeIncrease: -1,
        pValue: 0,
        samples: { baseline: 3, candidate: 0 },
        reason:
          'requests: the new version served no invocation in the last 3 minutes while the previous version served 1,620 (some in each minute)',
      });
      expect(result.verdict).toBe('fail');
      expect(result.reason).toBe(metric(result, 'requests').reason);
    });

    it('fails when the new version never served at all, though every other metric is inconclusive', () => {
      // Act
      const result = analyseVersions(errorSeries(540, 16), [], SETTINGS);

      // Assess
      expect(metric(result, 'errorRate').verdict).toBe('inconclusive');
      expect(result.verdict).toBe('fail');
    });

    it.each([
      [
        'the new version served in one of the last 3 minutes',
        errorSeries(540, 0),
        minutes(30, (i) => ({ invocations: i === 28 ? 1 : 0 })),
      ],
      [
        'the previous version was idle in one of them too',
        minutes(30, (i) => ({ invocations: i === 29 ? 0 : 540 })),
        [],
      ],
      ['fewer than 3 minutes are known', errorSeries(540, 0, 2), []],
      [
        // 5 requests a minute, 10 % on the new version: about 1.5 expected in 3 minutes, so a quiet
        // spell is chance (e^-1.5 ≈ 22 %), not a broken version
        'the new version should have served too few for a quiet spell to mean anything',
        minutes(30, () => ({ invocations: 5 })),
        minutes(27, (i) => ({ invocations: i % 2 === 0 ? 1 : 0 })).filter((m) => m.invocations > 0),
      ],
      [
        'the new version never served and the previous version served too little for 1 % to be expected',
        minutes(30, () => ({ invocations: 20 })),
        [],
      ],
      ['neither version has a minute', [], []],
    ])('passes when %s', (_case, baseline, candidate) => {
      // Act
      const requests = metric(analyseVersions(baseline, candidate, { ...SETTINGS, metrics: [] }), 'requests');

      // Assess
      expect(requests.verdict).toBe('pass');
    });
  });

  describe('overall verdict', () => {
    it('fails when any metric fails, even if another is inconclusive, and quotes only the failing reasons', () => {
      // Prepare: the error rate is 10×, the latency has too few minutes on the new version.
      const baseline = errorSeries(540, 16).map((m, i) => ({ ...m, p99Ms: 100 * NOISE[i % 20]! }));
      const candidate = errorSeries(60, 18);

      // Act
      const result = analyseVersions(baseline, candidate, SETTINGS);

      // Assess
      expect(result.metrics.map((m) => [m.metric, m.verdict])).toEqual([
        ['errorRate', 'fail'],
        ['latencyP99', 'inconclusive'],
        ['requests', 'pass'],
      ]);
      expect(result.verdict).toBe('fail');
      expect(result.reason).toBe(metric(result, 'errorRate').reason);
    });

    it('is inconclusive before marginal, and marginal before pass', () => {
      // Prepare: the error rate is marginal (1.3× proven), the latency has too few minutes.
      const baseline = errorSeries(540, 810);
      const marginalOnly = errorSeries(60, 117);
      const marginalAndShort = marginalOnly.map((m, i) => (i < 5 ? { ...m, p99Ms: 100 } : m));
      const withLatency = (ms: VersionMinute[]) => ms.map((m, i) => ({ ...m, p99Ms: 100 * NOISE[i % 20]! }));

      // Act
      const inconclusive = analyseVersions(withLatency(baseline), marginalAndShort, SETTINGS);
      const marginal = analyseVersions(withLatency(baseline), withLatency(marginalOnly), SETTINGS);

      // Assess
      expect(inconclusive.verdict).toBe('inconclusive');
      expect(inconclusive.reason).toBe(
        'p99 latency: 5 minutes with invocations and a p99 of the new version and 30 of the previous one, 10 needed per version',
      );
      expect(marginal.verdict).toBe('marginal');
      expect(marginal.reason).toBe(metric(marginal, 'errorRate').reason);
    });

    it('passes with every metric passing and lists them all', () => {
      // Act
      const result = analyseVersions(latencySeries(100), latencySeries(100), SETTINGS);

      // Assess
      expect(result.verdict).toBe('pass');
      expect(result.reason.split('; ')).toHaveLength(3);
    });

    it('judges each metric once when the settings repeat it', () => {
      // Act
      const result = analyseVersions(latencySeries(100), latencySeries(100), {
        ...SETTINGS,
        metrics: ['latencyP99', 'latencyP99'],
      });

      // Assess
      expect(result.metrics.map((m) => m.metric)).toEqual(['latencyP99', 'requests']);
    });
  });

  describe('bad input', () => {
    it('ignores invalid minutes, judges the rest and says how many it ignored', () => {
      // Prepare: 4 broken minutes added to a clean 10× error-rate case.
      const broken: VersionMinute[] = [
        { startMs: T0 - MINUTE, invocations: Number.NaN, errors: 0 },
        { startMs: T0 - 2 * MINUTE, invocations: -5, errors: 0 },
        { startMs: T0 - 3 * MINUTE, invocations: 10, errors: 11 },
        { startMs: T0 - 4 * MINUTE, invocations: 10, errors: 1, p99Ms: Number.POSITIVE_INFINITY },
      ];
      const baseline = errorSeries(540, 16);
      const candidate = [...errorSeries(60, 18), ...broken];

      // Act
      const result = analyseVersions(baseline, candidate, { ...SETTINGS, metrics: ['errorRate'] });
      const clean = analyseVersions(baseline, errorSeries(60, 18), { ...SETTINGS, metrics: ['errorRate'] });

      // Assess
      expect(result.metrics).toEqual(clean.metrics);
      expect(result.reason).toBe(`${clean.reason} (ignored invalid minutes: 4 of the new version)`);
    });

    it('is inconclusive when every minute is invalid', () => {
      // Prepare
      const garbage = minutes(30, () => ({ invocations: 1.5, errors: 0 }));

      // Act
      const result = analyseVersions(garbage, garbage, SETTINGS);

      // Assess
      expect(result.verdict).toBe('inconclusive');
      expect(result.reason).toMatch(
        /ignored invalid minutes: 30 of the previous version, 30 of the new version/,
      );
    });

    it('refuses invalid settings, quoting every value and what was expected', () => {
      // Prepare
      const settings = {
        metrics: ['errorRate', 'latencyP95'],
        maxRelativeIncrease: -0.1,
        confidence: 95,
        minSamples: 0,
      } as unknown as AnalysisSettings;

      // Act
      const act = () => analyseVersions([], [], settings);

      // Assess
      expect(act).toThrow(InvalidInputError);
      expect(act).toThrow(
        /metrics\[1\]: expected one of errorRate, latencyP99, latencyP50, got "latencyP95"/,
      );
      expect(act).toThrow(
        /maxRelativeIncrease: expected a number ≥ 0 \(0\.5 = up to 50 % worse\), got -0\.1/,
      );
      expect(act).toThrow(/confidence: expected a number between 0 and 1 exclusive \(e\.g\. 0\.95\), got 95/);
      expect(act).toThrow(/minSamples: expected an integer ≥ 1 \(minutes per version\), got 0/);
    });
  });

  describe('determinism', () => {
    it('gives the same result for the same minutes in any order, and leaves its input alone', () => {
      // Prepare
      const baseline = errorSeries(540, 810).map((m, i) => ({ ...m, p99Ms: 100 * NOISE[i % 20]! }));
      const candidate = errorSeries(60, 117).map((m, i) => ({ ...m, p99Ms: 140 * NOISE[(i * 7) % 20]! }));
      const copy = structuredClone(candidate);

      // Act
      const first = analyseVersions(baseline, candidate, SETTINGS);
      const again = analyseVersions(baseline, candidate, SETTINGS);
      const reversed = analyseVersions([...baseline].reverse(), [...candidate].reverse(), SETTINGS);

      // Assess
      expect(again).toEqual(first);
      expect(reversed).toEqual(first);
      expect(candidate).toEqual(copy);
    });

    it('never throws on valid settings and gives only finite numbers, for any minutes', () => {
      // Prepare: arbitrary minutes, valid or not; finite numbers survive JSON and DynamoDB.
      const minute = fc.record({
        startMs: fc.integer({ min: 0, max: 40 }).map((i) => T0 + i * MINUTE),
        invocations: fc.oneof(fc.integer({ min: 0, max: 500 }), fc.constant(Number.NaN), fc.constant(-1)),
        errors: fc.integer({ min: 0, max: 50 }),
        p99Ms: fc.option(fc.double({ min: 0, max: 5000, noNaN: true }), { nil: undefined }),
      });
      const series = fc.array(minute, { maxLength: 40 });
      fc.assert(
        fc.property(series, series, fc.integer({ min: 1, max: 10 }), (baseline, candidate, minSamples) => {
          // Act
          const result = analyseVersions(baseline, candidate, { ...SETTINGS, minSamples });

          // Assess
          for (const m of result.metrics) {
            for (const value of [m.baseline, m.candidate, m.relativeIncrease, m.pValue]) {
              expect(Number.isFinite(value)).toBe(true);
            }
            expect(m.pValue).toBeGreaterThanOrEqual(0);
            expect(m.pValue).toBeLessThanOrEqual(1);
          }
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('power, on seeded draws (properties of the method, not of timing)', () => {
    /** mulberry32: a small, well-mixed 32-bit generator; the same seed gives the same draws. */
    function mulberry32(seed: number): () => number {
      let a = seed >>> 0;
      return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
      };
    }

    function binomialDraw(random: () => number, n: number, p: number): number {
      let k = 0;
      for (let i = 0; i < n; i++) if (random() < p) k++;
      return k;
    }

    function normalDraw(random: () => number): number {
      // Box-Muller; 1 - random() is in (0, 1], so the log is finite.
      return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    }

    /** 30 minutes of a version: binomial errors, and a p99 that is log-normal around `p99Ms`. */
    function draw(random: () => number, perMinute: number, errorRate: number, p99Ms: number, sigma: number) {
      return minutes(30, () => ({
        invocations: perMinute,
        errors: binomialDraw(random, perMinute, errorRate),
        p99Ms: p99Ms * Math.exp(sigma * normalDraw(random)),
      }));
    }

    /** Verdicts of one metric over 100 seeded runs. */
    function verdicts(
      metricName: 'errorRate' | 'latencyP99',
      candidate: { errorRate: number; p99Ms: number },
    ): Record<string, number> {
      const counts: Record<string, number> = {};
      for (let seed = 1; seed <= 100; seed++) {
        const random = mulberry32(seed);
        // The previous version serves 90 % (540 a minute), the one-box 10 % (60 a minute); its p99
        // per minute is noisier because it is the p99 of fewer invocations.
        const baseline = draw(random, 540, 0.001, 200, 0.1);
        const young = draw(random, 60, candidate.errorRate, candidate.p99Ms, 0.25);
        const verdict = metric(
          analyseVersions(baseline, young, { ...SETTINGS, metrics: [metricName] }),
          metricName,
        ).verdict;
        counts[verdict] = (counts[verdict] ?? 0) + 1;
      }
      return counts;
    }

    it('fails a 10× error rate (0.1 % → 1 %) in at least 95 of 100 runs', () => {
      // Act
      const counts = verdicts('errorRate', { errorRate: 0.01, p99Ms: 200 });

      // Assess
      expect(counts.fail ?? 0).toBeGreaterThanOrEqual(95);
    });

    it('fails an equal error rate in at most 5 of 100 runs', () => {
      // Act
      const counts = verdicts('errorRate', { errorRate: 0.001, p99Ms: 200 });

      // Assess
      expect(counts.fail ?? 0).toBeLessThanOrEqual(5);
    });

    it('fails a 2× p99 in at least 90 of 100 runs', () => {
      // Act
      const counts = verdicts('latencyP99', { errorRate: 0.001, p99Ms: 400 });

      // Assess
      expect(counts.fail ?? 0).toBeGreaterThanOrEqual(90);
    });

    it('fails an equal p99 in at most 5 of 100 runs', () => {
      // Act
      const counts = verdicts('latencyP99', { errorRate: 0.001, p99Ms: 200 });

      // Assess
      expect(counts.fail ?? 0).toBeLessThanOrEqual(5);
    });
  });
});
