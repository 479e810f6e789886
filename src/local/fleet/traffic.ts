import type { Behaviour, Fault, Scenario } from '../scenario.js';
import { type RoutingChange, routingIndexAt } from './lambda.js';
import { DURATION_P99_FACTOR } from './metrics.js';
import { drawBinomial, drawLognormal, drawPoisson, type NoiseQuantity, type Random } from './noise.js';
import { type FleetTarget, MINUTE_MS, selectsTarget } from './types.js';

/*
 * Traffic: how many requests reach a target in a minute, how the alias splits them between
 * versions, and how each version behaves (baseline or candidate, plus the faults active then).
 * Counts are expected values, rounded with error diffusion (the rounding remainder carries into
 * the next minute) so that small rates still show up over time and two runs are identical.
 */

/** What one version served behind one alias during one minute. */
export interface MinuteSample {
  readonly version: string;
  readonly invocations: number;
  readonly errors: number;
  readonly throttles: number;
  /** Mean duration of the minute's invocations; also their p50 (the simulator models no skew). */
  readonly durationMs: number;
  /** Duration p99 when it was drawn (noise); absent: `durationMs × DURATION_P99_FACTOR`. */
  readonly p99Ms?: number;
}

/** The noise of one target's minute (the scenario's `noise`, with the generators of that minute). */
export interface MinuteNoise {
  /** Draw requests (Poisson), throttles and errors (binomial) instead of rounding expected values. */
  readonly counts: boolean;
  /** Coefficient of variation of each minute's p50 and p99 around their means; 0: none. */
  readonly latencyCv: number;
  /** The generator of one version's quantity in this minute. */
  readonly random: (version: string, quantity: NoiseQuantity) => Random;
}

/** Request rate of a target at a time, with the diurnal swing (lowest at 00:00 UTC). */
export function requestsPerMinute(scenario: Scenario, targetId: string, atMs: number): number {
  const base = scenario.traffic.perTarget[targetId] ?? scenario.traffic.requestsPerMinute;
  const swing = scenario.traffic.diurnalSwing;
  if (swing === 0) return base;
  const dayFraction = (atMs % 86_400_000) / 86_400_000;
  return base * (1 - swing * Math.cos(2 * Math.PI * dayFraction));
}

/**
 * Share of the minute [fromMs, fromMs + 1 min) each version received: each routing in effect
 * during the minute contributes for the time it was in effect, split by its weight.
 */
export function minuteShares(history: readonly RoutingChange[], fromMs: number): Map<string, number> {
  const toMs = fromMs + MINUTE_MS;
  const shares = new Map<string, number>();
  const add = (version: string, share: number) => {
    if (share > 0) shares.set(version, (shares.get(version) ?? 0) + share);
  };
  for (let i = routingIndexAt(history, fromMs); i < history.length; i++) {
    const change = history[i] as RoutingChange;
    if (change.atMs >= toMs && i > 0) break;
    // Before the alias's first routing the fleet was already serving: the first routing applies.
    const start = i === 0 ? fromMs : Math.max(change.atMs, fromMs);
    const end = Math.min(history[i + 1]?.atMs ?? Number.POSITIVE_INFINITY, toMs);
    if (end <= start) continue;
    const span = (end - start) / MINUTE_MS;
    const weight = change.additional?.weight ?? 0;
    add(change.functionVersion, span * (1 - weight));
    if (change.additional) add(change.additional.version, span * weight);
  }
  return shares;
}

/** The faults of a scenario that apply to a target, precomputed once. */
export function faultsFor(scenario: Scenario, target: FleetTarget): Fault[] {
  return scenario.faults.filter((f) => selectsTarget(f.targets, target));
}

/** How strong a fault is at `atMs`: 0 before/after, 1 at full strength, linear during a slow burn. */
export function faultStrength(fault: Fault, atMs: number): number {
  if (atMs < fault.atMs || (fault.untilMs !== undefined && atMs >= fault.untilMs)) return 0;
  if (fault.kind === 'sudden' || !fault.ramp) return 1;
  return Math.min(1, (atMs - fault.atMs) / (fault.ramp * 1000));
}

/** Behaviour of a version at a time: its role's behaviour, made worse by every active fault. */
export function behaviourAt(
  scenario: Scenario,
  faults: readonly Fault[],
  role: 'baseline' | 'candidate',
  atMs: number,
): Behaviour {
  const base = scenario[role];
  let { errorRate, latencyMs, throttleRate } = base;
  for (const fault of faults) {
    if (fault.version !== 'all' && fault.version !== role) continue;
    const strength = faultStrength(fault, atMs);
    if (strength === 0) continue;
    // Faults only make things worse: the strongest effect wins, never an improvement.
    const toward = (from: number, to: number | undefined) =>
      to === undefined ? from : from + (to - from) * strength;
    errorRate = Math.max(errorRate, toward(base.errorRate, fault.errorRate));
    latencyMs = Math.max(latencyMs, toward(base.latencyMs, fault.latencyMs));
    throttleRate = Math.max(throttleRate, toward(base.throttleRate, fault.throttleRate));
  }
  return { errorRate, latencyMs, throttleRate };
}

