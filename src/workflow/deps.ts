import type { Clock } from '../ports/clock.js';
import type { DeploymentMetrics } from '../ports/deployment-metrics.js';
import type { DeploymentEventPublisher } from '../ports/events.js';
import type { AlarmSource, MetricSource, TrafficRouter } from '../ports/fleet.js';
import type { HookInvoker } from '../ports/hooks.js';
import type { Log } from '../ports/log.js';
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
