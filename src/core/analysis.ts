/**
 * Statistical one-box analysis: does the new Lambda version behind an alias behave worse than the
 * previous one, judged from the minutes in which both served traffic at once? Pure: minutes in, a
 * verdict with its figures out. The caller chooses the window (a one-box bake, a health check).
 *
 * Error rate
 *   Pooled per version: Σ errors / Σ invocations. Tested on the counts, not on per-minute ratios
 *   (a minute of 3 invocations would weigh as much as a minute of 3,000): given k = k_new + k_old
 *   errors over n_new and n_old invocations, k_new ~ Binomial(k, p0) under H0
 *   "rate_new ≤ (1+δ)·rate_old", p0 = n_new(1+δ) / (n_new(1+δ) + n_old) — the conditional test
 *   of two Poisson rates. The tail is summed exactly for every k (no normal approximation: walking
 *   from k to where the terms vanish takes O(√k) steps).
 *
 * Latency (p99 or p50)
 *   The samples are the per-minute percentile values of each version (the minutes are the
 *   independent observations; CloudWatch gives no per-request durations). Compared with a one-sided
 *   Mann-Whitney U test, H1 "the new version's minutes are slower". H0 "no worse than allowed" is
 *   tested by scaling the previous version's minutes by (1+δ) before ranking. Exact permutation
 *   distribution of the rank sum (ties included, by midranks) up to {@link EXACT_MANN_WHITNEY_MAX_MINUTES}
 *   minutes in all, the tie-corrected normal approximation with continuity correction above.
 *   The reported statistic is the median minute of each version and the effect size is the ratio
 *   of the two medians. Chosen over the Hodges-Lehmann estimate, which would fit the rank test
 *   slightly better, because then `relativeIncrease` is exactly `candidate / baseline - 1` of the
 *   two figures the reason prints, and a person can check the arithmetic.
 *
 * Verdict per metric (δ = maxRelativeIncrease, α = 1 - confidence)
 *   - `inconclusive`: either version has fewer than `minSamples` minutes with invocations (for
 *     latency: with invocations and the percentile).
 *   - `fail`: the increase is significant against H0 "no worse than (1+δ)×baseline" (p < α):
 *     worse than allowed, proven.
 *   - `marginal`: significantly worse than the baseline (H0 "no worse at all", p < α) but not
 *     proven beyond the allowed increase; or the point estimate exceeds δ but is not significant.
 *   - `pass` otherwise.
 *   `pValue` is always the one of the `fail` test (H0 "no worse than allowed"); the reason quotes
 *   the other one when it decided a `marginal`. Each metric is tested at α on its own: with the
 *   margin δ > 0, a new version equal to its baseline fails far less often than α per metric.
 *
 * Zero traffic (`requests`, always computed, not part of `settings.metrics`)
 *   `fail` when the new version served 0 invocations in each of the last
 *   {@link ZERO_TRAFFIC_MINUTES} minutes while the previous version served some in each of them,
 *   and it should have served at least {@link ZERO_TRAFFIC_MIN_EXPECTED} (its share of the traffic
 *   in the earlier minutes — 1 % if it served none — times what the previous version served), so
 *   that zero by chance is rare (a low-traffic one-box often sees a quiet minute or three);
 *   `pass` otherwise. "The last minutes" end at the latest minute of either series; a minute
 *   absent from a series counts as 0 invocations (CloudWatch returns no datapoint for a minute
 *   without data). It is a rule, not a test: its `pValue` is 0 when it fires and 1 otherwise.
 *
 * A zero baseline
 *   `relativeIncrease` is `candidate / baseline - 1`; when the baseline statistic is 0 it is 0 if
 *   the candidate's is 0 too, and otherwise measured against the smallest non-zero value the
 *   baseline could have shown — one error in its invocations, or 0.01 ms (the resolution of
 *   Lambda's Duration; a latency baseline below it counts as it) — never below 0. With the bounds
 *   on valid minutes below, every number in a result is finite and survives JSON and DynamoDB.
 *
 * Bad minutes
 *   A minute with a non-finite `startMs`, counts that are not non-negative (safe) integers, more
 *   errors than invocations, or a percentile that is present but not a number from 0 to 900,000 ms
 *   (Lambda's 15-minute limit) is
 *   ignored — left out of every rule — and counted in the overall reason. Such minutes come from
 *   the metrics source (a partial last minute, a fake), not from the user, and one of them should
 *   neither abort a deployment nor decide it; if all minutes are bad the verdict is `inconclusive`
 *   and the caller's no-data rule applies. Invalid settings, which come from a pipeline, throw
 *   {@link InvalidInputError}.
 *
 * Overall: `fail` if any metric fails; else `inconclusive` if any is; else `marginal` if any is;
 * else `pass`. Its reason joins the reasons of the metrics with that verdict.
 */
