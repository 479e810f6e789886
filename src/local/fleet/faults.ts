import { ThrottledError, TransientError } from '../../core/errors.js';
import type { Scope } from '../../ports/fleet.js';
import type { ApiFault, FleetApi } from '../scenario.js';
import { type FleetTarget, selectsTarget } from './types.js';

/*
 * API fault injection: the scenario's `apiFaults` make calls fail the way AWS does under load
 * (throttling) or trouble (5xx), so retries and back-off are exercised. Every call is counted,
 * failed or not, as AWS counts throttled calls against the rate too.
 */

/** Calls made to each simulated AWS API. */
export type ApiCallCounts = Record<FleetApi, number>;

/** The busiest virtual second of one API in one account and region. */
export interface CallRatePeak {
  readonly account: string;
  readonly region: string;
  /** Calls made within that second. */
  readonly calls: number;
  /** Start of the (first) busiest second, epoch ms. */
  readonly secondStartMs: number;
}

/** What a call concerns beyond its targets: where it went, and how many metrics it asked for. */
export interface CallDetails {
  /** The account and region the call went to; its rate is counted per virtual second there. */
  readonly scope?: Scope;
  /** GetMetricData: metrics requested in this call (CloudWatch bills each one). */
  readonly metrics?: number;
}

/**
 * The most calls made within one virtual second, per account and region. CloudWatch and Lambda
 * throttle per account and region, so that is the rate to compare with their quotas. Calls must
 * arrive in non-decreasing time order (the virtual clock only moves forward); only the current
 * second and the peak are kept per scope, so memory does not grow with the simulated time.
 *
 * @example
 * const rate = new PeakRateCounter();
 * rate.record({ account: '111111111111', region: 'us-east-1' }, clock.nowMs());
 * rate.peaks()[0]; // { account, region, calls: 1, secondStartMs }
 */
export class PeakRateCounter {
  private readonly scopes = new Map<string, { current: CallRatePeak; peak: CallRatePeak }>();

  record(scope: Scope, atMs: number): void {
    const key = `${scope.account}/${scope.region}`;
    const secondStartMs = Math.floor(atMs / 1000) * 1000;
    const entry = this.scopes.get(key);
    if (!entry) {
      const first = { account: scope.account, region: scope.region, calls: 1, secondStartMs };
      this.scopes.set(key, { current: first, peak: first });
      return;
    }
    const current =
      entry.current.secondStartMs === secondStartMs
        ? { ...entry.current, calls: entry.current.calls + 1 }
        : { account: scope.account, region: scope.region, calls: 1, secondStartMs };
    entry.current = current;
    if (current.calls > entry.peak.calls) entry.peak = current;
  }

  /** The peak of every account and region, busiest first (ties: earlier second, then name). */
  peaks(): CallRatePeak[] {
    return [...this.scopes.values()]
      .map((e) => e.peak)
      .sort(
        (a, b) =>
          b.calls - a.calls ||
          a.secondStartMs - b.secondStartMs ||
          `${a.account}/${a.region}`.localeCompare(`${b.account}/${b.region}`),
      );
  }
}

export class ApiFaultInjector {
  private readonly used: number[];
  private readonly counts: ApiCallCounts = {
    GetAlias: 0,
    UpdateAlias: 0,
    PublishVersion: 0,
    GetFunctionConfiguration: 0,
    DescribeAlarms: 0,
    GetMetricData: 0,
  };
  private metrics = 0;
  private readonly rates = new Map<FleetApi, PeakRateCounter>();

  constructor(private readonly faults: readonly ApiFault[]) {
    this.used = faults.map(() => 0);
  }

  /** A copy of the call counts so far. */
  get callCounts(): Readonly<ApiCallCounts> {
    return { ...this.counts };
  }

  /** Metrics requested by GetMetricData calls so far (each query of a call is one), failed calls included. */
  get metricsRequested(): number {
    return this.metrics;
  }

  /**
   * The busiest virtual second of `api` in each account and region, busiest first; only calls
   * made with a `scope` are counted.
   */
  peakCallsPerSecond(api: FleetApi): CallRatePeak[] {
    return this.rates.get(api)?.peaks() ?? [];
  }

  /**
   * Counts one call and throws ThrottledError or TransientError when a fault applies to it: the
   * fault has started and not ended, names one of `concerned` (or no targets), and has not
   * used up its `count`.
   *
   * @example injector.call('DescribeAlarms', targetsInScope, clock.nowMs(), { scope })
   */
  call(api: FleetApi, concerned: readonly FleetTarget[], atMs: number, details: CallDetails = {}): void {
    this.counts[api] += 1;
    this.metrics += details.metrics ?? 0;
    if (details.scope) {
      let rate = this.rates.get(api);
      if (!rate) {
        rate = new PeakRateCounter();
        this.rates.set(api, rate);
      }
      rate.record(details.scope, atMs);
    }
    this.faults.forEach((fault, i) => {
      if (fault.api !== api || atMs < fault.atMs) return;
      if (fault.untilMs !== undefined && atMs >= fault.untilMs) return;
      if (fault.count !== undefined && (this.used[i] as number) >= fault.count) return;
      const { targets } = fault;
      if (targets && !concerned.some((t) => selectsTarget(targets, t))) return;
      this.used[i] = (this.used[i] as number) + 1;
      throw fault.error === 'throttle'
        ? new ThrottledError(`Rate exceeded (simulated ${api} throttling, apiFaults[${i}])`)
        : new TransientError(`Service unavailable (simulated ${api} failure, apiFaults[${i}])`);
    });
  }
}
