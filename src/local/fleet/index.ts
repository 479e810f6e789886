/*
 * The simulated fleet of the embedded engine: Lambda aliases, traffic, AWS/Lambda metrics and
 * CloudWatch alarms on a virtual clock. Import from here; the modules behind it may change.
 */
export { assessComposite, assessMetricAlarm, type MetricAssessmentInput } from './alarm-assessment.js';
export type { AlarmChange, AlarmStatus, MetricAlarmEvaluation } from './alarms.js';
export type { ApiCallCounts } from './faults.js';
export type { FunctionVersion, RoutingChange } from './lambda.js';
export { evaluateRule, parseRule, type RuleNode, RuleSyntaxError } from './rule.js';
export {
  type AliasRouting,
  FleetSimulator,
  type FleetSimulatorOptions,
  type MetricDataRequest,
} from './simulator.js';
export type { FleetTarget } from './types.js';
