import {
  aws_cloudwatch as cloudwatch,
  Duration,
  type aws_dynamodb as dynamodb,
  type aws_lambda as lambda,
  type aws_stepfunctions as sfn,
  type aws_sqs as sqs,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type DeploymentMetricName, METRICS_NAMESPACE } from '../../src/ports/deployment-metrics.js';

/*
 * The control plane's monitoring, in two layers (as cdk-monitoring-constructs does): metric
 * factories here, and the alarms (BreakwaterControlPlane) and the dashboard built on them.
 */

/** What the control plane is made of, as far as watching it goes. */
export interface ControlPlaneMonitoredResources {
  readonly stateMachines: Readonly<Record<string, sfn.IStateMachine>>;
  /** Every Lambda, by the name shown in alarms and widgets (`StartWave`, `AlarmState`...). */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly table: dynamodb.ITable;
  /** The dead-letter queues, by name (`Rollback`, `AlarmEvent`). */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
}

/**
 * Every metric the control plane's alarms and dashboard read: its own health (failed executions,
 * Lambda errors and throttles, table throttles, dead letters) and what the workflow records
 * through EMF (namespace Breakwater, dimensions `service` and `pipeline`, see docs/deploy.md).
 *
 * @example
 * const metrics = new ControlPlaneMetrics(resources);
 * new cloudwatch.Alarm(scope, 'Failed', { metric: metrics.executionsFailed('Deployment'), threshold: 1, evaluationPeriods: 1 });
 */
export class ControlPlaneMetrics {
  readonly period: Duration;
  readonly #resources: ControlPlaneMonitoredResources;

  constructor(resources: ControlPlaneMonitoredResources, period: Duration = Duration.minutes(5)) {
    this.#resources = resources;
    this.period = period;
  }

  get resources(): ControlPlaneMonitoredResources {
    return this.#resources;
  }

  executionsFailed(machine: string): cloudwatch.Metric {
    return this.#machine(machine).metricFailed({ period: this.period });
  }

  executionsTimedOut(machine: string): cloudwatch.Metric {
    return this.#machine(machine).metricTimedOut({ period: this.period });
  }

  lambdaErrors(fn: string): cloudwatch.Metric {
    return this.#function(fn).metricErrors({ period: this.period, statistic: 'Sum' });
  }

  lambdaThrottles(fn: string): cloudwatch.Metric {
    return this.#function(fn).metricThrottles({ period: this.period, statistic: 'Sum' });
  }

  /** Throttled reads and writes of the table together (missing data counts as none). */
  tableThrottles(): cloudwatch.MathExpression {
    const { table } = this.#resources;
    return new cloudwatch.MathExpression({
      expression: 'FILL(reads, 0) + FILL(writes, 0)',
      usingMetrics: {
        reads: table.metric('ReadThrottleEvents', { statistic: 'Sum', period: this.period }),
        writes: table.metric('WriteThrottleEvents', { statistic: 'Sum', period: this.period }),
      },
      period: this.period,
      label: 'Throttled reads and writes',
    });
  }

  /** Messages waiting in a dead-letter queue (each one is something Breakwater did not do). */
  deadLetters(queue: string): cloudwatch.Metric {
    const q = this.#resources.deadLetterQueues[queue];
    if (!q)
      throw new Error(`no dead-letter queue "${queue}": expected one of ${this.#names('deadLetterQueues')}`);
    return q.metricApproximateNumberOfMessagesVisible({
      period: this.period,
      statistic: 'Maximum',
    });
  }

  /** A deployment (or release rollback) count summed over every pipeline (and outcome, mode). */
  deploymentCount(
    name: Extract<
      DeploymentMetricName,
      | 'DeploymentsStarted'
      | 'DeploymentsSucceeded'
      | 'DeploymentsRolledBack'
      | 'ReleaseRollbacksStarted'
      | 'ReleaseRollbacksCompleted'
    >,
    period: Duration = Duration.hours(1),
  ): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `SUM(${search(name, 'Sum', period)})`,
      period,
      label: name,
    });
  }

  /** One line per pipeline (and verdict or outcome): a statistic of a workflow metric. */
  perPipeline(
    name: DeploymentMetricName,
    statistic: string,
    period: Duration = Duration.hours(1),
  ): cloudwatch.MathExpression {
    // No label: CloudWatch names each series the search finds by its dimensions.
    return new cloudwatch.MathExpression({ expression: search(name, statistic, period), period });
  }

  #machine(id: string): sfn.IStateMachine {
    const machine = this.#resources.stateMachines[id];
    if (!machine)
      throw new Error(`no state machine "${id}": expected one of ${this.#names('stateMachines')}`);
    return machine;
  }

  #function(id: string): lambda.IFunction {
    const fn = this.#resources.functions[id];
    if (!fn) throw new Error(`no function "${id}": expected one of ${this.#names('functions')}`);
    return fn;
  }

  #names(key: 'stateMachines' | 'functions' | 'deadLetterQueues'): string {
    return Object.keys(this.#resources[key]).join(', ');
  }
}

