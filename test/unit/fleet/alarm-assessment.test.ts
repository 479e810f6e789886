import { describe, expect, it } from 'vitest';
import type { AlarmStateValue } from '../../../src/core/alarm-state.js';
import {
  assessComposite,
  assessMetricAlarm,
  decideMetricAlarmState,
  parseRule,
} from '../../../src/local/fleet/index.js';
import type { TreatMissingData } from '../../../src/local/scenario.js';

const X = 5; // breaching (threshold 1, GreaterThanThreshold)
const O = 0; // not breaching
const _ = null; // missing
const MINUTE = 60_000;
const RANGE_START = Date.parse('2026-11-23T09:00:00Z');

/** Assesses `values` as the whole evaluation range of an alarm of `values.length` periods. */
function assess(
  values: (number | null)[],
  m: number,
  treatMissingData: TreatMissingData,
  current: AlarmStateValue = 'OK',
  evaluationPeriods = values.length,
) {
  return assessMetricAlarm(
    {
      values,
      evaluationPeriods,
      comparison: 'GreaterThanThreshold',
      threshold: 1,
      datapointsToAlarm: m,
      treatMissingData,
      current,
    },
    { rangeStartMs: RANGE_START, periodMs: MINUTE },
  );
}

describe('metric alarm evaluation (M out of N datapoints)', () => {
  it.each([
    [[O, X, X], 2, 'ALARM'],
    [[X, O, X], 2, 'ALARM'],
    [[X, O, O], 2, 'OK'],
    [[O, X, X], 3, 'OK'],
    [[X, X, X], 3, 'ALARM'],
    [[O, O, X], 1, 'ALARM'],
  ] as const)('%j with %i to alarm → %s', (values, m, expected) => {
    expect(assess([...values], m, 'missing').state).toBe(expected);
  });

  it('compares with each comparison operator', () => {
    const at = (
      comparison:
        | 'GreaterThanThreshold'
        | 'GreaterThanOrEqualToThreshold'
        | 'LessThanThreshold'
        | 'LessThanOrEqualToThreshold',
    ) =>
      decideMetricAlarmState({
        values: [1],
        evaluationPeriods: 1,
        comparison,
        threshold: 1,
        datapointsToAlarm: 1,
        treatMissingData: 'missing',
        current: 'OK',
      });
    expect([
      at('GreaterThanThreshold'),
      at('GreaterThanOrEqualToThreshold'),
      at('LessThanThreshold'),
      at('LessThanOrEqualToThreshold'),
    ]).toEqual(['OK', 'ALARM', 'OK', 'ALARM']);
  });

  it('judges only the most recent N datapoints of a complete evaluation range', () => {
    expect(assess([X, X, O, O, X], 2, 'missing', 'OK', 3).state).toBe('OK');
    expect(assess([O, O, X, O, X], 2, 'missing', 'OK', 3).state).toBe('ALARM');
  });

  it('keeps the current state under ignore when every datapoint is missing', () => {
    expect(assess([_, _, _], 3, 'ignore', 'OK').state).toBe('OK');
    expect(assess([_, _, _], 3, 'ignore', 'INSUFFICIENT_DATA').state).toBe('INSUFFICIENT_DATA');
  });

  it('reports the datapoints it judged and how many missing periods stood in for others', () => {
    const { evaluated, filled } = assess([X, _, O, _, _], 2, 'breaching', 'OK', 3);
    expect(evaluated).toEqual([
      { startMs: RANGE_START, value: X },
      { startMs: RANGE_START + 2 * MINUTE, value: O },
    ]);
    expect(filled).toBe(1);
  });
});

