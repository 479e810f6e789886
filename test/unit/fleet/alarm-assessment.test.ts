import { describe, expect, it } from 'vitest';
import { assessComposite, assessMetricAlarm, parseRule } from '../../../src/local/fleet/index.js';
import type { TreatMissingData } from '../../../src/local/scenario.js';
import type { AlarmStateValue } from '../../../src/ports/fleet.js';

const X = 5; // breaching (threshold 1, GreaterThanThreshold)
const O = 0; // not breaching
const _ = null; // missing

function assess(
  values: (number | null)[],
  m: number,
  treatMissingData: TreatMissingData,
  current: AlarmStateValue = 'OK',
) {
  return assessMetricAlarm({
    values,
    comparison: 'GreaterThanThreshold',
    threshold: 1,
    datapointsToAlarm: m,
    treatMissingData,
    current,
  });
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
      assessMetricAlarm({
        values: [1],
        comparison,
        threshold: 1,
        datapointsToAlarm: 1,
        treatMissingData: 'missing',
        current: 'OK',
      }).state;
    expect([
      at('GreaterThanThreshold'),
      at('GreaterThanOrEqualToThreshold'),
      at('LessThanThreshold'),
      at('LessThanOrEqualToThreshold'),
    ]).toEqual(['OK', 'ALARM', 'OK', 'ALARM']);
  });
});

describe('treatMissingData (3 evaluation periods, 3 datapoints to alarm)', () => {
  // Rows follow CloudWatch's documented table; the current state is ALARM so "keep" is visible.
  it.each([
    // values       missing              ignore       breaching  notBreaching
    [[O, X, X], 'OK', 'OK', 'OK', 'OK'],
    [[O, _, _], 'OK', 'OK', 'OK', 'OK'],
    [[_, _, _], 'INSUFFICIENT_DATA', 'ALARM', 'ALARM', 'OK'],
    [[O, X, _], 'OK', 'OK', 'OK', 'OK'],
    [[_, _, X], 'ALARM', 'ALARM', 'ALARM', 'OK'],
  ] as const)(
    '%j → missing %s, ignore %s, breaching %s, notBreaching %s',
    (values, missing, ignore, breaching, notBreaching) => {
      const row = (mode: TreatMissingData) => assess([...values], 3, mode, 'ALARM').state;
      expect([row('missing'), row('ignore'), row('breaching'), row('notBreaching')]).toEqual([
        missing,
        ignore,
        breaching,
        notBreaching,
      ]);
    },
  );

  it('keeps the current state under ignore when every datapoint is missing', () => {
    expect(assess([_, _, _], 3, 'ignore', 'OK').state).toBe('OK');
    expect(assess([_, _, _], 3, 'ignore', 'INSUFFICIENT_DATA').state).toBe('INSUFFICIENT_DATA');
  });
});

describe('state reasons', () => {
  it('explains an ALARM like CloudWatch, most recent datapoint first', () => {
    expect(assess([0.5, 5.1, 4.8], 2, 'missing').reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [4.8, 5.1] were greater than the threshold (1.0) ' +
        '(minimum 2 datapoints for OK -> ALARM transition).',
    );
  });

  it('explains OK and INSUFFICIENT_DATA', () => {
    expect(assess([0, 0.5, 2], 2, 'missing', 'ALARM').reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [0.5, 0.0] were not greater than the threshold (1.0).',
    );
    expect(assess([_, _, _], 2, 'missing').reason).toBe('Insufficient Data: 3 datapoints were unknown.');
  });

  it('says when missing datapoints were treated as breaching', () => {
    expect(assess([_, _, X], 3, 'breaching').reason).toContain('(2 missing datapoints treated as breaching)');
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

  it('is INSUFFICIENT_DATA while every alarm it names is', () => {
    expect(evaluate('ALARM(c)')).toBe('INSUFFICIENT_DATA');
    expect(evaluate('ALARM(c) OR ALARM(b)')).toBe('OK');
  });

  it.each(['', 'ALARM(a) AND', 'ALARM a', 'ALARM(a', 'ALARM("a) OR TRUE', 'MAYBE(a)', 'ALARM(a) ALARM(b)'])(
    'rejects the malformed rule %j',
    (rule) => {
      expect(() => parseRule(rule)).toThrow();
    },
  );
});
