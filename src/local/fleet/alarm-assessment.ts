import type { AlarmStateValue } from '../../ports/fleet.js';
import type { Comparison, TreatMissingData } from '../scenario.js';
import { evaluateRule, type RuleNode, ruleAlarmNames } from './rule.js';

/*
 * Pure decisions of CloudWatch alarm evaluation, tested with tables: given the datapoints of
 * the last N periods, what state is a metric alarm in; given the children, what is a composite.
 */

/** What a metric alarm evaluation needs. `values` are oldest first; `null` is a missing period. */
export interface MetricAssessmentInput {
  readonly values: readonly (number | null)[];
  readonly comparison: Comparison;
  readonly threshold: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
  readonly current: AlarmStateValue;
}

export interface Assessment {
  readonly state: AlarmStateValue;
  /** CloudWatch-style StateReason; only used when the state changes. */
  readonly reason: string;
}

const COMPARISON_TEXT: Readonly<Record<Comparison, string>> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/** Whether one datapoint breaches the threshold. */
export function breaches(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

/** CloudWatch prints datapoints with at least one decimal: `1.0`, `5.123`. */
export function formatDatapoint(value: number): string {
  if (Number.isInteger(value)) return value.toFixed(1);
  return String(Number(value.toPrecision(6)));
}

/**
 * Decides a metric alarm's state from its last `evaluationPeriods` datapoints, the way
 * CloudWatch does (M out of N, with treatMissingData):
 * - `breaching` / `notBreaching`: a missing period counts as breaching / not breaching.
 * - `missing`: every period missing → INSUFFICIENT_DATA; otherwise only the periods present are
 *   judged, needing min(M, present) breaching ones.
 * - `ignore`: every period missing → the state is kept; otherwise ALARM when M breach, OK when
 *   even counting every missing period as breaching would not reach M, else the state is kept.
 *
 * Cheap (no allocation): the simulator calls it at every period of every alarm, and builds the
 * reason with {@link assessMetricAlarm} only when the state changes.
 *
 * @example
 * decideMetricAlarmState({ values: [0.5, 5.1, 4.8], comparison: 'GreaterThanThreshold', threshold: 1,
 *   datapointsToAlarm: 2, treatMissingData: 'missing', current: 'OK' }) // 'ALARM'
 */
export function decideMetricAlarmState(input: MetricAssessmentInput): AlarmStateValue {
  const { values, comparison, threshold, datapointsToAlarm: m, current } = input;
  let present = 0;
  let breaching = 0;
  for (const v of values) {
    if (v === null) continue;
    present++;
    if (breaches(v, comparison, threshold)) breaching++;
  }
  const missing = values.length - present;
  switch (input.treatMissingData) {
    case 'breaching':
      return breaching + missing >= m ? 'ALARM' : 'OK';
    case 'notBreaching':
      return breaching >= m ? 'ALARM' : 'OK';
    case 'missing':
      if (present === 0) return 'INSUFFICIENT_DATA';
      return breaching >= Math.min(m, present) ? 'ALARM' : 'OK';
    case 'ignore':
      if (present === 0) return current;
      if (breaching >= m) return 'ALARM';
      return breaching + missing < m ? 'OK' : current;
  }
}

/**
 * {@link decideMetricAlarmState} plus the CloudWatch-style StateReason of that state.
 *
 * @example
 * assessMetricAlarm({ values: [0.5, 5.1, 4.8], comparison: 'GreaterThanThreshold', threshold: 1,
 *   datapointsToAlarm: 2, treatMissingData: 'missing', current: 'OK' }).reason
 * // 'Threshold Crossed: 2 out of the last 3 datapoints [4.8, 5.1] were greater than the threshold (1.0) ...'
 */
export function assessMetricAlarm(input: MetricAssessmentInput): Assessment {
  const state = decideMetricAlarmState(input);
  const { values, comparison, threshold, datapointsToAlarm: m, treatMissingData, current } = input;
  const n = values.length;
  const present = values.filter((v): v is number => v !== null);
  const missing = n - present.length;
  const d: Described = {
    n,
    m,
    comparison,
    threshold,
    breaching: present.filter((v) => breaches(v, comparison, threshold)),
    notBreaching: present.filter((v) => !breaches(v, comparison, threshold)),
    current,
  };
  if (state === 'INSUFFICIENT_DATA') return insufficient(n);
  if (state === 'ALARM') {
    const missingCounted = treatMissingData === 'breaching' ? missing : 0;
    return alarmReason(d, d.breaching.length + missingCounted, missingCounted, treatMissingData);
  }
  const missingCounted = treatMissingData === 'notBreaching' ? missing : 0;
  return okReason(d, d.notBreaching.length + missingCounted, missingCounted);
}

interface Described {
  readonly n: number;
  readonly m: number;
  readonly comparison: Comparison;
  readonly threshold: number;
  readonly breaching: readonly number[];
  readonly notBreaching: readonly number[];
  readonly current: AlarmStateValue;
}

/** Datapoints as CloudWatch lists them: most recent first. */
function list(values: readonly number[]): string {
  return `[${[...values].reverse().map(formatDatapoint).join(', ')}]`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function alarmReason(
  d: Described,
  count: number,
  missingCounted: number,
  mode: TreatMissingData,
): Assessment {
  const verb = count === 1 ? 'was' : 'were';
  const treated =
    missingCounted > 0 ? ` (${plural(missingCounted, 'missing datapoint')} treated as breaching)` : '';
  const present = d.breaching.length + d.notBreaching.length;
  const minimum = mode === 'missing' ? Math.min(d.m, present) : d.m;
  return {
    state: 'ALARM',
    reason:
      `Threshold Crossed: ${count} out of the last ${d.n} datapoints ${list(d.breaching)} ${verb} ` +
      `${COMPARISON_TEXT[d.comparison]} the threshold (${formatDatapoint(d.threshold)})${treated} ` +
      `(minimum ${plural(minimum, 'datapoint')} for ${d.current} -> ALARM transition).`,
  };
}

function okReason(d: Described, count: number, missingCounted: number): Assessment {
  const verb = count === 1 ? 'was' : 'were';
  const treated =
    missingCounted > 0 ? ` (${plural(missingCounted, 'missing datapoint')} treated as not breaching)` : '';
  return {
    state: 'OK',
    reason:
      `Threshold Crossed: ${count} out of the last ${d.n} datapoints ${list(d.notBreaching)} ${verb} not ` +
      `${COMPARISON_TEXT[d.comparison]} the threshold (${formatDatapoint(d.threshold)})${treated}.`,
  };
}

function insufficient(n: number): Assessment {
  return {
    state: 'INSUFFICIENT_DATA',
    reason: `Insufficient Data: ${plural(n, 'datapoint')} ${n === 1 ? 'was' : 'were'} unknown.`,
  };
}

/** A child's state as a composite sees it. */
export interface ChildState {
  readonly state: AlarmStateValue;
  readonly updatedAtMs: number;
}

/**
 * Decides a composite alarm's state: ALARM when the rule holds; otherwise INSUFFICIENT_DATA when
 * every alarm the rule names is INSUFFICIENT_DATA (nothing is known yet), else OK.
 *
 * @example assessComposite(parseRule('ALARM(a) OR ALARM(b)'), (n) => states.get(n)) // 'OK' | ...
 */
export function assessComposite(
  rule: RuleNode,
  childOf: (name: string) => ChildState | undefined,
): AlarmStateValue {
  if (evaluateRule(rule, (name) => childOf(name)?.state)) return 'ALARM';
  const names = ruleAlarmNames(rule);
  if (
    names.length > 0 &&
    names.every((name) => (childOf(name)?.state ?? 'INSUFFICIENT_DATA') === 'INSUFFICIENT_DATA')
  ) {
    return 'INSUFFICIENT_DATA';
  }
  return 'OK';
}
