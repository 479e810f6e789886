import { ThrottledError, TransientError } from '../../core/errors.js';
import type { ApiFault, FleetApi } from '../scenario.js';
import { type FleetTarget, selectsTarget } from './types.js';

/*
 * API fault injection: the scenario's `apiFaults` make calls fail the way AWS does under load
 * (throttling) or trouble (5xx), so retries and back-off are exercised. Every call is counted,
 * failed or not, as AWS counts throttled calls against the rate too.
 */

/** Calls made to each simulated AWS API. */
export type ApiCallCounts = Record<FleetApi, number>;

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

  constructor(private readonly faults: readonly ApiFault[]) {
    this.used = faults.map(() => 0);
  }

  /** A copy of the call counts so far. */
  get callCounts(): Readonly<ApiCallCounts> {
    return { ...this.counts };
  }

  /**
   * Counts one call and throws ThrottledError or TransientError when a fault applies to it: the
   * fault has started and not ended, names one of `concerned` (or no targets), and has not
   * used up its `count`.
   *
   * @example injector.call('GetAlias', [target], clock.nowMs())
   */
  call(api: FleetApi, concerned: readonly FleetTarget[], atMs: number): void {
    this.counts[api] += 1;
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
