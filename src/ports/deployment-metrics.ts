/*
 * The facts the workflow counts as it runs (deployments started, succeeded and rolled back, bake
 * verdicts, how fast traffic came off after an alarm, lead time, release rollbacks started and
 * ended and how long they took). On AWS they become CloudWatch
 * metrics through the Embedded Metric Format (src/adapters/aws/emf-metrics.ts); on the embedded
 * engine nothing records them unless a recorder is injected.
 */

/** The CloudWatch namespace of the workflow's metrics. */
export const METRICS_NAMESPACE = 'Breakwater';

/** Every metric the workflow records; the names are the CloudWatch metric names (namespace Breakwater). */
export const DEPLOYMENT_METRIC_NAMES = [
  'DeploymentsStarted',
  'DeploymentsSucceeded',
  'DeploymentsRolledBack',
  'BakeVerdicts',
  'AlarmToTrafficOffSeconds',
  'LeadTimeSeconds',
  'ReleaseRollbacksStarted',
  'ReleaseRollbacksCompleted',
  'ReleaseRollbackSeconds',
] as const;
export type DeploymentMetricName = (typeof DEPLOYMENT_METRIC_NAMES)[number];

export type DeploymentMetricUnit = 'Count' | 'Seconds';

/**
 * Dimensions of one data point. Every metric carries `pipeline`; `BakeVerdicts` adds `verdict`,
 * `DeploymentsRolledBack` adds `outcome`; the release rollback metrics add `mode` (`fast` or
 * `reverse-waves`, as first requested) and `ReleaseRollbacksCompleted` also `outcome`. Kept few
 * and bounded: each combination is a metric.
 */
export type DeploymentMetricDimensions = Readonly<Record<string, string>> & { readonly pipeline: string };

/**
 * Records one data point. Recording is best effort and never throws into the workflow.
 *
 * @example
 * deps.deploymentMetrics?.record('DeploymentsStarted', 1, 'Count', { pipeline: 'payments' });
 */
export interface DeploymentMetrics {
  record(
    name: DeploymentMetricName,
    value: number,
    unit: DeploymentMetricUnit,
    dimensions: DeploymentMetricDimensions,
  ): void;
}

/** Records nothing (the embedded engine's default). */
export const noDeploymentMetrics: DeploymentMetrics = { record() {} };
