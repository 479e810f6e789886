import type {
  DeploymentMetricDimensions,
  DeploymentMetricName,
  DeploymentMetrics,
  DeploymentMetricUnit,
} from '../../src/ports/deployment-metrics.js';

export interface RecordedMetric {
  readonly name: DeploymentMetricName;
  readonly value: number;
  readonly unit: DeploymentMetricUnit;
  readonly dimensions: DeploymentMetricDimensions;
}

/** A DeploymentMetrics that keeps every data point, for assertions. */
export class RecordedMetrics implements DeploymentMetrics {
  readonly points: RecordedMetric[] = [];

  record(
    name: DeploymentMetricName,
    value: number,
    unit: DeploymentMetricUnit,
    dimensions: DeploymentMetricDimensions,
  ): void {
    this.points.push({ name, value, unit, dimensions });
  }

  named(name: DeploymentMetricName): RecordedMetric[] {
    return this.points.filter((p) => p.name === name);
  }
}
