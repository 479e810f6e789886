/**
 * `breakwater/cdk`: the constructs a platform team puts in its own CDK app. The control plane
 * (state machines, step Lambdas, table, API, hosted console) in the account that deploys, a
 * target role (and an alarm forwarder) in every account that holds targets. See docs/deploy.md.
 *
 * BreakwaterControlPlane is made of one part per concern, each usable on its own props and
 * exported here: BreakwaterStore, BreakwaterSteps, BreakwaterWorkflows, BreakwaterTargetAccess,
 * BreakwaterTriggers, BreakwaterApi, BreakwaterConsole, BreakwaterMonitoring.
 */
export { BreakwaterAlarmForwarder, type BreakwaterAlarmForwarderProps } from './alarm-forwarder.js';
export { type ApiThrottling, BreakwaterApi, type BreakwaterApiProps, stageOptions } from './api.js';
export { BreakwaterConsole, type BreakwaterConsoleProps } from './console.js';
export {
  BreakwaterControlPlane,
  type BreakwaterControlPlaneProps,
  controlPlaneEventBusArn,
  DEPLOYMENT_STATE_CHANGE,
  EVENT_SOURCE,
} from './control-plane.js';
export { BreakwaterMonitoring, type BreakwaterMonitoringProps } from './control-plane-monitoring.js';
export {
  type BreakwaterFunctionOptions,
  type ControlPlaneHandlerEntries,
  createBreakwaterFunction,
  DEFAULT_HANDLER_ENTRIES,
  grantPublishEvents,
  withEventSource,
} from './function.js';
export { ControlPlaneMetrics, type ControlPlaneMonitoredResources } from './monitoring.js';
export { BreakwaterSteps, type BreakwaterStepsProps } from './steps.js';
export { BreakwaterStore, type BreakwaterStoreProps } from './store.js';
export {
  ALARM_WATCHER,
  BreakwaterTargetAccess,
  type BreakwaterTargetAccessProps,
  TARGET_CALLER_STEPS,
  TARGET_CALLERS,
  type TargetCallerId,
  targetCallerRoleArns,
  targetCallerRoleName,
} from './target-access.js';
export {
  type BreakwaterTargetFunction,
  BreakwaterTargetRole,
  type BreakwaterTargetRoleProps,
} from './target-role.js';
export {
  alarmStateChangeEventPattern,
  BreakwaterTriggers,
  type BreakwaterTriggersProps,
  codeCommitReferenceEventPattern,
} from './triggers.js';
export { BreakwaterConfigError } from './validation.js';
export { BreakwaterWorkflows, type BreakwaterWorkflowsProps, type MachineId } from './workflows.js';