/** The dimensions Powertools writes with each workflow metric (`service` is Powertools' own). */
const DIMENSIONS: Readonly<Record<DeploymentMetricName, string>> = {
  DeploymentsStarted: 'pipeline,service',
  DeploymentsSucceeded: 'pipeline,service',
  DeploymentsRolledBack: 'outcome,pipeline,service',
  BakeVerdicts: 'pipeline,service,verdict',
  AlarmToTrafficOffSeconds: 'pipeline,service',
  LeadTimeSeconds: 'pipeline,service',
  ReleaseRollbacksStarted: 'mode,pipeline,service',
  ReleaseRollbacksCompleted: 'mode,outcome,pipeline,service',
  ReleaseRollbackSeconds: 'mode,pipeline,service',
};

/** A CloudWatch SEARCH over every pipeline's series of a workflow metric. */
function search(name: DeploymentMetricName, statistic: string, period: Duration): string {
  return `SEARCH('{${METRICS_NAMESPACE},${DIMENSIONS[name]}} MetricName="${name}"', '${statistic}', ${period.toSeconds()})`;
}

/**
 * The control plane's dashboard: its own health first (failed executions, Lambda errors and
 * throttles, dead letters, table throttles), then what it did (deployments, bake verdicts, how
 * fast traffic came off after an alarm, lead time, release rollbacks and how long they took).
 */
export function buildControlPlaneDashboard(
  scope: Construct,
  id: string,
  metrics: ControlPlaneMetrics,
  dashboardName: string,
): cloudwatch.Dashboard {
  const { stateMachines, functions, deadLetterQueues } = metrics.resources;
  const fnNames = Object.keys(functions);
  // Alarms render a labelled metric differently (a Metrics array): labels go on here only.
  const named = (metric: cloudwatch.Metric, label: string) => metric.with({ label });
  const graph = (title: string, left: cloudwatch.IMetric[], leftYAxisLabel?: string) =>
    new cloudwatch.GraphWidget({
      title,
      left,
      width: 12,
      height: 6,
      ...(leftYAxisLabel ? { leftYAxis: { label: leftYAxisLabel, showUnits: false, min: 0 } } : {}),
    });
  const dashboard = new cloudwatch.Dashboard(scope, id, {
    dashboardName,
    defaultInterval: Duration.days(1),
  });
  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown: `# Breakwater control plane\nIts own health, then what it deployed. Metrics: docs/deploy.md (Observability).`,
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(
    graph(
      'Failed executions',
      Object.keys(stateMachines).map((m) => named(metrics.executionsFailed(m), m)),
    ),
    graph(
      'Dead-letter queue depth',
      Object.keys(deadLetterQueues).map((q) => named(metrics.deadLetters(q), `${q} DLQ`)),
    ),
  );
  dashboard.addWidgets(
    graph(
      'Lambda errors',
      fnNames.map((f) => named(metrics.lambdaErrors(f), f)),
    ),
    graph(
      'Lambda throttles',
      fnNames.map((f) => named(metrics.lambdaThrottles(f), f)),
    ),
  );
  dashboard.addWidgets(
    graph('Table throttles', [metrics.tableThrottles()]),
    graph('Deployments (all pipelines)', [
      metrics.deploymentCount('DeploymentsStarted'),
      metrics.deploymentCount('DeploymentsSucceeded'),
      metrics.deploymentCount('DeploymentsRolledBack'),
    ]),
  );
  dashboard.addWidgets(
    graph(
      'ALARM → traffic off (p50, p99)',
      [
        metrics.perPipeline('AlarmToTrafficOffSeconds', 'p50'),
        metrics.perPipeline('AlarmToTrafficOffSeconds', 'p99'),
      ],
      'seconds',
    ),
    graph('Lead time (p50)', [metrics.perPipeline('LeadTimeSeconds', 'p50', Duration.days(1))], 'seconds'),
  );
  dashboard.addWidgets(
    graph('Bake verdicts', [metrics.perPipeline('BakeVerdicts', 'Sum')]),
    graph('Rollbacks by outcome', [metrics.perPipeline('DeploymentsRolledBack', 'Sum')]),
  );
  dashboard.addWidgets(
    graph('Release rollbacks (all pipelines)', [
      metrics.deploymentCount('ReleaseRollbacksStarted'),
      metrics.deploymentCount('ReleaseRollbacksCompleted'),
    ]),
    graph(
      'Release rollback: request → last target back (p50, p99)',
      [
        metrics.perPipeline('ReleaseRollbackSeconds', 'p50'),
        metrics.perPipeline('ReleaseRollbackSeconds', 'p99'),
      ],
      'seconds',
    ),
  );
  return dashboard;
}
