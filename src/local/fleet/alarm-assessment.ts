import type { AlarmStateValue } from '../../core/alarm-state.js';
import type { Comparison, TreatMissingData } from '../scenario.js';
import { evaluateRule, type RuleNode } from './rule.js';

/*
 * Pure decisions of CloudWatch alarm evaluation, tested with tables (test/conformance encodes the
 * user guide's): given the datapoints of the evaluation range, what state is a metric alarm in;
 * given the children, what is a composite.
 */

/**
 * How many periods CloudWatch retrieves beyond the last `evaluationPeriods` (together: the
 * evaluation range). AWS documents that it retrieves more than Evaluation Periods, the exact number depending
 * on the period and resolution, and gives one example: 5 datapoints for 3 evaluation periods. The
 * simulator uses that example's margin for every alarm.
 */
export const EVALUATION_RANGE_EXTRA_PERIODS = 2;

/** The number of periods an alarm of `evaluationPeriods` retrieves at each evaluation. */
export function evaluationRangeLength(evaluationPeriods: number): number {
  return evaluationPeriods + EVALUATION_RANGE_EXTRA_PERIODS;
}

/** What a metric alarm evaluation needs. */
export interface MetricAssessmentInput {
  /**
   * The evaluation range: one value per period, oldest first, the last one ending now; `null`
   * where the period has no datapoint. At least `evaluationPeriods` long.
   */
  readonly values: readonly (number | null)[];
  /** N: how many datapoints are judged. */
  readonly evaluationPeriods: number;
  /** M: how many of them must breach for ALARM. */
  readonly datapointsToAlarm: number;
  readonly comparison: Comparison;
  readonly threshold: number;
  readonly treatMissingData: TreatMissingData;
  readonly current: AlarmStateValue;
}

/** Where the values of a {@link MetricAssessmentInput} lie in time, for the reason text. */
export interface AssessmentTimes {
  /** Start of the period of `values[0]`. */
  readonly rangeStartMs: number;
  readonly periodMs: number;
}

/** One real datapoint that was judged. */
export interface EvaluatedDatapoint {
  /** Start of its period. */
  readonly startMs: number;
  readonly value: number;
}

