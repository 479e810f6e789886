import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AlarmObservation,
  assessBake,
  type BakeInput,
  describeBake,
  type RecordedBake,
} from '../../../src/core/bake.js';

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
        standing: 'baked 1h with 140 data points (needed 100)',
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
      standing: 'stopped by alice: INC-42 in progress',
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

describe('a recorded bake, described when it is read', () => {
  const START = Date.parse('2026-11-23T09:00:00Z');
  const at = (minutes: number) => START + minutes * 60_000;
  /** A 2 h wave bake as its first check (5 minutes in) recorded it. */
  function recorded(overrides: Partial<RecordedBake> = {}): RecordedBake {
    const standing = assessBake(
      bake({ elapsedSeconds: 300, durationSeconds: 2 * HOUR, minDataPoints: 2000, dataPoints: undefined }),
    ).standing;
    return {
      startedAt: '2026-11-23T09:00:00.000Z',
      durationSeconds: 2 * HOUR,
      minDataPoints: 2000,
      dataPoints: 0,
      verdict: 'baking',
      note: standing,
      failsAt: '2026-11-23T12:00:00.000Z',
      ...overrides,
    };
  }

  it('keeps no elapsed time in what a check records for a bake still baking', () => {
    // Act
    const early = assessBake(bake({ elapsedSeconds: 300, dataPoints: 40 }));
    const later = assessBake(bake({ elapsedSeconds: 2_760, dataPoints: 40 }));

    // Assess: the reason says the time, what is recorded does not
    expect(early.reason).toBe('baking: 5m of 1h, 40/100 data points');
    expect(early.standing).toBe('40/100 data points');
    expect(later.standing).toBe(early.standing);
  });

  it('says 46m of 2h when read 46 minutes into the bake, whatever the last write said', () => {
    // Act
    const { text, elapsedSeconds } = describeBake(recorded(), at(46));

    // Assess
    expect(text).toBe(
      'baking: 46m of 2h (1h14m left), 2000 data points needed (counted when the time is up)',
    );
    expect(elapsedSeconds).toBe(46 * 60);
  });

  it('says when the data points were counted', () => {
    // Act
    const { text } = describeBake(
      recorded({ dataPoints: 2400, dataPointsAt: '2026-11-23T09:35:00.000Z' }),
      at(50),
    );

    // Assess
    expect(text).toBe('baking: 50m of 2h (1h10m left), 2400/2000 data points as counted at 09:35 UTC');
  });

  it('says the next check decides once the time is up and no check has come yet', () => {
    expect(describeBake(recorded(), at(125)).text).toBe(
      'baking: 2h of 2h, the next check decides, 2000 data points needed (counted when the time is up)',
    );
  });

  it('counts down to the fail-safe rollback of an inconclusive bake', () => {
    // Prepare
    const inconclusive = recorded({
      verdict: 'inconclusive',
      dataPoints: 300,
      dataPointsAt: '2026-11-23T11:00:00.000Z',
      note: 'only 300 of 2000 data points',
    });

    // Act
    const { text } = describeBake(inconclusive, at(140));

    // Assess
    expect(text).toBe('inconclusive, still baking (40m left before rollback): only 300 of 2000 data points');
  });

  it('gives an ended bake its recorded reason and no running time', () => {
    // Act
    const ended = describeBake(
      recorded({ verdict: 'baked', note: 'baked 2h with 2400 data points (needed 2000)' }),
      at(600),
    );

    // Assess
    expect(ended).toEqual({ text: 'baked 2h with 2400 data points (needed 2000)' });
  });
});
