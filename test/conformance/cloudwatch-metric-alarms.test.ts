import { describe, expect, it } from 'vitest';
import type { AlarmStateValue } from '../../src/core/alarm-state.js';
import { InvalidInputError } from '../../src/core/errors.js';
import {
  assessMetricAlarm,
  decideMetricAlarmState,
  EVALUATION_RANGE_EXTRA_PERIODS,
  type MetricAssessmentInput,
} from '../../src/local/fleet/index.js';
import { parseScenario, type TreatMissingData } from '../../src/local/scenario.js';
import { fleetWith, MINUTE, START_MS, stateOf, target } from '../unit/fleet/fixtures.js';

/*
 * CloudWatch metric alarm evaluation, one case per documented behaviour.
 *
 * Sources (read 2026-12; the user guide text is the awsdocs/amazon-cloudwatch-user-guide copy of
 * AlarmThatSendsEmail.md, whose sections now live on alarm-evaluation.html and
 * alarms-and-missing-data.html):
 */
const USER_GUIDE = 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html';
const EVALUATING = `${USER_GUIDE}#alarm-evaluation "Evaluating an alarm"`;
const STATES = `${USER_GUIDE}#alarm-states "Alarm states"`;
const MISSING_DATA = `${USER_GUIDE}#alarms-evaluating-missing-data "How alarm state is evaluated when data is missing"`;
const COMMON = `${USER_GUIDE}#common-features-of-alarms "Common features of CloudWatch alarms"`;
const EVENTS =
  'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html "Sample events from CloudWatch"';
const PUT_METRIC_ALARM =
  'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (Request Parameters: Period)';

// In the guide's tables 0 is a non-breaching datapoint, X a breaching one and - a missing one,
// oldest first. Threshold 1, GreaterThanThreshold.
const POINT: Readonly<Record<string, number | null>> = { '0': 0, X: 5, '-': null };
const points = (pattern: string) => pattern.split(' ').map((p) => POINT[p] as number | null);

function decide(
  pattern: string,
  evaluationPeriods: number,
  datapointsToAlarm: number,
  treatMissingData: TreatMissingData,
  current: AlarmStateValue,
): AlarmStateValue {
  return decideMetricAlarmState({
    values: points(pattern),
    evaluationPeriods,
    datapointsToAlarm,
    comparison: 'GreaterThanThreshold',
    threshold: 1,
    treatMissingData,
    current,
  });
}

