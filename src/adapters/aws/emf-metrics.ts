import type { Metrics } from '@aws-lambda-powertools/metrics';
import type {
  DeploymentMetricDimensions,
  DeploymentMetricName,
  DeploymentMetrics,
  DeploymentMetricUnit,
} from '../../ports/deployment-metrics.js';

/**
 * {@link DeploymentMetrics} as CloudWatch Embedded Metric Format lines, through Powertools
 * Metrics. Each data point is its own EMF document, written at once with exactly its dimensions
 * (`pipeline`, and `verdict` or `outcome`): one invocation may record facts of several pipelines
 * (the alarm watcher), which one shared dimension set could not tell apart, and a step that
 * fails after committing a fact still reports it.
 *
 * @example
 * const metrics = new PowertoolsDeploymentMetrics(new Metrics({ namespace: 'Breakwater', serviceName: 'breakwater' }));
 * metrics.record('DeploymentsStarted', 1, 'Count', { pipeline: 'payments' });
 */
export class PowertoolsDeploymentMetrics implements DeploymentMetrics {
  readonly #metrics: Metrics;

  constructor(metrics: Metrics) {
    this.#metrics = metrics;
  }

  record(
    name: DeploymentMetricName,
    value: number,
    unit: DeploymentMetricUnit,
    dimensions: DeploymentMetricDimensions,
  ): void {
    const single = this.#metrics.singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    single.addMetric(name, unit, value);
  }
}
