/*
 * The simulated fleet of the embedded engine: Lambda aliases, traffic, AWS/Lambda metrics and
 * CloudWatch alarms on a virtual clock. Import from here; the modules behind it may change.
 */
export {
  type Assessment,
  assessComposite,
  assessMetricAlarm,
  decideMetricAlarmState,
  EVALUATION_RANGE_EXTRA_PERIODS,
  type EvaluatedDatapoint,
  evaluationRangeLength,
  type MetricAssessmentInput,
} from './alarm-assessment.js';
export type { AlarmChange, AlarmStatus, MetricAlarmEvaluation } from './alarms.js';
export type { ApiCallCounts } from './faults.js';
export {
  type FunctionVersion,
  type LambdaErrorDetail,
  type LambdaErrorName,
  LambdaService,
  lambdaErrorOf,
  type RoutingChange,
  type UpdateAliasRequest,
} from './lambda.js';
export {
  countRuleElements,
  evaluateRule,
  parseRule,
  RULE_LIMITS,
  type RuleNode,
  RuleSyntaxError,
  ruleLimitViolations,
} from './rule.js';
export {
  type AliasRouting,
  type FleetAliasUpdate,
  FleetSimulator,
  type FleetSimulatorOptions,
  type MetricDataRequest,
} from './simulator.js';
export type { FleetTarget } from './types.js';
