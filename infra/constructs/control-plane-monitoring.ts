import {
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cloudwatchActions,
  type aws_sns as sns,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  buildControlPlaneDashboard,
  ControlPlaneMetrics,
  type ControlPlaneMonitoredResources,
} from './monitoring.js';
import { ControlPlanePart } from './part.js';

export interface BreakwaterMonitoringProps {
  /** The dashboard is named `<name>-control-plane`. */
  readonly name: string;
  /**
   * What to watch: the state machines (by catalog id; `Deployment` also gets a timed-out alarm),
   * every Lambda, the table, the dead-letter queues (`Rollback`, `AlarmEvent`: an alarm each).
   */
  readonly resources: ControlPlaneMonitoredResources;
  /** Where the alarms notify. @default no action (alarms visible in the console) */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The control plane watching itself: an alarm on every failed execution, Lambda error and
 * throttle, table throttle and dead letter (each fires on the first one), and the CloudWatch
 * dashboard `<name>-control-plane` with those and what the workflow records (EMF metrics).
 */
export class BreakwaterMonitoring extends ControlPlanePart {
  /** The metrics the alarms and the dashboard are built on (reuse them for your own alarms). */
  readonly metrics: ControlPlaneMetrics;
  /** The control plane's own alarms. */
  readonly alarms: readonly cloudwatch.Alarm[];
  /** The CloudWatch dashboard `<name>-control-plane`. */
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: BreakwaterMonitoringProps) {
    super(scope, id);
    this.metrics = new ControlPlaneMetrics(props.resources);
    this.alarms = this.#createAlarms(this.metrics, props.alarmTopic);
    this.dashboard = buildControlPlaneDashboard(
      this,
      'Dashboard',
      this.metrics,
      `${props.name}-control-plane`,
    );
    this.keepLogicalIds();
  }

  #createAlarms(metrics: ControlPlaneMetrics, topic: sns.ITopic | undefined): cloudwatch.Alarm[] {
    const { resources } = metrics;
    const alarms: cloudwatch.Alarm[] = [];
    const add = (id: string, metric: cloudwatch.IMetric, description: string) => {
      const alarm = new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // These metrics are only emitted when something happened: no data means nothing failed.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (topic) alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
      alarms.push(alarm);
    };
    for (const id of Object.keys(resources.stateMachines)) {
      add(
        `${id}ExecutionsFailedAlarm`,
        metrics.executionsFailed(id),
        `Breakwater ${id} executions failed (a rolled-back deployment also ends failed: read its timeline).`,
      );
    }
    if (resources.stateMachines.Deployment) {
      add(
        'DeploymentExecutionsTimedOutAlarm',
        metrics.executionsTimedOut('Deployment'),
        'A Breakwater deployment execution timed out.',
      );
    }
    for (const name of Object.keys(metrics.resources.functions)) {
      add(`${name}ErrorsAlarm`, metrics.lambdaErrors(name), `Breakwater ${name} Lambda errors.`);
      add(`${name}ThrottlesAlarm`, metrics.lambdaThrottles(name), `Breakwater ${name} Lambda throttles.`);
    }
    add('TableThrottlesAlarm', metrics.tableThrottles(), 'The Breakwater table throttled requests.');
    if (resources.deadLetterQueues.Rollback) {
      add(
        'RollbackDeadLetterAlarm',
        metrics.deadLetters('Rollback'),
        'A console-stop rollback could not be delivered to the RollBack Lambda: roll the deployment back by hand (see docs/deploy.md).',
      );
    }
    if (resources.deadLetterQueues.AlarmEvent) {
      add(
        'AlarmEventDeadLetterAlarm',
        metrics.deadLetters('AlarmEvent'),
        'An alarm state change could not be delivered to or handled by the Breakwater alarm watcher: deployments watching that alarm roll back only at their next safety poll, and only if it is still in ALARM. Check them (see docs/deploy.md).',
      );
    }
    return alarms;
  }
}