type Expected = AlarmStateValue | 'retain';
const CURRENT_STATES: readonly AlarmStateValue[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

/** One row of the guide's tables: the state for MISSING, IGNORE, BREACHING, NOT BREACHING. */
function expectRow(
  pattern: string,
  n: number,
  m: number,
  [missing, ignore, breaching, notBreaching]: readonly [Expected, Expected, Expected, Expected],
): void {
  const modes: [TreatMissingData, Expected][] = [
    ['missing', missing],
    ['ignore', ignore],
    ['breaching', breaching],
    ['notBreaching', notBreaching],
  ];
  for (const [mode, expected] of modes) {
    for (const current of CURRENT_STATES) {
      const want = expected === 'retain' ? current : expected;
      expect({ mode, current, state: decide(pattern, n, m, mode, current) }).toEqual({
        mode,
        current,
        state: want,
      });
    }
  }
}

describe(`CloudWatch: ${MISSING_DATA}`, () => {
  it('retrieves 5 datapoints for 3 evaluation periods (the evaluation range of the tables)', () => {
    // "CloudWatch retrieves the 5 most recent data points when evaluating the alarm."
    expect(3 + EVALUATION_RANGE_EXTRA_PERIODS).toBe(5);
  });

  describe('first table: Datapoints to Alarm and Evaluation Periods both 3', () => {
    it.each([
      ['0 - X - X', ['OK', 'OK', 'OK', 'OK']],
      ['0 - - - -', ['OK', 'OK', 'OK', 'OK']],
      ['- - - - -', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
      ['0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
      ['- - - - X', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
      ['X - - - -', ['ALARM', 'retain', 'ALARM', 'OK']],
    ] as const)('row %s → MISSING, IGNORE, BREACHING, NOT BREACHING = %j', (pattern, expected) => {
      expectRow(pattern, 3, 3, expected);
    });
  });

  describe('second table: 2 out of 3 (Datapoints to Alarm 2, Evaluation Periods 3)', () => {
    it.each([
      ['0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
      ['0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
      ['0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
      ['- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
      ['- - - - X', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
    ] as const)('row %s → MISSING, IGNORE, BREACHING, NOT BREACHING = %j', (pattern, expected) => {
      expectRow(pattern, 3, 2, expected);
    });
  });

  it('goes to ALARM once the non-breaching datapoint of "0 - - - -" leaves the evaluation range (breaching)', () => {
    // "The next time this alarm is evaluated, if the data is still missing it will go to ALARM, as
    // that non-breaching data point will no longer be among the 5 most recent data points retrieved."
    expect(decide('- - - - -', 3, 3, 'breaching', 'OK')).toBe('ALARM');
  });

  it('judges the most recent existing datapoints when at least Evaluation Periods of them exist, whatever treatMissingData says', () => {
    // "... CloudWatch evaluates the alarm state based on the most recent existing data points that
    // were successfully retrieved. In this case, the value you set for how to treat missing data is
    // not needed and is ignored."
    for (const mode of ['missing', 'ignore', 'breaching', 'notBreaching'] as const) {
      expect(decide('X X - 0 0 - 0', 3, 2, mode, 'ALARM')).toBe('OK');
      expect(decide('0 0 - X X - X', 3, 2, mode, 'OK')).toBe('ALARM');
    }
  });

  it('evaluates an alarm in the simulated fleet over the evaluation range: "0 X X - X" with notBreaching alarms', async () => {
    const use1 = target('use1');
    const { fleet, clock } = fleetWith(
      {
        baseline: { errorRate: 0, latencyMs: 100 },
        alarms: {
          metric: [
            {
              name: 'errors',
              metric: 'ErrorRate',
              threshold: 10,
              evaluationPeriods: 3,
              datapointsToAlarm: 3,
              treatMissingData: 'notBreaching',
            },
          ],
        },
        faults: [
          // minutes 1-2 breach, minute 3 has no invocations (all throttled), minute 4 breaches
          { at: '1m', until: '3m', kind: 'sudden', errorRate: 0.5, version: 'all' },
          { at: '3m', until: '4m', kind: 'sudden', throttleRate: 1, version: 'all' },
          { at: '4m', kind: 'sudden', errorRate: 0.5, version: 'all' },
        ],
      },
      [use1],
    );
    clock.advance(4 * MINUTE);
    expect((await stateOf(fleet, use1, 'errors'))?.state).toBe('OK');
    clock.advance(MINUTE);
    expect(await stateOf(fleet, use1, 'errors')).toMatchObject({
      state: 'ALARM',
      updatedAtMs: START_MS + 5 * MINUTE,
    });
  });
});

describe(`CloudWatch: ${EVALUATING}`, () => {
  it('needs Datapoints to Alarm breaching datapoints within the last Evaluation Periods, not consecutive ones', () => {
    // "The breaching data points do not have to be consecutive, they just must all be within the
    // last number of data points equal to Evaluation Period."
    expect(decide('X 0 X', 3, 2, 'missing', 'OK')).toBe('ALARM');
    expect(decide('X 0 0 X', 3, 2, 'missing', 'OK')).toBe('OK');
  });

  it('follows the figure: 3 of 3 above 3 units alarms in periods 3-5, returns to OK at 6, stays OK at 9', () => {
    // Threshold 3: the first five periods above it, the sixth below, only the ninth above again.
    const series = [4, 4, 4, 4, 5, 2, 2, 2, 4, 2];
    let state: AlarmStateValue = 'INSUFFICIENT_DATA';
    const states: AlarmStateValue[] = [];
    for (let period = 1; period <= series.length; period++) {
      const seen = series.slice(0, period);
      const values = [...Array(Math.max(0, 5 - seen.length)).fill(null), ...seen.slice(-5)];
      const input: MetricAssessmentInput = {
        values,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        comparison: 'GreaterThanThreshold',
        threshold: 3,
        treatMissingData: 'missing',
        current: state,
      };
      state = decideMetricAlarmState(input);
      states.push(state);
    }
    expect(states.slice(2, 5)).toEqual(['ALARM', 'ALARM', 'ALARM']);
    expect(states[5]).toBe('OK');
    expect(states[8]).toBe('OK');
  });
});

describe(`CloudWatch: ${STATES}`, () => {
  it('starts a new alarm in INSUFFICIENT_DATA ("The alarm has just started"), with the reason of a new alarm', async () => {
    const use1 = target('use1');
    const { fleet } = fleetWith(
      { alarms: { metric: [{ name: 'errors', metric: 'Errors', threshold: 1 }] } },
      [use1],
    );
    expect(await stateOf(fleet, use1, 'errors')).toMatchObject({
      state: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
      updatedAtMs: START_MS,
    });
  });
});

describe(`CloudWatch StateReason: ${EVENTS}`, () => {
  // The guide's sample: a 300 s Average alarm, threshold 50, one datapoint.
  const sample = (value: number, current: AlarmStateValue, startMs: number) =>
    assessMetricAlarm(
      {
        values: [null, null, null, null, value],
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        comparison: 'GreaterThanThreshold',
        threshold: 50,
        treatMissingData: 'missing',
        current,
      },
      { rangeStartMs: startMs - 4 * 300_000, periodMs: 300_000 },
    );

  it('words an ALARM as the single-metric sample: datapoints in full with their time, and the minimum for OK -> ALARM', () => {
    expect(sample(99.50160229693434, 'OK', Date.parse('2019-10-02T16:59:00Z')).reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater ' +
        'than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
  });

  it('words an OK as the sample previous state: "was not greater than", minimum for ALARM -> OK', () => {
    expect(sample(0.0666851903306472, 'ALARM', Date.parse('2019-10-01T13:46:00Z')).reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [0.0666851903306472 (01/10/19 13:46:00)] was not ' +
        'greater than the threshold (50.0) (minimum 1 datapoint for ALARM -> OK transition).',
    );
  });

  it('names the OK -> ALARM transition also for a new alarm leaving INSUFFICIENT_DATA (metric math sample)', () => {
    const { reason } = assessMetricAlarm(
      {
        values: [45628],
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        comparison: 'GreaterThanThreshold',
        threshold: 10000,
        treatMissingData: 'missing',
        current: 'INSUFFICIENT_DATA',
      },
      { rangeStartMs: Date.parse('2019-10-02T17:10:00Z'), periodMs: 300_000 },
    );
    expect(reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [45628.0 (02/10/19 17:10:00)] was greater than the ' +
        'threshold (10000.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
  });

  it('words M out of N as "2 out of the last 3 datapoints [...] were greater than the threshold (2.0) (minimum 2 datapoints ...)"', () => {
    const { reason } = assessMetricAlarm(
      {
        values: [1, 3, 4],
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        comparison: 'GreaterThanThreshold',
        threshold: 2,
        treatMissingData: 'notBreaching',
        current: 'OK',
      },
      { rangeStartMs: Date.parse('2026-11-23T09:00:00Z'), periodMs: MINUTE },
    );
    expect(reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [4.0 (23/11/26 09:02:00), 3.0 (23/11/26 09:01:00)] were ' +
        'greater than the threshold (2.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
  });
});

describe('CloudWatch alarm limits', () => {
  const alarm = (period: number, evaluationPeriods: number) => ({
    alarms: {
      metric: [{ name: 'slow', metric: 'Errors' as const, threshold: 1, period, evaluationPeriods }],
    },
  });

  it(`refuses Period × EvaluationPeriods over one day for periods under an hour: ${PUT_METRIC_ALARM}`, () => {
    expect(() => parseScenario(alarm(60, 1440))).not.toThrow();
    expect(() => parseScenario(alarm(300, 289))).toThrow(
      /alarms\.metric\[0\]\.evaluationPeriods: alarm "slow": period × evaluationPeriods is 86700 s; CloudWatch allows at most 86400 s/,
    );
  });

  it(`refuses Period × EvaluationPeriods over seven days for hourly periods: ${PUT_METRIC_ALARM}`, () => {
    expect(() => parseScenario(alarm(3600, 168))).not.toThrow();
    expect(() => parseScenario(alarm(3600, 169))).toThrow(/at most 604800 s/);
  });

  it(`refuses alarm names with characters outside ASCII ("Alarm names must contain only ASCII characters"): ${COMMON}`, () => {
    expect(() =>
      parseScenario({ alarms: { metric: [{ name: 'erreurs-été', metric: 'Errors', threshold: 1 }] } }),
    ).toThrow(InvalidInputError);
    expect(() => parseScenario({ alarms: { composite: [{ name: 'santé', rule: 'TRUE' }] } })).toThrow(
      /alarms\.composite\[0\]\.name: expected an alarm name of ASCII characters only/,
    );
  });
});