import { type InputIssue, InvalidInputError } from './errors.js';
import type { VersionMinute } from './version-minute.js';

export type AnalysisMetric = 'errorRate' | 'latencyP99' | 'latencyP50';

export interface AnalysisSettings {
  /** The metrics to compare, each judged on its own. */
  readonly metrics: readonly AnalysisMetric[];
  /** e.g. 0.5 = the new version may be up to 50 % worse before it fails. At least 0. */
  readonly maxRelativeIncrease: number;
  /** e.g. 0.95: a metric fails when p < 1 - confidence. Strictly between 0 and 1. */
  readonly confidence: number;
  /** Minimum minutes with invocations per version before any verdict (fewer: inconclusive). An integer ≥ 1. */
  readonly minSamples: number;
}

export type Verdict = 'pass' | 'marginal' | 'fail' | 'inconclusive';

export interface MetricVerdict {
  readonly metric: AnalysisMetric | 'requests';
  readonly verdict: Verdict;
  /**
   * The statistic of the previous version: the pooled error rate (a fraction), the median minute's
   * percentile (ms), or for `requests` its invocations in the last {@link ZERO_TRAFFIC_MINUTES} minutes.
   */
  readonly baseline: number;
  /** The same statistic for the new version. */
  readonly candidate: number;
  /** `candidate / baseline - 1`; see the module comment for a zero baseline. Always finite. */
  readonly relativeIncrease: number;
  /** One-sided, H1 "the new version is worse than allowed"; 1 when nothing was tested. */
  readonly pValue: number;
  /** Minutes with invocations (and, for latency, the percentile) per version. */
  readonly samples: { readonly baseline: number; readonly candidate: number };
  /** One sentence with the figures, new version first: "error rate 1.02% vs 0.10% (+920%, …)". */
  readonly reason: string;
}

export interface AnalysisResult {
  readonly verdict: Verdict;
  /** One entry per distinct metric of the settings, in their order, then `requests`. */
  readonly metrics: readonly MetricVerdict[];
  readonly reason: string;
}

/** The zero-traffic rule looks at this many of the latest minutes. */
export const ZERO_TRAFFIC_MINUTES = 3;
/**
 * The zero-traffic rule fires only when the new version should have served at least this many
 * invocations in those minutes: zero then happens by chance less than once in 1,000 (e^-7).
 */
export const ZERO_TRAFFIC_MIN_EXPECTED = 7;
/** The share assumed for a new version that has served nothing yet: the smallest one-box weight. */
const MIN_ONE_BOX_SHARE = 0.01;

/**
 * Up to this many values in both samples together, {@link mannWhitneyU} computes the exact
 * distribution (at 30 + 30 values: ~0.3 ms without ties, ~6 ms with ties; the one-box bakes it is
 * meant for are 10 to 30 minutes per version); above, the normal approximation, which is then
 * accurate to well below α.
 */
export const EXACT_MANN_WHITNEY_MAX_MINUTES = 60;

const MINUTE_MS = 60_000;

/** The smallest latency a baseline is taken to have shown: Lambda reports Duration to 0.01 ms. */
const LATENCY_RESOLUTION_MS = 0.01;

/** No invocation runs longer than Lambda's 15-minute limit: a longer percentile is bad data. */
const MAX_LATENCY_MS = 900_000;

/**
 * Compares the new version's minutes with the previous version's and gives a verdict per metric
 * and overall. Pure and deterministic; the order of the minutes does not matter.
 *
 * @throws {InvalidInputError} when the settings are invalid (quoting each value and what was expected).
 * @example
 * const result = analyseVersions(previousMinutes, newMinutes, {
 *   metrics: ['errorRate', 'latencyP99'], maxRelativeIncrease: 0.5, confidence: 0.95, minSamples: 10,
 * });
 * result.verdict // 'fail'
 * result.reason  // 'error rate 1.00% vs 0.10% (+913%, p=1.3e-7 < 0.05): worse than the allowed +50%'
 */
