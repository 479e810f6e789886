/**
 * `breakwater/cdk`: the constructs a platform team puts in its own CDK app. The control plane
 * (state machines, step Lambdas, table, API, hosted console) in the account that deploys, a
 * target role (and an alarm forwarder) in every account that holds targets. See docs/deploy.md.
 */
export { BreakwaterAlarmForwarder, type BreakwaterAlarmForwarderProps } from './alarm-forwarder.js';
export {
  ALARM_WATCHER,
  alarmStateChangeEventPattern,
  type BreakwaterConsole,
  BreakwaterControlPlane,
  type BreakwaterControlPlaneProps,
  type ControlPlaneHandlerEntries,
  codeCommitReferenceEventPattern,
  controlPlaneEventBusArn,
  DEPLOYMENT_STATE_CHANGE,
  EVENT_SOURCE,
  TARGET_CALLERS,
  type TargetCallerId,
  targetCallerRoleArns,
  targetCallerRoleName,
} from './control-plane.js';
export {
  type BreakwaterTargetFunction,
  BreakwaterTargetRole,
  type BreakwaterTargetRoleProps,
} from './target-role.js';
export { BreakwaterConfigError } from './validation.js';
