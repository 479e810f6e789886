import type { Clock } from '../ports/clock.js';
import type { DeploymentMetrics } from '../ports/deployment-metrics.js';
import type { DeploymentEventPublisher } from '../ports/events.js';
import type { AlarmSource, MetricSource, TrafficRouter } from '../ports/fleet.js';
import type { HookInvoker } from '../ports/hooks.js';
import type { Log } from '../ports/log.js';
import type { TargetAccountPort } from '../ports/step-catalog.js';
import type { DeploymentStore } from '../ports/store.js';

/** Everything a workflow step needs, injected by a composition root (Lambda or embedded engine). */
export interface StepDeps {
  readonly store: DeploymentStore;
  readonly router: TrafficRouter;
  readonly alarms: AlarmSource;
  readonly metrics: MetricSource;
  readonly clock: Clock;
  readonly log: Log;
  /**
   * Organisation-wide alarms read before every wave and target starts, in each target's account
   * and region, besides the pipeline's own blocker alarms (same placeholders as alarm names).
   */
  readonly organisationAlarms?: readonly string[];
  /** Where deployment state changes are published (EventBridge on AWS); none when absent. */
  readonly events?: DeploymentEventPublisher;
  /** Invokes the pipeline's hooks; a pipeline with hooks fails its hook step without one. */
  readonly hooks?: HookInvoker;
  /** Where the workflow counts what happened (CloudWatch EMF on AWS); nothing is recorded when absent. */
  readonly deploymentMetrics?: DeploymentMetrics;
}

/**
 * A port a step's Lambda was built without: any call is a wiring mistake, named as such. The
 * Lambdas and the embedded engine both put it where the step catalog names no port.
 *
 * @example const deps = { ...engineDeps, router: unwiredPort('router') };
 */
export function unwiredPort<K extends TargetAccountPort>(port: K): StepDeps[K] {
  return new Proxy({} as NonNullable<StepDeps[K]>, {
    get: (_target, method) => () => {
      throw new Error(
        `this step was built without the ${port} port (called ${String(method)}): name it in lambdaDeps() in its functions/steps module and in its entry of src/ports/step-catalog.ts`,
      );
    },
  });
}