export function analyseVersions(
  baseline: readonly VersionMinute[],
  candidate: readonly VersionMinute[],
  settings: AnalysisSettings,
): AnalysisResult {
  validateSettings(settings);
  const old = partitionMinutes(baseline);
  const young = partitionMinutes(candidate);

  const metrics: MetricVerdict[] = [...new Set(settings.metrics)].map((metric) =>
    metric === 'errorRate'
      ? assessErrorRate(old.valid, young.valid, settings)
      : assessLatency(metric, old.valid, young.valid, settings),
  );
  metrics.push(assessRequests(old.valid, young.valid));

  const verdict = overallVerdict(metrics);
  const deciding = metrics.filter((m) => m.verdict === verdict).map((m) => m.reason);
  const ignored = [
    ...(old.ignored > 0 ? [`${old.ignored} of the previous version`] : []),
    ...(young.ignored > 0 ? [`${young.ignored} of the new version`] : []),
  ];
  const ignoredNote = ignored.length > 0 ? ` (ignored invalid minutes: ${ignored.join(', ')})` : '';
  return { verdict, metrics, reason: `${deciding.join('; ')}${ignoredNote}` };
}

function overallVerdict(metrics: readonly MetricVerdict[]): Verdict {
  for (const verdict of ['fail', 'inconclusive', 'marginal'] as const) {
    if (metrics.some((m) => m.verdict === verdict)) return verdict;
  }
  return 'pass';
}

function validateSettings(settings: AnalysisSettings): void {
  const issues: InputIssue[] = [];
  const known: readonly string[] = ['errorRate', 'latencyP99', 'latencyP50'];
  settings.metrics.forEach((metric, i) => {
    if (!known.includes(metric)) {
      issues.push({
        path: `metrics[${i}]`,
        message: `expected one of ${known.join(', ')}, got ${JSON.stringify(metric)}`,
        received: metric,
      });
    }
  });
  const { maxRelativeIncrease, confidence, minSamples } = settings;
  if (!(Number.isFinite(maxRelativeIncrease) && maxRelativeIncrease >= 0)) {
    issues.push({
      path: 'maxRelativeIncrease',
      message: `expected a number ≥ 0 (0.5 = up to 50 % worse), got ${maxRelativeIncrease}`,
      received: maxRelativeIncrease,
    });
  }
  if (!(Number.isFinite(confidence) && confidence > 0 && confidence < 1)) {
    issues.push({
      path: 'confidence',
      message: `expected a number between 0 and 1 exclusive (e.g. 0.95), got ${confidence}`,
      received: confidence,
    });
  }
  if (!(Number.isInteger(minSamples) && minSamples >= 1)) {
    issues.push({
      path: 'minSamples',
      message: `expected an integer ≥ 1 (minutes per version), got ${minSamples}`,
      received: minSamples,
    });
  }
  if (issues.length > 0) throw new InvalidInputError('analysis settings', issues);
}

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function isOptionalLatency(value: number | undefined): boolean {
  return value === undefined || (value >= 0 && value <= MAX_LATENCY_MS);
}

function isValidMinute(minute: VersionMinute): boolean {
  return (
    Number.isFinite(minute.startMs) &&
    isCount(minute.invocations) &&
    isCount(minute.errors) &&
    minute.errors <= minute.invocations &&
    isOptionalLatency(minute.p50Ms) &&
    isOptionalLatency(minute.p99Ms)
  );
}

function partitionMinutes(minutes: readonly VersionMinute[]): {
  valid: readonly VersionMinute[];
  ignored: number;
} {
  const valid = minutes.filter(isValidMinute);
  return { valid, ignored: minutes.length - valid.length };
}

// ---------------------------------------------------------------------------------------------
// The metrics
// ---------------------------------------------------------------------------------------------

interface Decision {
  readonly verdict: Verdict;
  /** What follows the figures in the reason. */
  readonly why: string;
}

/**
 * The verdict table, shared by every metric once both versions have enough minutes.
 * `pAllowed`: H0 "no worse than (1+δ)×baseline"; `pAny`: H0 "no worse at all".
 */
function decide(
  pAllowed: number,
  pAny: number,
  relativeIncrease: number,
  settings: AnalysisSettings,
): Decision {
  const alpha = 1 - settings.confidence;
  const allowed = formatRelative(settings.maxRelativeIncrease);
  const a = formatNumber(alpha);
  if (pAllowed < alpha) {
    return { verdict: 'fail', why: `${formatP(pAllowed)} < ${a}): worse than the allowed ${allowed}` };
  }
  if (pAny < alpha) {
    return {
      verdict: 'marginal',
      why: `${formatP(pAllowed)} ≥ ${a}): worse than the previous version (${formatP(pAny)} < ${a}) but not proven beyond the allowed ${allowed}`,
    };
  }
  if (relativeIncrease > settings.maxRelativeIncrease) {
    return {
      verdict: 'marginal',
      why: `${formatP(pAllowed)} ≥ ${a}): above the allowed ${allowed} but not significant (${formatP(pAny)} ≥ ${a} even against no increase)`,
    };
  }
  return { verdict: 'pass', why: `${formatP(pAllowed)} ≥ ${a}): within the allowed ${allowed}` };
}

