import {
  aws_events as events,
  aws_events_targets as eventsTargets,
  aws_iam as iam,
  Stack,
  Token,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { alarmStateChangeEventPattern } from './triggers.js';
import { BreakwaterConfigError, EVENT_BUS_ARN, Validator } from './validation.js';

export interface BreakwaterAlarmForwarderProps {
  /**
   * The control plane's default event bus, e.g. `controlPlaneEventBusArn('111111111111',
   * 'eu-west-1')` or `plane.eventBusArn`. Must be in another account or region than this stack:
   * alarms of the control plane's own account and region reach its rule directly.
   */
  readonly controlPlaneEventBusArn: string;
}

/**
 * Sends the alarm state changes of one target account and region to the Breakwater control plane.
 * EventBridge delivers a CloudWatch "Alarm State Change" event only to the default bus of the
 * account and region the alarm lives in; this rule (on that bus) forwards the events matching
 * ALARM_STATE_CHANGE_PATTERN — metric and composite alarms entering ALARM — to the control plane's
 * default bus, where the alarm watcher's rule picks them up. Deploy one per target account and
 * region (and per region of the control plane account other than its own); the control plane's
 * bus policy must accept the account (BreakwaterControlPlane `targetAccounts` or `organisationId`).
 *
 * What this relies on, from the EventBridge user guide: a rule may target an event bus in another
 * account or region ("Sending and receiving events between AWS accounts and Regions",
 * eb-cross-account; "Sending and receiving events between AWS Regions", eb-cross-region), between
 * any commercial regions (AWS Compute Blog, "Expanding cross-Region event routing with Amazon
 * EventBridge": every region except GovCloud (US) and China); the sending rule needs an IAM role
 * allowed events:PutEvents on the receiving bus (eb-event-bus-perms); a receiving account does not
 * forward such an event to a third account, so this forwards straight to the control plane. A
 * forwarded event keeps the alarm's `account` and `region`, which is how the watcher finds the
 * watches (PutPermission: "rules with an account field do not match any events sent from other
 * accounts"). EventBridge retries delivery to an event bus target with its default policy (CDK:
 * "Retry policy is not supported for Event bus targets"); a failure shows in the rule's
 * FailedInvocations metric, and the safety polls still catch the alarm.
 *
 * @example
 * ```ts
 * for (const region of ['eu-west-1', 'us-east-1']) {
 *   const stack = new Stack(app, `BreakwaterAlarms-222222222222-${region}`, {
 *     env: { account: '222222222222', region },
 *   });
 *   new BreakwaterAlarmForwarder(stack, 'AlarmForwarder', {
 *     controlPlaneEventBusArn: controlPlaneEventBusArn('111111111111', 'eu-west-1'),
 *   });
 * }
 * ```
 */
export class BreakwaterAlarmForwarder extends Construct {
  /** The rule on this account and region's default bus. */
  readonly rule: events.Rule;
  /** The role EventBridge uses to put the events on the control plane's bus. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: BreakwaterAlarmForwarderProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const check = new Validator('BreakwaterAlarmForwarder');
    const arn = props.controlPlaneEventBusArn;
    check.pattern(
      'controlPlaneEventBusArn',
      arn,
      EVENT_BUS_ARN,
      'an event bus ARN such as "arn:aws:events:eu-west-1:111111111111:event-bus/default"',
    );
    const [, busRegion, busAccount] = Token.isUnresolved(arn) ? [] : (EVENT_BUS_ARN.exec(arn) ?? []);
    if (busRegion === stack.region && busAccount === stack.account) {
      throw new BreakwaterConfigError(
        'BreakwaterAlarmForwarder',
        'controlPlaneEventBusArn',
        arn,
        `a bus in another account or region than this stack (${busAccount}/${busRegion}): there the alarm watcher's rule receives the alarms directly`,
      );
    }

    this.role = new iam.Role(this, 'Role', {
      description: 'Lets EventBridge forward CloudWatch alarm state changes to the Breakwater control plane.',
      // Only rules of this account may use it (confused-deputy protection).
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    // The target grants the role events:PutEvents on that one bus.
    const bus = events.EventBus.fromEventBusArn(this, 'ControlPlaneBus', arn);
    this.rule = new events.Rule(this, 'Rule', {
      description:
        'Forwards CloudWatch alarms (metric or composite) entering ALARM to the Breakwater control plane, which rolls back the deployments watching them.',
      eventPattern: alarmStateChangeEventPattern(),
      targets: [new eventsTargets.EventBus(bus, { role: this.role })],
    });
  }
}
