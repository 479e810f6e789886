import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AlarmObservation, assessBake, type BakeInput } from '../../../src/core/bake.js';

const HOUR = 3_600;

function bake(overrides: Partial<BakeInput> = {}): BakeInput {
  return {
    elapsedSeconds: 0,
    durationSeconds: HOUR,
    minDataPoints: 100,
    dataPoints: 0,
    alarms: [],
    inconclusiveTimeoutSeconds: HOUR,
    pollIntervalSeconds: 60,
    ...overrides,
  };
}

function alarm(name: string, state: AlarmObservation['state'], reason?: string): AlarmObservation {
  return { name, state, where: 'us-east-1/111111111111', ...(reason ? { reason } : {}) };
}

const OK_ALARM = alarm('payments-errors-us-east-1', 'OK');

describe('assessBake', () => {
  describe('before the duration has passed', () => {
    it.each([
      ['just started, no data', { elapsedSeconds: 0, dataPoints: 0 }],
      ['half way, enough data already', { elapsedSeconds: HOUR / 2, dataPoints: 500 }],
      ['one second left, alarms OK', { elapsedSeconds: HOUR - 1, dataPoints: 1_000, alarms: [OK_ALARM] }],
      [
        'an alarm has INSUFFICIENT_DATA',
        { elapsedSeconds: 600, dataPoints: 10, alarms: [alarm('quiet', 'INSUFFICIENT_DATA')] },
      ],
    ])('keeps baking when %s', (_case, overrides) => {
      // Act
      const result = assessBake(bake(overrides));

      // Assess
      expect(result.verdict).toBe('baking');
      expect(result.waitSeconds).toBeGreaterThan(0);
      expect(result.alarm).toBeUndefined();
    });
  });

  describe('once the duration has passed', () => {
    it.each([
      ['enough data points and every alarm OK', { dataPoints: 100, alarms: [OK_ALARM] }, 'baked'],
      ['more data points than needed and no alarms', { dataPoints: 5_000 }, 'baked'],
      ['no data points required and none served', { minDataPoints: 0, dataPoints: 0 }, 'baked'],
      ['one data point short', { dataPoints: 99, alarms: [OK_ALARM] }, 'inconclusive'],
      [
        'enough data points but an alarm has INSUFFICIENT_DATA',
        { dataPoints: 100, alarms: [OK_ALARM, alarm('quiet', 'INSUFFICIENT_DATA')] },
        'inconclusive',
      ],
    ])('with %s the verdict is %s', (_case, overrides, verdict) => {
      // Act
      const result = assessBake(bake({ elapsedSeconds: HOUR, ...overrides }));

      // Assess
      expect(result.verdict).toBe(verdict);
    });

    it('says how long it baked and with how many data points when baked', () => {
      // Act
      const result = assessBake(bake({ elapsedSeconds: HOUR, dataPoints: 140 }));

      // Assess
      expect(result).toEqual({
        verdict: 'baked',
        reason: 'baked 1h with 140 data points (needed 100)',
        waitSeconds: 0,
      });
    });
  });

  describe('alarms', () => {
    it.each([
      ['before the duration, without data', { elapsedSeconds: 0, dataPoints: 0 }],
      ['before the duration, with plenty of data', { elapsedSeconds: 1_800, dataPoints: 10_000 }],
      ['after the duration, with enough data', { elapsedSeconds: HOUR, dataPoints: 100 }],
      ['deep into overtime', { elapsedSeconds: 10 * HOUR, dataPoints: 0 }],
    ])('fails at once when an alarm is in ALARM %s', (_case, overrides) => {
      // Prepare
      const firing = alarm('payments-onebox-errors-usw2', 'ALARM', 'Threshold Crossed');

      // Act
      const result = assessBake(bake({ ...overrides, alarms: [OK_ALARM, firing] }));

      // Assess
      expect(result).toMatchObject({
        verdict: 'failed',
        alarm: 'payments-onebox-errors-usw2',
        waitSeconds: 0,
      });
      expect(result.reason).toContain('payments-onebox-errors-usw2');
      expect(result.reason).toContain('is in ALARM: Threshold Crossed');
    });

    it('names the first alarm in ALARM when several fire', () => {
      // Act
      const result = assessBake(
        bake({ alarms: [OK_ALARM, alarm('first', 'ALARM'), alarm('second', 'ALARM')] }),
      );

      // Assess
      expect(result.alarm).toBe('first');
    });

    it('fails when an alarm that should watch the change does not exist', () => {
      // Act
      const result = assessBake(bake({ alarms: [OK_ALARM, alarm('payments-errors-eu-west-1', 'missing')] }));

      // Assess
      expect(result).toMatchObject({ verdict: 'failed', alarm: 'payments-errors-eu-west-1', waitSeconds: 0 });
      expect(result.reason).toMatch(/payments-errors-eu-west-1 does not exist in us-east-1\/111111111111/);
    });
  });

  it('fails with who stopped it when a stop is requested', () => {
    // Act
    const result = assessBake(
      bake({
        elapsedSeconds: 600,
        dataPoints: 50,
        alarms: [OK_ALARM],
        cancelRequested: { by: 'alice', reason: 'INC-42 in progress' },
      }),
    );

    // Assess
    expect(result).toEqual({
      verdict: 'failed',
      reason: 'stopped by alice: INC-42 in progress',
      waitSeconds: 0,
    });
  });

  describe('inconclusive bakes', () => {
    it.each([
      ['at the duration', HOUR, 'inconclusive'],
      ['half way into the inconclusive timeout', HOUR + 1_800, 'inconclusive'],
      ['one second before the inconclusive timeout', 2 * HOUR - 1, 'inconclusive'],
      ['at the inconclusive timeout', 2 * HOUR, 'failed'],
      ['past the inconclusive timeout', 3 * HOUR, 'failed'],
    ])('short of data points %s is %s and says what was missing', (_case, elapsedSeconds, verdict) => {
      // Act
      const result = assessBake(bake({ elapsedSeconds, dataPoints: 42, minDataPoints: 100 }));

      // Assess
      expect(result.verdict).toBe(verdict);
      expect(result.reason).toContain('only 42 of 100 data points');
      expect(result.alarm).toBeUndefined();
    });

    it.each([
      ['keeps baking before the inconclusive timeout', HOUR + 60, 'inconclusive'],
      ['fails safe at the inconclusive timeout', 2 * HOUR, 'failed'],
    ])('an alarm with INSUFFICIENT_DATA %s and names the alarm', (_case, elapsedSeconds, verdict) => {
      // Act
      const result = assessBake(
        bake({ elapsedSeconds, dataPoints: 500, alarms: [OK_ALARM, alarm('quiet', 'INSUFFICIENT_DATA')] }),
      );

      // Assess
      expect(result.verdict).toBe(verdict);
      expect(result.reason).toContain('alarm quiet (us-east-1/111111111111) has INSUFFICIENT_DATA');
    });

    it('sets the alarm field to the INSUFFICIENT_DATA alarm when it fails safe', () => {
      // Act
      const result = assessBake(
        bake({ elapsedSeconds: 2 * HOUR, dataPoints: 500, alarms: [alarm('quiet', 'INSUFFICIENT_DATA')] }),
      );

      // Assess
      expect(result).toMatchObject({ verdict: 'failed', alarm: 'quiet', waitSeconds: 0 });
    });

    it('lists every missing thing when data is short and an alarm has no data', () => {
      // Act
      const result = assessBake(
        bake({ elapsedSeconds: 2 * HOUR, dataPoints: 3, alarms: [alarm('quiet', 'INSUFFICIENT_DATA')] }),
      );

      // Assess
      expect(result.reason).toBe(
        'bake inconclusive after 2h: only 3 of 100 data points; alarm quiet (us-east-1/111111111111) has INSUFFICIENT_DATA',
      );
    });

    it('fails at once when short of data and the inconclusive timeout is zero', () => {
      // Act
      const result = assessBake(bake({ elapsedSeconds: HOUR, dataPoints: 0, inconclusiveTimeoutSeconds: 0 }));

      // Assess
      expect(result.verdict).toBe('failed');
    });
  });

  describe('when to look again', () => {
    it.each([
      ['the poll interval while plenty of bake remains', { elapsedSeconds: 0, pollIntervalSeconds: 60 }, 60],
      [
        'the time left when less than a poll remains',
        { elapsedSeconds: HOUR - 20, pollIntervalSeconds: 60 },
        20,
      ],
      [
        'the poll interval while inconclusive',
        { elapsedSeconds: HOUR + 60, dataPoints: 0, pollIntervalSeconds: 60 },
        60,
      ],
      [
        'the time left before the inconclusive timeout',
        { elapsedSeconds: 2 * HOUR - 15, dataPoints: 0, pollIntervalSeconds: 60 },
        15,
      ],
      [
        'at least one second when the poll interval is zero',
        { elapsedSeconds: 0, pollIntervalSeconds: 0 },
        1,
      ],
    ])('waits %s', (_case, overrides, waitSeconds) => {
      // Act
      const result = assessBake(bake(overrides));

      // Assess
      expect(result.waitSeconds).toBe(waitSeconds);
    });
  });

  describe('properties', () => {
    const arbAlarm = fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
      state: fc.constantFrom<AlarmObservation['state']>('OK', 'ALARM', 'INSUFFICIENT_DATA', 'missing'),
      where: fc.constantFrom('us-east-1/111111111111', 'eu-west-1/222222222222'),
    });
    const arbInput: fc.Arbitrary<BakeInput> = fc.record({
      elapsedSeconds: fc.integer({ min: 0, max: 10 * 86_400 }),
      durationSeconds: fc.integer({ min: 0, max: 2 * 86_400 }),
      minDataPoints: fc.integer({ min: 0, max: 10_000 }),
      dataPoints: fc.integer({ min: 0, max: 20_000 }),
      alarms: fc.array(arbAlarm, { maxLength: 5 }),
      inconclusiveTimeoutSeconds: fc.integer({ min: 0, max: 86_400 }),
      pollIntervalSeconds: fc.integer({ min: 0, max: 3_600 }),
    });

    it('fails whenever any alarm is in ALARM', () => {
      fc.assert(
        fc.property(arbInput, arbAlarm, fc.nat(), (input, firing, at) => {
          const alarms = [...input.alarms];
          alarms.splice(at % (alarms.length + 1), 0, { ...firing, state: 'ALARM' });
          const result = assessBake({ ...input, alarms });
          expect(result.verdict).toBe('failed');
          expect(alarms.filter((a) => a.state === 'ALARM').map((a) => a.name)).toContain(result.alarm);
        }),
      );
    });

    it('is baked only when the duration has passed and enough data points were served', () => {
      fc.assert(
        fc.property(arbInput, (input) => {
          const result = assessBake(input);
          if (result.verdict === 'baked') {
            expect(input.elapsedSeconds).toBeGreaterThanOrEqual(input.durationSeconds);
            expect(input.dataPoints).toBeGreaterThanOrEqual(input.minDataPoints);
            expect(input.alarms.every((a) => a.state === 'OK')).toBe(true);
          }
        }),
      );
    });

    it('asks to look again exactly when still baking or inconclusive, never later than a poll', () => {
      fc.assert(
        fc.property(arbInput, (input) => {
          const result = assessBake(input);
          const stillWatching = result.verdict === 'baking' || result.verdict === 'inconclusive';
          expect(result.waitSeconds > 0).toBe(stillWatching);
          expect(result.waitSeconds).toBeLessThanOrEqual(Math.max(1, input.pollIntervalSeconds));
          const deadline =
            input.durationSeconds +
            (result.verdict === 'inconclusive' ? input.inconclusiveTimeoutSeconds : 0);
          if (stillWatching) expect(result.waitSeconds).toBeLessThanOrEqual(deadline - input.elapsedSeconds);
        }),
      );
    });
  });
});