function inconclusiveReason(
  what: string,
  counted: string,
  baseline: number,
  candidate: number,
  minSamples: number,
): string {
  return `${what}: ${candidate} minutes ${counted} of the new version and ${baseline} of the previous one, ${minSamples} needed per version`;
}

function assessErrorRate(
  baseline: readonly VersionMinute[],
  candidate: readonly VersionMinute[],
  settings: AnalysisSettings,
): MetricVerdict {
  const old = pooledCounts(baseline);
  const young = pooledCounts(candidate);
  const samples = { baseline: old.minutes, candidate: young.minutes };
  const oldRate = old.invocations > 0 ? old.errors / old.invocations : 0;
  const youngRate = young.invocations > 0 ? young.errors / young.invocations : 0;
  const zeroBaseline = old.errors === 0 && young.errors > 0 && old.invocations > 0;
  const relativeIncrease = zeroBaseline
    ? Math.max(0, youngRate * old.invocations - 1)
    : relativeIncreaseOf(youngRate, oldRate);
  const figures = `error rate ${formatRate(youngRate)} vs ${formatRate(oldRate)}`;
  const common = { metric: 'errorRate', baseline: oldRate, candidate: youngRate, samples } as const;

  if (old.minutes < settings.minSamples || young.minutes < settings.minSamples) {
    return {
      ...common,
      verdict: 'inconclusive',
      relativeIncrease,
      pValue: 1,
      reason: inconclusiveReason(
        'error rate',
        'with invocations',
        old.minutes,
        young.minutes,
        settings.minSamples,
      ),
    };
  }
  const pAllowed = errorRateTest(old, young, settings.maxRelativeIncrease);
  const pAny = errorRateTest(old, young, 0);
  const { verdict, why } = decide(pAllowed, pAny, relativeIncrease, settings);
  const increase = zeroBaseline
    ? `${formatRelative(relativeIncrease)} counting the previous version's 0 errors in ${formatCount(old.invocations)} invocations as 1`
    : formatRelative(relativeIncrease);
  return {
    ...common,
    verdict,
    relativeIncrease,
    pValue: pAllowed,
    reason: `${figures} (${increase}, ${why}`,
  };
}

function pooledCounts(minutes: readonly VersionMinute[]): ErrorCounts & { readonly minutes: number } {
  let errors = 0;
  let invocations = 0;
  let withTraffic = 0;
  for (const minute of minutes) {
    errors += minute.errors;
    invocations += minute.invocations;
    if (minute.invocations > 0) withTraffic++;
  }
  return { errors, invocations, minutes: withTraffic };
}

const LATENCY: Record<
  'latencyP99' | 'latencyP50',
  { field: 'p99Ms' | 'p50Ms'; label: string; percentile: string }
> = {
  latencyP99: { field: 'p99Ms', label: 'p99 latency', percentile: 'p99' },
  latencyP50: { field: 'p50Ms', label: 'p50 latency', percentile: 'p50' },
};

function assessLatency(
  metric: 'latencyP99' | 'latencyP50',
  baseline: readonly VersionMinute[],
  candidate: readonly VersionMinute[],
  settings: AnalysisSettings,
): MetricVerdict {
  const { field, label, percentile } = LATENCY[metric];
  const values = (minutes: readonly VersionMinute[]): number[] =>
    minutes.filter((m) => m.invocations > 0 && m[field] !== undefined).map((m) => m[field] as number);
  const x = values(baseline);
  const y = values(candidate);
  const samples = { baseline: x.length, candidate: y.length };
  const oldMedian = median(x);
  const youngMedian = median(y);
  const relativeIncrease =
    oldMedian < LATENCY_RESOLUTION_MS && youngMedian > 0
      ? Math.max(0, youngMedian / LATENCY_RESOLUTION_MS - 1)
      : relativeIncreaseOf(youngMedian, oldMedian);
  const common = { metric, baseline: oldMedian, candidate: youngMedian, samples, relativeIncrease } as const;

  if (x.length < settings.minSamples || y.length < settings.minSamples) {
    return {
      ...common,
      verdict: 'inconclusive',
      pValue: 1,
      reason: inconclusiveReason(
        label,
        `with invocations and a ${percentile}`,
        x.length,
        y.length,
        settings.minSamples,
      ),
    };
  }
  const scale = 1 + settings.maxRelativeIncrease;
  const pAllowed = mannWhitneyU(
    x.map((v) => v * scale),
    y,
  ).pValue;
  const pAny = mannWhitneyU(x, y).pValue;
  const { verdict, why } = decide(pAllowed, pAny, relativeIncrease, settings);
  const figures = `${label} ${formatMs(youngMedian)} vs ${formatMs(oldMedian)} (median minute, ${formatRelative(relativeIncrease)}`;
  return { ...common, verdict, pValue: pAllowed, reason: `${figures}, ${why}` };
}