describe('state reasons', () => {
  it('explains an ALARM like CloudWatch, most recent datapoint first, with each period start', () => {
    expect(assess([0.5, 5.1, 4.8], 2, 'missing').reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [4.8 (23/11/26 09:02:00), 5.1 (23/11/26 09:01:00)] ' +
        'were greater than the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
  });

  it('explains OK with the datapoints that did not cross and the minimum for ALARM -> OK', () => {
    expect(assess([0, 0.5, 2], 2, 'missing', 'ALARM').reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [0.5 (23/11/26 09:01:00), 0.0 (23/11/26 09:00:00)] ' +
        'were not greater than the threshold (1.0) (minimum 2 datapoints for ALARM -> OK transition).',
    );
  });

  it('explains INSUFFICIENT_DATA', () => {
    expect(assess([_, _, _], 2, 'missing').reason).toBe('Insufficient Data: 3 datapoints were unknown.');
    expect(assess([_], 1, 'missing').reason).toBe('Insufficient Data: 1 datapoint was unknown.');
  });

  it('prints values in full, not rounded', () => {
    expect(assess([99.50160229693434], 1, 'missing').reason).toContain(
      '[99.50160229693434 (23/11/26 09:00:00)]',
    );
  });

  // CloudWatch's wording when missing datapoints were filled in, as it appears in alarm histories
  // (the user guide shows no such sample).
  it('says how many missing datapoints were treated as breaching or not breaching', () => {
    expect(assess([_, _, X], 3, 'breaching').reason).toBe(
      'Threshold Crossed: 1 out of the last 3 datapoints [5.0 (23/11/26 09:02:00)] was greater than the threshold ' +
        '(1.0) and 2 missing datapoints were treated as [Breaching] (minimum 3 datapoints for OK -> ALARM transition).',
    );
    expect(assess([_, _, _], 3, 'breaching').reason).toBe(
      'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].',
    );
    expect(assess([O, _, _], 2, 'breaching').reason).toBe(
      'Threshold Crossed: 1 datapoint was received for 3 periods and 2 missing datapoints were treated as [Breaching].',
    );
    expect(assess([_, _, O], 2, 'notBreaching', 'ALARM').reason).toBe(
      'Threshold Crossed: 1 out of the last 3 datapoints [0.0 (23/11/26 09:02:00)] was not greater than the ' +
        'threshold (1.0) and 2 missing datapoints were treated as [NonBreaching] (minimum 2 datapoints for ALARM -> OK transition).',
    );
  });
});

describe('composite alarm state', () => {
  const states: Record<string, AlarmStateValue> = {
    a: 'ALARM',
    b: 'OK',
    c: 'INSUFFICIENT_DATA',
    'with space': 'ALARM',
  };
  const childOf = (name: string) => (states[name] ? { state: states[name], updatedAtMs: 0 } : undefined);
  const evaluate = (rule: string) => assessComposite(parseRule(rule), childOf);

  it.each([
    ['ALARM(a)', 'ALARM'],
    ['ALARM("b")', 'OK'],
    ['ALARM(a) AND ALARM(b)', 'OK'],
    ['ALARM(b) OR ALARM(a)', 'ALARM'],
    ['NOT ALARM(b)', 'ALARM'],
    ['ALARM(b) OR (ALARM(a) AND NOT OK("b"))', 'OK'],
    ['ALARM(b) OR (ALARM(a) AND NOT OK("c"))', 'ALARM'],
    ['(ALARM(b) OR (OK(b) AND (INSUFFICIENT_DATA(c))))', 'ALARM'],
    ['ALARM("with space")', 'ALARM'],
    ['ALARM("arn:aws:cloudwatch:us-east-1:111122223333:alarm:a")', 'ALARM'],
    ['TRUE', 'ALARM'],
    ['FALSE', 'OK'],
    ['ALARM(a) AND FALSE', 'OK'],
  ] as const)('%s → %s', (rule, expected) => {
    expect(evaluate(rule)).toBe(expected);
  });

  it('binds AND tighter than OR, as CloudWatch does', () => {
    expect(evaluate('ALARM(a) OR ALARM(b) AND ALARM(b)')).toBe('ALARM');
    expect(evaluate('(ALARM(a) OR ALARM(b)) AND ALARM(b)')).toBe('OK');
  });

  it('judges a child in INSUFFICIENT_DATA as such, and is never INSUFFICIENT_DATA itself', () => {
    expect(evaluate('ALARM(c)')).toBe('OK');
    expect(evaluate('INSUFFICIENT_DATA(c)')).toBe('ALARM');
    expect(evaluate('ALARM(c) OR ALARM(b)')).toBe('OK');
  });

  it.each([
    '',
    'ALARM(a) AND',
    'ALARM a',
    'ALARM(a',
    'ALARM("a) OR TRUE',
    'MAYBE(a)',
    'ALARM(a) ALARM(b)',
    'toString(a)',
  ])('rejects the malformed rule %j', (rule) => {
    expect(() => parseRule(rule)).toThrow();
  });
});