describe('assessBake with a statistical one-box analysis', () => {
  const done = { elapsedSeconds: HOUR, dataPoints: 500, alarms: [OK_ALARM] };

  it('fails at once on a failed analysis, even mid-bake, with its reason', () => {
    const a = assessBake(
      bake({
        elapsedSeconds: 600,
        analysis: { verdict: 'fail', reason: 'a1: error rate 1.02% vs 0.10%', required: true },
      }),
    );
    expect(a).toMatchObject({ verdict: 'failed', reason: 'one-box analysis: a1: error rate 1.02% vs 0.10%' });
  });

  it('holds a one-box past its duration while the analysis is inconclusive, then fails safe', () => {
    const analysis = { verdict: 'inconclusive' as const, reason: 'a1: 6 of 10 minutes', required: true };
    expect(assessBake(bake({ ...done, analysis })).verdict).toBe('inconclusive');
    expect(assessBake(bake({ ...done, analysis })).reason).toMatch(
      /one-box analysis inconclusive: a1: 6 of 10/,
    );
    expect(assessBake(bake({ ...done, elapsedSeconds: 2 * HOUR, analysis })).verdict).toBe('failed');
  });

  it('does not hold a health check on an inconclusive analysis, nor anything on pass or marginal', () => {
    const verdictWith = (verdict: 'inconclusive' | 'pass' | 'marginal', required: boolean) =>
      assessBake(bake({ ...done, analysis: { verdict, reason: 'r', required } })).verdict;
    expect(verdictWith('inconclusive', false)).toBe('baked');
    expect(verdictWith('pass', true)).toBe('baked');
    expect(verdictWith('marginal', true)).toBe('baked');
  });
});