function assessRequests(
  baseline: readonly VersionMinute[],
  candidate: readonly VersionMinute[],
): MetricVerdict {
  const latest = Math.max(...baseline.map((m) => m.startMs), ...candidate.map((m) => m.startMs));
  const perSlot = (minutes: readonly VersionMinute[]): number[] => {
    const slots = new Array<number>(ZERO_TRAFFIC_MINUTES).fill(0);
    for (const minute of minutes) {
      const slot = Math.floor((latest - minute.startMs) / MINUTE_MS);
      if (slot >= 0 && slot < ZERO_TRAFFIC_MINUTES) slots[slot] = (slots[slot] ?? 0) + minute.invocations;
    }
    return slots;
  };
  const old = Number.isFinite(latest) ? perSlot(baseline) : [];
  const young = Number.isFinite(latest) ? perSlot(candidate) : [];
  const oldTotal = old.reduce((a, b) => a + b, 0);
  const youngTotal = young.reduce((a, b) => a + b, 0);
  const samples = {
    baseline: old.filter((n) => n > 0).length,
    candidate: young.filter((n) => n > 0).length,
  };
  const common = {
    metric: 'requests',
    baseline: oldTotal,
    candidate: youngTotal,
    relativeIncrease: relativeIncreaseOf(youngTotal, oldTotal),
    samples,
  } as const;
  const minutes = `the last ${ZERO_TRAFFIC_MINUTES} minutes`;
  // Zero is only telling when the new version should have served enough to make it unlikely:
  // its share of the traffic in the earlier minutes of the window (or, if it served none, the
  // smallest share a one-box is given, 1 %) applied to what the previous version served now.
  const earlier = (minutes: readonly VersionMinute[]) =>
    minutes
      .filter((m) => Math.floor((latest - m.startMs) / MINUTE_MS) >= ZERO_TRAFFIC_MINUTES)
      .reduce((sum, m) => sum + m.invocations, 0);
  const youngBefore = earlier(candidate);
  const oldBefore = earlier(baseline);
  const share = youngBefore > 0 ? youngBefore / (youngBefore + oldBefore) : MIN_ONE_BOX_SHARE;
  const expected = share >= 1 ? Number.POSITIVE_INFINITY : (oldTotal * share) / (1 - share);
  if (
    old.length > 0 &&
    youngTotal === 0 &&
    old.every((n) => n > 0) &&
    expected >= ZERO_TRAFFIC_MIN_EXPECTED
  ) {
    return {
      ...common,
      verdict: 'fail',
      pValue: 0,
      reason: `requests: the new version served no invocation in ${minutes} while the previous version served ${formatCount(oldTotal)} (some in each minute)`,
    };
  }
  return {
    ...common,
    verdict: 'pass',
    pValue: 1,
    reason: `requests: the new version served ${formatCount(youngTotal)} invocations in ${minutes}, the previous version ${formatCount(oldTotal)}`,
  };
}