export interface Assessment {
  readonly state: AlarmStateValue;
  /** CloudWatch-style StateReason; only used when the state changes. */
  readonly reason: string;
  /** The real datapoints judged, oldest first (at most evaluationPeriods; fewer when data is missing). */
  readonly evaluated: readonly EvaluatedDatapoint[];
  /** Missing periods that stood in for datapoints (evaluationPeriods minus the real ones judged). */
  readonly filled: number;
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

/** CloudWatch prints numbers in full with at least one decimal: `1.0`, `99.50160229693434`. */
export function formatDatapoint(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** CloudWatch's datapoint time in a StateReason: `02/10/19 16:59:00` (UTC, period start). */
export function formatReasonTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCFullYear() % 100)} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`
  );
}

/*
 * CloudWatch's evaluation, as the user guide describes it ("How alarm state is evaluated when data
 * is missing"), over the evaluation range (oldest → newest):
 *
 *   range:    [ p1 ][ p2 ][ p3 ][ p4 ][ p5 ]        N = 3
 *   ≥ N real datapoints → the N most recent real ones are judged; treatMissingData is not used.
 *   < N real datapoints → every real one is judged, and the most recent missing periods fill the
 *                         rest ("missing data points only as few times as possible"):
 *     breaching / notBreaching: a filler counts as breaching / not breaching;
 *     missing / ignore: M real breaching → ALARM; any real non-breaching → OK; otherwise (only
 *       breaching ones, fewer than M) ignore keeps the state, and missing alarms when the oldest
 *       judged datapoint is a real breaching one (the guide's `X - - - -` row) and is
 *       INSUFFICIENT_DATA when it is a filler (`- - - - X`).
 *   no real datapoint → missing: INSUFFICIENT_DATA, ignore: keep, breaching: ALARM, notBreaching: OK.
 */

/**
 * Decides a metric alarm's state from its evaluation range, the way CloudWatch does (M out of N,
 * the evaluation range, treatMissingData; see the comment above).
 *
 * Cheap (no allocation): the simulator calls it at every period of every alarm, and builds the
 * reason with {@link assessMetricAlarm} only when the state changes.
 *
 * @example
 * decideMetricAlarmState({ values: [null, null, 0.5, 5.1, 4.8], evaluationPeriods: 3, datapointsToAlarm: 2,
 *   comparison: 'GreaterThanThreshold', threshold: 1, treatMissingData: 'missing', current: 'OK' }) // 'ALARM'
 */
export function decideMetricAlarmState(input: MetricAssessmentInput): AlarmStateValue {
  const { values, comparison, threshold, evaluationPeriods: n, datapointsToAlarm: m, current } = input;
  let real = 0;
  let breaching = 0;
  let oldestReal = -1;
  for (let i = values.length - 1; i >= 0 && real < n; i--) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    real++;
    oldestReal = i;
    if (breaches(v, comparison, threshold)) breaching++;
  }
  if (real >= n) return breaching >= m ? 'ALARM' : 'OK';
  const filled = n - real;
  switch (input.treatMissingData) {
    case 'breaching':
      return breaching + filled >= m ? 'ALARM' : 'OK';
    case 'notBreaching':
      return breaching >= m ? 'ALARM' : 'OK';
    case 'missing':
    case 'ignore': {
      if (real === 0) return input.treatMissingData === 'missing' ? 'INSUFFICIENT_DATA' : current;
      if (breaching >= m) return 'ALARM';
      if (breaching < real) return 'OK';
      if (input.treatMissingData === 'ignore') return current;
      // The fillers are the most recent missing periods: the oldest judged datapoint is real when
      // at least `filled` periods newer than the oldest real one are missing.
      const missingAfterOldest = values.length - 1 - oldestReal - (real - 1);
      return missingAfterOldest >= filled ? 'ALARM' : 'INSUFFICIENT_DATA';
    }
  }
}

/**
 * {@link decideMetricAlarmState} plus the CloudWatch StateReason of that state and the datapoints
 * judged. The reason lists the datapoints that crossed (for OK: that did not), most recent first,
 * each with its period's start, as CloudWatch does:
 * `Threshold Crossed: 1 out of the last 1 datapoints [99.5 (02/10/19 16:59:00)] was greater than the
 * threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).`
 *
 * @example
 * assessMetricAlarm({ values: [0.5, 5.1, 4.8], evaluationPeriods: 3, datapointsToAlarm: 2,
 *   comparison: 'GreaterThanThreshold', threshold: 1, treatMissingData: 'missing', current: 'OK' },
 *   { rangeStartMs: Date.parse('2026-11-23T09:00:00Z'), periodMs: 60_000 }).reason
 * // 'Threshold Crossed: 2 out of the last 3 datapoints [4.8 (23/11/26 09:02:00), 5.1 (23/11/26 09:01:00)] were ...'
 */
export function assessMetricAlarm(input: MetricAssessmentInput, times: AssessmentTimes): Assessment {
  const state = decideMetricAlarmState(input);
  const { values, comparison, threshold, evaluationPeriods: n, treatMissingData } = input;
  const evaluated: EvaluatedDatapoint[] = [];
  for (let i = values.length - 1; i >= 0 && evaluated.length < n; i--) {
    const value = values[i];
    if (value === null || value === undefined) continue;
    evaluated.unshift({ startMs: times.rangeStartMs + i * times.periodMs, value });
  }
  const filled = n - evaluated.length;
  const d: Described = {
    n,
    m: input.datapointsToAlarm,
    comparison,
    threshold,
    crossed: evaluated.filter((p) => breaches(p.value, comparison, threshold) === (state === 'ALARM')),
    received: evaluated.length,
    filled,
    treatedAs:
      treatMissingData === 'breaching'
        ? 'Breaching'
        : treatMissingData === 'notBreaching'
          ? 'NonBreaching'
          : undefined,
  };
  const reason =
    state === 'INSUFFICIENT_DATA'
      ? insufficientReason(n)
      : state === 'ALARM'
        ? crossedReason(d, 'ALARM')
        : crossedReason(d, 'OK');
  return { state, reason, evaluated, filled };
}

interface Described {
  readonly n: number;
  readonly m: number;
  readonly comparison: Comparison;
  readonly threshold: number;
  /** The real datapoints on the side of the new state, oldest first. */
  readonly crossed: readonly EvaluatedDatapoint[];
  readonly received: number;
  readonly filled: number;
  /** How the fillers counted, when treatMissingData gave them a side. */
  readonly treatedAs: 'Breaching' | 'NonBreaching' | undefined;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Datapoints as CloudWatch lists them: most recent first, each with its period's start. */
function list(points: readonly EvaluatedDatapoint[]): string {
  return `[${[...points]
    .reverse()
    .map((p) => `${formatDatapoint(p.value)} (${formatReasonTime(p.startMs)})`)
    .join(', ')}]`;
}

/*
 * The wording follows CloudWatch's StateReason: the user guide's sample events for the plain
 * case, and the texts CloudWatch writes when missing datapoints were filled in ("... and 2 missing
 * datapoints were treated as [Breaching]", "no datapoints were received for 3 periods and ...").
 * The transition named is always OK -> ALARM or ALARM -> OK, also when the alarm leaves
 * INSUFFICIENT_DATA, as in the guide's sample of a new alarm's first change.
 */
function crossedReason(d: Described, to: 'ALARM' | 'OK'): string {
  const not = to === 'OK' ? 'not ' : '';
  const minimum = to === 'ALARM' ? d.m : d.n - d.m + 1;
  const transition = to === 'ALARM' ? 'OK -> ALARM' : 'ALARM -> OK';
  const treated =
    d.treatedAs && d.filled > 0
      ? `${plural(d.filled, 'missing datapoint')} ${d.filled === 1 ? 'was' : 'were'} treated as [${d.treatedAs}]`
      : undefined;
  if (d.crossed.length === 0 && treated) {
    const received =
      d.received === 0
        ? 'no datapoints were received'
        : `${plural(d.received, 'datapoint')} ${d.received === 1 ? 'was' : 'were'} received`;
    return `Threshold Crossed: ${received} for ${plural(d.n, 'period')} and ${treated}.`;
  }
  const verb = d.crossed.length === 1 ? 'was' : 'were';
  return (
    `Threshold Crossed: ${d.crossed.length} out of the last ${d.n} datapoints ${list(d.crossed)} ${verb} ` +
    `${not}${COMPARISON_TEXT[d.comparison]} the threshold (${formatDatapoint(d.threshold)})` +
    `${treated ? ` and ${treated}` : ''} (minimum ${plural(minimum, 'datapoint')} for ${transition} transition).`
  );
}

function insufficientReason(n: number): string {
  return `Insufficient Data: ${plural(n, 'datapoint')} ${n === 1 ? 'was' : 'were'} unknown.`;
}

/** A child's state as a composite sees it. */
export interface ChildState {
  readonly state: AlarmStateValue;
  readonly updatedAtMs: number;
}

/**
 * Decides a composite alarm's state once it has been evaluated: ALARM when the rule holds, else
 * OK. A child in INSUFFICIENT_DATA is just that to the rule (`INSUFFICIENT_DATA(x)` is true,
 * `ALARM(x)` false): CloudWatch puts a composite in INSUFFICIENT_DATA only at its creation,
 * before the first evaluation, never afterwards.
 *
 * @example assessComposite(parseRule('ALARM(a) OR ALARM(b)'), (n) => states.get(n)) // 'OK' | 'ALARM'
 */
export function assessComposite(
  rule: RuleNode,
  childOf: (name: string) => ChildState | undefined,
): 'ALARM' | 'OK' {
  return evaluateRule(rule, (name) => childOf(name)?.state) ? 'ALARM' : 'OK';
}