/** Rounding remainders per version, carried from one minute to the next. */
export type Carry = Map<string, { requests: number; errors: number; throttles: number }>;

function diffuse(expected: number, carry: number): [value: number, carry: number] {
  const value = Math.max(0, Math.round(expected + carry));
  return [value, expected + carry - value];
}

/**
 * The samples of one target for one minute. `carry` is updated in place; call minutes in order.
 * With `noise`, counts are drawn (the carry is left alone) and/or latencies are: the minute's mean
 * (and p50) and its p99 independently, each lognormal around its noiseless value with the
 * coefficient of variation `latencyCv` (for a minute of 600 invocations; × √(600/n) for n), the
 * p99 never below the p50.
 *
 * @example
 * sampleMinute({ requests: 600, shares: new Map([['1', 0.9], ['2', 0.1]]), behaviourOf, carry })
 * // [{ version: '1', invocations: 540, ... }, { version: '2', invocations: 60, ... }]
 */
export function sampleMinute(input: {
  readonly requests: number;
  readonly shares: ReadonlyMap<string, number>;
  readonly behaviourOf: (version: string) => Behaviour;
  readonly carry: Carry;
  readonly noise?: MinuteNoise;
}): MinuteSample[] {
  const samples: MinuteSample[] = [];
  const { noise } = input;
  for (const [version, share] of input.shares) {
    const behaviour = input.behaviourOf(version);
    const counts = noise?.counts
      ? drawCounts(input.requests * share, behaviour, noise.random(version, 'counts'))
      : diffuseCounts(input.requests * share, behaviour, version, input.carry);
    if (counts.requests === 0) continue;
    const { invocations, errors, throttles } = counts;
    if (noise !== undefined && noise.latencyCv > 0) {
      const random = noise.random(version, 'latency');
      // A percentile of fewer invocations spreads more: `latencyCv` is the spread of a minute of
      // LATENCY_CV_REFERENCE_INVOCATIONS, and it grows as 1/√n below that (a 10 % one-box's p99 is
      // noisier than the baseline's).
      const cv = noise.latencyCv * Math.sqrt(LATENCY_CV_REFERENCE_INVOCATIONS / Math.max(1, invocations));
      const durationMs = drawLognormal(behaviour.latencyMs, cv, random);
      const p99Ms = Math.max(
        durationMs,
        drawLognormal(behaviour.latencyMs * DURATION_P99_FACTOR, cv, random),
      );
      samples.push({ version, invocations, errors, throttles, durationMs, p99Ms });
    } else {
      samples.push({ version, invocations, errors, throttles, durationMs: behaviour.latencyMs });
    }
  }
  return samples;
}

/** The invocations in a minute whose latency percentiles spread by exactly `latencyCv`. */
export const LATENCY_CV_REFERENCE_INVOCATIONS = 600;

interface MinuteCounts {
  readonly requests: number;
  readonly invocations: number;
  readonly errors: number;
  readonly throttles: number;
}

/** Expected values rounded with error diffusion: the remainders carry into the next minute. */
function diffuseCounts(expected: number, behaviour: Behaviour, version: string, carry: Carry): MinuteCounts {
  let rest = carry.get(version);
  if (!rest) {
    rest = { requests: 0, errors: 0, throttles: 0 };
    carry.set(version, rest);
  }
  const [requests, requestsCarry] = diffuse(expected, rest.requests);
  const [throttlesRaw, throttlesCarry] = diffuse(requests * behaviour.throttleRate, rest.throttles);
  const throttles = Math.min(requests, throttlesRaw);
  const invocations = requests - throttles;
  const [errorsRaw, errorsCarry] = diffuse(invocations * behaviour.errorRate, rest.errors);
  const errors = Math.min(invocations, errorsRaw);
  rest.requests = requestsCarry;
  rest.errors = errorsCarry;
  rest.throttles = throttlesCarry;
  return { requests, invocations, errors, throttles };
}

/**
 * Counts drawn as Lambda would see them: requests arriving at random (Poisson; splitting a Poisson
 * stream by weight gives each version its own), then each throttled and each invocation failing
 * independently (binomial).
 */
function drawCounts(expected: number, behaviour: Behaviour, random: Random): MinuteCounts {
  const requests = drawPoisson(expected, random);
  const throttles = drawBinomial(requests, behaviour.throttleRate, random);
  const invocations = requests - throttles;
  const errors = drawBinomial(invocations, behaviour.errorRate, random);
  return { requests, invocations, errors, throttles };
}