function relativeIncreaseOf(candidate: number, baseline: number): number {
  if (baseline > 0) return candidate / baseline - 1;
  return 0;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// ---------------------------------------------------------------------------------------------
// Formatting for the reasons
// ---------------------------------------------------------------------------------------------

function formatNumber(value: number): string {
  return String(Number(value.toPrecision(6)));
}

function formatP(p: number): string {
  if (p === 0) return 'p=0';
  return p < 1e-4 ? `p=${p.toExponential(1)}` : `p=${Number(p.toPrecision(2))}`;
}

function formatRate(rate: number): string {
  const percent = rate * 100;
  if (percent > 0 && percent < 0.01) return `${Number(percent.toPrecision(2))}%`;
  return `${percent.toFixed(2)}%`;
}

function formatRelative(relative: number): string {
  const percent = relative * 100;
  const shown = Math.abs(percent) >= 10 ? String(Math.round(percent)) : String(Number(percent.toFixed(1)));
  return `${percent >= 0 ? '+' : ''}${shown}%`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms)} ms` : `${Number(ms.toPrecision(3))} ms`;
}

function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

/**
 * The standard normal cumulative distribution function Φ(z): absolute error about 2e-16 and
 * relative error below 3e-13 in both tails, so even a p-value of 1e-20 keeps its digits. Below |z| = 3,
 * Hart's 1968 rational approximation as given by G. West, "Better approximations to cumulative
 * normal functions" (Wilmott, 2005); from 3 on, Laplace's continued fraction for the tail,
 * φ(z) / (z + 1/(z + 2/(z + 3/(z + …)))), cut after 60 terms. Use `normalCdf(-z)` for an upper
 * tail: `1 - normalCdf(z)` loses those digits.
 *
 * @example normalCdf(1.959963984540054) // 0.975
 */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const abs = Math.abs(z);
  const density = Math.exp((-abs * abs) / 2);
  let tail: number;
  if (abs < 3) {
    let num = 3.52624965998911e-2 * abs + 0.700383064443688;
    num = num * abs + 6.37396220353165;
    num = num * abs + 33.912866078383;
    num = num * abs + 112.079291497871;
    num = num * abs + 221.213596169931;
    num = num * abs + 220.206867912376;
    let den = 8.83883476483184e-2 * abs + 1.75566716318264;
    den = den * abs + 16.064177579207;
    den = den * abs + 86.7807322029461;
    den = den * abs + 296.564248779674;
    den = den * abs + 637.333633378831;
    den = den * abs + 793.826512519948;
    den = den * abs + 440.413735824752;
    tail = (density * num) / den;
  } else if (abs === Number.POSITIVE_INFINITY) {
    tail = 0;
  } else {
    let fraction = abs;
    for (let k = 60; k >= 1; k--) fraction = abs + k / fraction;
    tail = density / fraction / Math.sqrt(2 * Math.PI);
  }
  return z > 0 ? 1 - tail : tail;
}

export interface MannWhitneyResult {
  /** U of `y`: the pairs (x_i, y_j) with y_j > x_i, ties counting one half. From 0 to |x|·|y|. */
  readonly u: number;
  /** One-sided, H1 "y is stochastically greater than x": P(U ≥ u) under H0. */
  readonly pValue: number;
  /** How the p-value was computed. */
  readonly method: 'exact' | 'normal';
}

/**
 * One-sided Mann-Whitney U (Wilcoxon rank-sum) test that `y` tends to be greater than `x`.
 *
 * `exact`: the permutation distribution of y's rank sum given the observed ties (midranks), so
 * it is exact with ties too; used when both samples together have at most
 * {@link EXACT_MANN_WHITNEY_MAX_MINUTES} values. `normal`: the tie-corrected normal
 * approximation with continuity correction, z = (U − |x||y|/2 − ½) / σ. `options.method`
 * forces one. An empty sample, or all values tied, gives p = 1 (no evidence).
 *
 * @throws {InvalidInputError} when a value is not a finite number.
 * @example mannWhitneyU([1, 2, 3], [4, 5, 6]) // { u: 9, pValue: 0.05, method: 'exact' } (1 of C(6,3) = 20 arrangements)
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  options: { readonly method?: 'auto' | 'exact' | 'normal' } = {},
): MannWhitneyResult {
  const issues: InputIssue[] = [];
  for (const [name, sample] of [
    ['x', x],
    ['y', y],
  ] as const) {
    sample.forEach((value, i) => {
      if (!Number.isFinite(value)) {
        issues.push({
          path: `${name}[${i}]`,
          message: `expected a finite number, got ${value}`,
          received: value,
        });
      }
    });
  }
  if (issues.length > 0) throw new InvalidInputError('Mann-Whitney U samples', issues);

  const nx = x.length;
  const ny = y.length;
  const n = nx + ny;
  const method = options.method ?? 'auto';
  const useExact = method === 'exact' || (method === 'auto' && n <= EXACT_MANN_WHITNEY_MAX_MINUTES);
  if (nx === 0 || ny === 0) return { u: 0, pValue: 1, method: useExact ? 'exact' : 'normal' };

  // Doubled midranks are integers, which the exact distribution needs as array indices.
  const pooled = [
    ...x.map((value) => ({ value, isY: false })),
    ...y.map((value) => ({ value, isY: true })),
  ].sort((a, b) => a.value - b.value);
  const doubledRanks = new Array<number>(n);
  const tieSizes: number[] = [];
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && pooled[end + 1]!.value === pooled[start]!.value) end++;
    // Ranks start+1 … end+1 share their mean; doubled: start + end + 2.
    for (let i = start; i <= end; i++) doubledRanks[i] = start + end + 2;
    tieSizes.push(end - start + 1);
    start = end + 1;
  }
  let doubledRankSumY = 0;
  pooled.forEach((item, i) => {
    if (item.isY) doubledRankSumY += doubledRanks[i]!;
  });
  const u = doubledRankSumY / 2 - (ny * (ny + 1)) / 2;

  if (useExact) {
    const pValue =
      tieSizes.length === n
        ? exactUUpperTailWithoutTies(nx, ny, u)
        : exactRankSumUpperTail(doubledRanks, ny, doubledRankSumY);
    return { u, pValue, method: 'exact' };
  }
  const tieTerm = tieSizes.reduce((sum, t) => sum + (t * t * t - t), 0);
  const variance = ((nx * ny) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, pValue: 1, method: 'normal' };
  const z = (u - (nx * ny) / 2 - 0.5) / Math.sqrt(variance);
  return { u, pValue: normalCdf(-z), method: 'normal' };
}

/**
 * P(U ≥ u) without ties: the arrangements with U = k are the coefficient of q^k in the Gaussian
 * binomial [nx + ny choose m]_q = ∏_{i=1..m} (1 − q^(n'+i)) / (1 − q^i), m the smaller size and
 * n' the larger; O(m²·n') instead of the general count's O(N⁴). Every intermediate product is a
 * Gaussian binomial with integer coefficients, exact in doubles up to 60 values.
 */
function exactUUpperTailWithoutTies(nx: number, ny: number, u: number): number {
  const m = Math.min(nx, ny);
  const other = Math.max(nx, ny);
  const coefficients = new Float64Array(m * other + 1);
  coefficients[0] = 1;
  let degree = 0;
  for (let i = 1; i <= m; i++) {
    const rise = other + i;
    degree += other;
    for (let k = degree; k >= rise; k--) coefficients[k] = coefficients[k]! - coefficients[k - rise]!;
    for (let k = i; k <= degree; k++) coefficients[k] = coefficients[k]! + coefficients[k - i]!;
  }
  let all = 0;
  let tail = 0;
  for (let k = 0; k <= degree; k++) {
    all += coefficients[k]!;
    if (k >= u) tail += coefficients[k]!;
  }
  return Math.min(1, tail / all);
}

/**
 * P(S ≥ observed), S the sum of `size` of the `ranks` drawn at random without replacement: the
 * rank-sum's permutation distribution, by counting subsets per (size, sum). Counts are doubles:
 * C(60, 30) ≈ 1.2e17 is past 2^53, but only the ratios matter and they keep ~15 digits.
 */
function exactRankSumUpperTail(ranks: readonly number[], size: number, observed: number): number {
  // Count subsets of the smaller side; if that is x, S_y ≥ s ⇔ S_x ≤ total − s.
  const total = ranks.reduce((a, b) => a + b, 0);
  const chooseY = size <= ranks.length - size;
  const m = chooseY ? size : ranks.length - size;
  const maxSum = total;
  const width = maxSum + 1;
  // ways[j * width + s]: subsets of j ranks seen so far summing to s.
  const ways = new Float64Array((m + 1) * width);
  ways[0] = 1;
  let reach = 0;
  ranks.forEach((rank, i) => {
    for (let j = Math.min(i + 1, m); j >= 1; j--) {
      const from = (j - 1) * width;
      const to = j * width;
      for (let s = reach; s >= 0; s--) {
        const w = ways[from + s]!;
        if (w !== 0) ways[to + s + rank] = ways[to + s + rank]! + w;
      }
    }
    reach += rank;
  });
  let all = 0;
  let tail = 0;
  const row = m * width;
  for (let s = 0; s <= maxSum; s++) {
    const w = ways[row + s]!;
    if (w === 0) continue;
    all += w;
    if (chooseY ? s >= observed : s <= total - observed) tail += w;
  }
  return Math.min(1, tail / all);
}

const LOG_FACTORIAL_TABLE: readonly number[] = (() => {
  const table = [0];
  for (let i = 1; i < 256; i++) table.push(table[i - 1]! + Math.log(i));
  return table;
})();

/** ln(n!) for an integer n ≥ 0: a table below 256, Stirling's series (error < 1e-17) above. */
function logFactorial(n: number): number {
  if (n < LOG_FACTORIAL_TABLE.length) return LOG_FACTORIAL_TABLE[n]!;
  const inv = 1 / n;
  const inv2 = inv * inv;
  return (
    n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + inv * (1 / 12 - inv2 * (1 / 360 - inv2 / 1260))
  );
}

/**
 * P(X ≥ k) for X ~ Binomial(n, p), summed exactly: from k upwards when k is at or above the mean,
 * else as 1 − P(X ≤ k − 1) summed downwards; either way the terms fall monotonically from the
 * first, so the walk stops after O(√n) of them at double precision.
 *
 * @throws {InvalidInputError} when k or n is not an integer, n < 0, or p is outside [0, 1].
 * @example binomialUpperTail(8, 10, 0.5) // 0.0546875 (= (45 + 10 + 1) / 1024)
 */
export function binomialUpperTail(k: number, n: number, p: number): number {
  const issues: InputIssue[] = [];
  if (!Number.isInteger(k)) issues.push({ path: 'k', message: `expected an integer, got ${k}`, received: k });
  if (!isCount(n)) issues.push({ path: 'n', message: `expected an integer ≥ 0, got ${n}`, received: n });
  if (!(p >= 0 && p <= 1))
    issues.push({ path: 'p', message: `expected a probability in [0, 1], got ${p}`, received: p });
  if (issues.length > 0) throw new InvalidInputError('binomial tail', issues);

  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p === 0) return 0;
  if (p === 1) return 1;
  const logPmf = (i: number) =>
    logFactorial(n) - logFactorial(i) - logFactorial(n - i) + i * Math.log(p) + (n - i) * Math.log1p(-p);
  const odds = p / (1 - p);
  if (k >= n * p) {
    let term = Math.exp(logPmf(k));
    let sum = 0;
    for (let i = k; i <= n && term > 0; i++) {
      sum += term;
      if (term < sum * 1e-17) break;
      term *= ((n - i) / (i + 1)) * odds;
    }
    return Math.min(1, sum);
  }
  let term = Math.exp(logPmf(k - 1));
  let sum = 0;
  for (let i = k - 1; i >= 0 && term > 0; i--) {
    sum += term;
    if (term < sum * 1e-17) break;
    term *= i / (n - i + 1) / odds;
  }
  return Math.max(0, 1 - sum);
}

/** Errors out of invocations, pooled over a version's minutes. */
export interface ErrorCounts {
  readonly errors: number;
  readonly invocations: number;
}

/**
 * One-sided test that the candidate's error rate is more than (1 + maxRelativeIncrease) times the
 * baseline's, on the counts: the conditional binomial test of two Poisson rates. Given
 * k = k_new + k_old, k_new ~ Binomial(k, p0) at the boundary of H0 "rate_new ≤ (1+δ)·rate_old",
 * p0 = n_new(1+δ) / (n_new(1+δ) + n_old); returns P(X ≥ k_new). No error at all, or no invocation
 * on either side, gives 1 (no evidence).
 *
 * @throws {InvalidInputError} when a count is not a non-negative integer or δ is negative.
 * @example errorRateTest({ errors: 2, invocations: 1000 }, { errors: 10, invocations: 1000 }, 0)
 *   // 0.0193 (= P(Binomial(12, ½) ≥ 10) = 79 / 4096)
 */
export function errorRateTest(
  baseline: ErrorCounts,
  candidate: ErrorCounts,
  maxRelativeIncrease: number,
): number {
  const issues: InputIssue[] = [];
  for (const [name, counts] of [
    ['baseline', baseline],
    ['candidate', candidate],
  ] as const) {
    for (const field of ['errors', 'invocations'] as const) {
      if (!isCount(counts[field])) {
        issues.push({
          path: `${name}.${field}`,
          message: `expected an integer ≥ 0, got ${counts[field]}`,
          received: counts[field],
        });
      }
    }
  }
  if (!(Number.isFinite(maxRelativeIncrease) && maxRelativeIncrease >= 0)) {
    issues.push({
      path: 'maxRelativeIncrease',
      message: `expected a number ≥ 0, got ${maxRelativeIncrease}`,
      received: maxRelativeIncrease,
    });
  }
  if (issues.length > 0) throw new InvalidInputError('error rate test', issues);

  const k = baseline.errors + candidate.errors;
  if (k === 0 || baseline.invocations === 0 || candidate.invocations === 0) return 1;
  const weighted = candidate.invocations * (1 + maxRelativeIncrease);
  const p0 = weighted / (weighted + baseline.invocations);
  return binomialUpperTail(candidate.errors, k, p0);
}
