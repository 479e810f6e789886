import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import { parseTimeWindow, TimeWindowSchema } from '../../../src/core/window-schema.js';
import {
  ALWAYS_OPEN_WINDOW,
  evaluateWindow,
  mergeWindow,
  nextOpening,
  predictSchedule,
  type TimeWindow,
  WindowNeverOpensError,
} from '../../../src/core/windows.js';

/** Epoch ms of an ISO instant that carries its offset. */
const at = (iso: string) => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test instant ${iso}`);
  return ms;
};
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const EVERY_DAY = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;

describe('evaluateWindow', () => {
  describe('weekends and hours (defaults: MON-FRI 09:00-17:00 in the region zone)', () => {
    it.each([
      [
        'Saturday noon in New York',
        '2026-11-28T12:00:00-05:00',
        'us-east-1',
        'weekend (Saturday in America/New_York)',
      ],
      [
        'Sunday noon in London',
        '2026-06-14T12:00:00+01:00',
        'eu-west-2',
        'weekend (Sunday in Europe/London)',
      ],
      [
        'Monday 08:59 in New York',
        '2026-11-30T08:59:00-05:00',
        'us-east-1',
        'outside hours 09:00-17:00 America/New_York',
      ],
      [
        'Monday 17:00 in New York',
        '2026-11-30T17:00:00-05:00',
        'us-east-1',
        'outside hours 09:00-17:00 America/New_York',
      ],
      ['Monday 09:00 in New York', '2026-11-30T09:00:00-05:00', 'us-east-1', undefined],
      ['Monday 16:59 in New York', '2026-11-30T16:59:59-05:00', 'us-east-1', undefined],
    ])('%s → %s', (_name, instant, region, reason) => {
      const state = evaluateWindow({}, at(instant), { region });
      expect(state.reason).toBe(reason);
      expect(state.open).toBe(reason === undefined);
    });

    it('reports the next opening (Monday 09:00 local) when closed for the weekend', () => {
      const state = evaluateWindow({}, at('2026-11-28T12:00:00-05:00'), { region: 'us-east-1' });
      expect(iso(state.nextOpenMs)).toBe('2026-11-30T14:00:00.000Z');
    });

    it('reports when an open window closes (17:00 local)', () => {
      const state = evaluateWindow({}, at('2026-11-30T10:00:00-05:00'), { region: 'us-east-1' });
      expect(iso(state.closesAtMs)).toBe('2026-11-30T22:00:00.000Z');
    });

    it('names the open days when a custom day list excludes a weekday', () => {
      const state = evaluateWindow({ days: ['MON', 'TUE'] }, at('2026-06-10T10:00:00+02:00'), {
        region: 'eu-central-1',
      });
      expect(state.reason).toBe('not a deployment day (Wednesday in Europe/Berlin; open MON, TUE)');
    });
  });

  describe('exclusions', () => {
    const fridayAfternoon: TimeWindow = { exclusions: [{ days: ['FRI'], from: '14:00', to: '24:00' }] };

    it.each([
      ['Friday 13:59 is open', '2026-11-20T13:59:00-05:00', undefined],
      ['Friday 14:00 is excluded', '2026-11-20T14:00:00-05:00', 'excluded: Friday after 14:00'],
      ['Friday 16:30 is excluded', '2026-11-20T16:30:00-05:00', 'excluded: Friday after 14:00'],
      ['Thursday 16:30 is open', '2026-11-19T16:30:00-05:00', undefined],
    ])('%s', (_name, instant, reason) => {
      expect(evaluateWindow(fridayAfternoon, at(instant), { region: 'us-east-1' }).reason).toBe(reason);
    });

    it('closes at the start of the Friday exclusion and reopens Monday morning', () => {
      const open = evaluateWindow(fridayAfternoon, at('2026-11-20T10:00:00-05:00'), { region: 'us-east-1' });
      expect(iso(open.closesAtMs)).toBe('2026-11-20T19:00:00.000Z');
      const closed = evaluateWindow(fridayAfternoon, at('2026-11-20T15:00:00-05:00'), {
        region: 'us-east-1',
      });
      expect(iso(closed.nextOpenMs)).toBe('2026-11-23T14:00:00.000Z');
    });

    it.each([
      [
        { days: ['WED'], from: '12:00', to: '13:00' },
        '2026-06-10T12:30:00+02:00',
        'excluded: Wednesday 12:00-13:00',
      ],
      [
        { days: ['WED'], from: '00:00', to: '10:00' },
        '2026-06-10T09:30:00+02:00',
        'excluded: Wednesday before 10:00',
      ],
      [{ days: ['WED'], from: '00:00', to: '24:00' }, '2026-06-10T12:30:00+02:00', 'excluded: Wednesday'],
    ] as const)('describes exclusion %j as "%s"', (exclusion, instant, reason) => {
      const window: TimeWindow = { exclusions: [{ ...exclusion, days: [...exclusion.days] }] };
      expect(evaluateWindow(window, at(instant), { region: 'eu-central-1' }).reason).toBe(reason);
    });
  });

  describe('holidays (date-holidays, public holidays of the region country by default)', () => {
    it.each([
      ['US Thanksgiving', {}, 'us-east-1', '2026-11-26T12:00:00-05:00', 'holiday: Thanksgiving Day (US)'],
      ['US Labor Day in Oregon', {}, 'us-west-2', '2026-09-07T12:00:00-07:00', 'holiday: Labor Day (US)'],
      ['GB Christmas Day', {}, 'eu-west-2', '2026-12-25T12:00:00Z', 'holiday: Christmas Day (GB)'],
      [
        'GB Boxing Day substitute (Boxing Day 2026 is a Saturday)',
        {},
        'eu-west-2',
        '2026-12-28T12:00:00Z',
        'holiday: Boxing Day (substitute day) (GB)',
      ],
      [
        'German Unity Day on a Saturday (reported as the holiday)',
        { days: [...EVERY_DAY] },
        'eu-central-1',
        '2026-10-03T12:00:00+02:00',
        'holiday: National Holiday (DE)',
      ],
      ['Japan Culture Day', {}, 'ap-northeast-1', '2026-11-03T12:00:00+09:00', 'holiday: Culture Day (JP)'],
      [
        'Australia Day in Sydney',
        {},
        'ap-southeast-2',
        '2026-01-26T12:00:00+11:00',
        'holiday: Australia Day (AU)',
      ],
      [
        'a state holiday: Epiphany in Bavaria',
        { holidays: { country: 'DE', state: 'BY' } },
        'eu-central-1',
        '2026-01-06T12:00:00+01:00',
        'holiday: Epiphany (DE-BY)',
      ],
      [
        'a state holiday: César Chávez Day in California',
        { holidays: { country: 'US', state: 'CA' } },
        'us-west-1',
        '2026-03-31T12:00:00-07:00',
        'holiday: César Chávez Day (US-CA)',
      ],
      [
        "another country's calendar than the region's",
        { timeZone: 'Europe/London', holidays: { country: 'GB' } },
        'us-east-1',
        '2026-04-06T12:00:00+01:00',
        'holiday: Easter Monday (GB)',
      ],
    ] satisfies [string, TimeWindow, string, string, string][])(
      '%s',
      (_name, window, region, instant, reason) => {
        const state = evaluateWindow(window, at(instant), { region });
        expect(state).toMatchObject({ open: false, reason });
      },
    );

    it.each([
      ['holidays: false ignores them', { holidays: false }, '2026-11-26T12:00:00-05:00', true],
      ['a state holiday does not close the country default', {}, '2026-03-31T12:00:00-04:00', true],
      ['the day after Thanksgiving is not a federal holiday', {}, '2026-11-27T12:00:00-05:00', true],
      ['Christmas Eve is only "optional" in the US', {}, '2026-12-24T12:00:00-05:00', true],
      [
        'Christmas Eve closes when optional holidays are included',
        { holidays: { country: 'US', types: ['public', 'optional'] } },
        '2026-12-24T12:00:00-05:00',
        false,
      ],
    ] satisfies [string, TimeWindow, string, boolean][])('%s', (_name, window, instant, open) => {
      expect(evaluateWindow(window, at(instant), { region: 'us-east-1' }).open).toBe(open);
    });

    it('checks the holiday on the local date, not the UTC date', () => {
      // 2026-11-26T02:00Z is Thanksgiving in UTC but still Wednesday 18:00 in Los Angeles.
      const window: TimeWindow = { days: [...EVERY_DAY], hours: { from: '00:00', to: '24:00' } };
      expect(evaluateWindow(window, at('2026-11-26T02:00:00Z'), { region: 'us-west-2' }).open).toBe(true);
      expect(evaluateWindow(window, at('2026-11-26T08:00:00Z'), { region: 'us-west-2' }).reason).toBe(
        'holiday: Thanksgiving Day (US)',
      );
    });
  });

  describe('daylight saving time: hours are local wall-clock hours', () => {
    const everyDay: TimeWindow = { days: [...EVERY_DAY], holidays: false };

    // Every DST change in 2026 falls on a Sunday: a Sunday-only window opens on exactly that day.
    it.each([
      [
        'US spring-forward eve (EST)',
        'us-east-1',
        'SAT',
        '2026-03-07T14:00:00.000Z',
        '2026-03-07T22:00:00.000Z',
      ],
      [
        'US spring-forward day (EDT)',
        'us-east-1',
        'SUN',
        '2026-03-08T13:00:00.000Z',
        '2026-03-08T21:00:00.000Z',
      ],
      ['US fall-back eve (EDT)', 'us-east-1', 'SAT', '2026-10-31T13:00:00.000Z', '2026-10-31T21:00:00.000Z'],
      ['US fall-back day (EST)', 'us-east-1', 'SUN', '2026-11-01T14:00:00.000Z', '2026-11-01T22:00:00.000Z'],
      [
        'EU spring-forward eve, Berlin (CET)',
        'eu-central-1',
        'SAT',
        '2026-03-28T08:00:00.000Z',
        '2026-03-28T16:00:00.000Z',
      ],
      [
        'EU spring-forward day, Berlin (CEST)',
        'eu-central-1',
        'SUN',
        '2026-03-29T07:00:00.000Z',
        '2026-03-29T15:00:00.000Z',
      ],
      [
        'EU fall-back day, Berlin (CET)',
        'eu-central-1',
        'SUN',
        '2026-10-25T08:00:00.000Z',
        '2026-10-25T16:00:00.000Z',
      ],
      [
        'EU spring-forward day, London (BST)',
        'eu-west-2',
        'SUN',
        '2026-03-29T08:00:00.000Z',
        '2026-03-29T16:00:00.000Z',
      ],
      [
        'EU fall-back day, London (GMT)',
        'eu-west-2',
        'SUN',
        '2026-10-25T09:00:00.000Z',
        '2026-10-25T17:00:00.000Z',
      ],
      [
        'Sydney DST ends (AEST)',
        'ap-southeast-2',
        'SUN',
        '2026-04-04T23:00:00.000Z',
        '2026-04-05T07:00:00.000Z',
      ],
      [
        'Sydney DST starts (AEDT)',
        'ap-southeast-2',
        'SUN',
        '2026-10-03T22:00:00.000Z',
        '2026-10-04T06:00:00.000Z',
      ],
    ] as const)('%s: opens at 09:00 and closes at 17:00 local', (_name, region, day, opensUtc, closesUtc) => {
      const window: TimeWindow = { days: [day], holidays: false };
      const opens = nextOpening(window, at(opensUtc) - 3 * 86_400_000, { region });
      expect(iso(opens)).toBe(opensUtc);
      expect(iso(evaluateWindow(window, opens, { region }).closesAtMs)).toBe(closesUtc);
      expect(evaluateWindow(window, opens - 1, { region }).open).toBe(false);
    });

    it('opens a 02:30 window at 03:00 EDT on the US spring-forward day, when 02:30 never happens', () => {
      const window: TimeWindow = { ...everyDay, hours: { from: '02:30', to: '04:00' } };
      const opens = nextOpening(window, at('2026-03-08T00:00:00-05:00'), { region: 'us-east-1' });
      expect(iso(opens)).toBe('2026-03-08T07:00:00.000Z'); // 03:00 EDT
      expect(evaluateWindow(window, opens - 1, { region: 'us-east-1' }).open).toBe(false); // 01:59:59.999 EST
    });

    it('is open in both occurrences of 01:30 on the US fall-back day', () => {
      const window: TimeWindow = { ...everyDay, hours: { from: '01:00', to: '02:00' } };
      const ctx = { region: 'us-east-1' };
      expect(evaluateWindow(window, at('2026-11-01T01:30:00-04:00'), ctx).open).toBe(true); // first, EDT
      expect(evaluateWindow(window, at('2026-11-01T01:30:00-05:00'), ctx).open).toBe(true); // second, EST
      // Closed between the two: 02:00 EDT does not happen, the clock goes back to 01:00 EST.
      expect(iso(evaluateWindow(window, at('2026-11-01T01:30:00-04:00'), ctx).closesAtMs)).toBe(
        '2026-11-01T07:00:00.000Z',
      );
    });

    it('reopens in the repeated hour after closing at its first occurrence', () => {
      const window: TimeWindow = { ...everyDay, hours: { from: '01:30', to: '01:45' } };
      const ctx = { region: 'us-east-1' };
      const state = evaluateWindow(window, at('2026-11-01T01:50:00-04:00'), ctx);
      expect(state.open).toBe(false);
      expect(iso(state.nextOpenMs)).toBe('2026-11-01T06:30:00.000Z'); // 01:30 EST, the second time
    });
  });

  describe('time zones east and west of UTC', () => {
    it.each([
      ['Tokyo Monday 08:59 JST (Sunday 23:59 UTC)', 'ap-northeast-1', '2026-06-14T23:59:00Z', false],
      ['Tokyo Monday 09:00 JST (Monday 00:00 UTC)', 'ap-northeast-1', '2026-06-15T00:00:00Z', true],
      ['Tokyo Saturday 08:00 JST (Friday 23:00 UTC)', 'ap-northeast-1', '2026-06-12T23:00:00Z', false],
      ['Sydney Monday 09:00 AEST (Sunday 23:00 UTC)', 'ap-southeast-2', '2026-06-14T23:00:00Z', true],
      ['Sydney Friday 17:00 AEST (Friday 07:00 UTC)', 'ap-southeast-2', '2026-06-12T07:00:00Z', false],
      ['Los Angeles Friday 16:30 PDT (Friday 23:30 UTC)', 'us-west-2', '2026-06-12T23:30:00Z', true],
      ['Los Angeles Friday 17:30 PDT (Saturday 00:30 UTC)', 'us-west-2', '2026-06-13T00:30:00Z', false],
      ['Los Angeles Monday 08:00 PDT (Monday 15:00 UTC)', 'us-west-2', '2026-06-15T15:00:00Z', false],
      ['Mumbai Monday 09:00 IST (Monday 03:30 UTC)', 'ap-south-1', '2026-06-15T03:30:00Z', true],
    ])('%s → open %s', (_name, region, instant, open) => {
      expect(evaluateWindow({}, at(instant), { region }).open).toBe(open);
    });

    it('uses an explicit timeZone over the region zone', () => {
      const window: TimeWindow = { timeZone: 'Asia/Tokyo', holidays: false };
      expect(evaluateWindow(window, at('2026-06-15T00:00:00Z'), { region: 'us-east-1' }).open).toBe(true);
    });
  });

  describe('blackouts', () => {
    const ctx = { region: 'eu-central-1' };
    it.each([
      ['a whole local day', ['2026-12-22'], '2026-12-22T16:59:00+01:00', 'blackout 2026-12-22'],
      [
        'a span of dates, inclusive of the last',
        [{ from: '2026-12-21', to: '2026-12-23', reason: 'year-end freeze' }],
        '2026-12-23T12:00:00+01:00',
        'blackout 2026-12-21 to 2026-12-23: year-end freeze',
      ],
      [
        'a single date with a reason',
        [{ from: '2026-12-22', to: '2026-12-22', reason: 'holiday freeze' }],
        '2026-12-22T10:00:00+01:00',
        'blackout 2026-12-22: holiday freeze',
      ],
      [
        'local date-times (window zone)',
        [{ from: '2026-12-22T12:00', to: '2026-12-22T14:00' }],
        '2026-12-22T13:00:00+01:00',
        'blackout 2026-12-22T12:00 to 2026-12-22T14:00',
      ],
      [
        'UTC date-times',
        [{ from: '2026-12-22T11:00:00Z', to: '2026-12-22T13:00:00Z' }],
        '2026-12-22T13:00:00+01:00',
        'blackout 2026-12-22T11:00:00Z to 2026-12-22T13:00:00Z',
      ],
    ] satisfies [string, NonNullable<TimeWindow['blackouts']>, string, string][])(
      'closes for %s',
      (_name, blackouts, instant, reason) => {
        expect(evaluateWindow({ blackouts }, at(instant), ctx)).toMatchObject({ open: false, reason });
      },
    );

    it.each([
      ['the day after a date blackout', ['2026-12-22'], '2026-12-23T09:00:00+01:00'],
      [
        'the instant a date-time blackout ends',
        [{ from: '2026-12-22T12:00', to: '2026-12-22T14:00' }],
        '2026-12-22T14:00:00+01:00',
      ],
    ] satisfies [string, NonNullable<TimeWindow['blackouts']>, string][])(
      'is open at %s',
      (_name, blackouts, instant) => {
        expect(evaluateWindow({ blackouts }, at(instant), ctx).open).toBe(true);
      },
    );

    it('jumps over a blackout, then the holidays and weekend that follow it', () => {
      const state = evaluateWindow(
        { blackouts: [{ from: '2026-12-21', to: '2026-12-24', reason: 'year-end freeze' }] },
        at('2026-12-21T10:00:00+01:00'),
        ctx,
      );
      // 24th blacked out, 25th-26th holidays, 27th Sunday → Monday 28th 09:00 CET.
      expect(iso(state.nextOpenMs)).toBe('2026-12-28T08:00:00.000Z');
    });
  });
});

describe('nextOpening', () => {
  it.each([
    [
      'the instant itself when open',
      {},
      'us-east-1',
      '2026-11-30T10:00:00-05:00',
      '2026-11-30T15:00:00.000Z',
    ],
    ['Monday after a weekend', {}, 'us-east-1', '2026-11-27T18:00:00-05:00', '2026-11-30T14:00:00.000Z'],
    [
      'Tuesday after the US Labor Day weekend',
      {},
      'us-east-1',
      '2026-09-04T18:00:00-04:00',
      '2026-09-08T13:00:00.000Z',
    ],
    [
      'Tuesday after the GB Easter weekend',
      {},
      'eu-west-2',
      '2026-04-02T17:30:00+01:00',
      '2026-04-07T08:00:00.000Z',
    ],
    [
      'Friday after Thanksgiving (09:00 EST)',
      {},
      'us-east-1',
      '2026-11-25T17:00:00-05:00',
      '2026-11-27T14:00:00.000Z',
    ],
    [
      'Thursday after the Japanese Silver Week (holidays Mon-Wed)',
      {},
      'ap-northeast-1',
      '2026-09-18T18:00:00+09:00',
      '2026-09-24T00:00:00.000Z',
    ],
  ] satisfies [string, TimeWindow, string, string, string][])(
    'finds %s',
    (_name, window, region, from, expected) => {
      expect(iso(nextOpening(window, at(from), { region }))).toBe(expected);
    },
  );

  it('throws a clear error when the window never opens within the horizon', () => {
    const window: TimeWindow = { blackouts: [{ from: '2026-01-01', to: '2027-12-31', reason: 'forever' }] };
    expect(() => nextOpening(window, at('2026-01-01T00:00:00Z'), { region: 'us-east-1' })).toThrow(
      WindowNeverOpensError,
    );
    expect(() => nextOpening(window, at('2026-01-01T00:00:00Z'), { region: 'us-east-1' })).toThrow(
      /never opens within 400 days.*blackout 2026-01-01 to 2027-12-31: forever/,
    );
  });

  it('throws naming the region when the region is unknown and the window relies on it', () => {
    expect(() => nextOpening({}, 0, { region: 'moon-base-1' })).toThrow(/unknown AWS region "moon-base-1"/);
  });

  it('needs no known region when the window names its zone and holidays', () => {
    expect(nextOpening(ALWAYS_OPEN_WINDOW, 1234, { region: 'moon-base-1' })).toBe(1234);
  });
});

describe('mergeWindow', () => {
  const pipeline: TimeWindow = {
    timeZone: 'Europe/Berlin',
    hours: { from: '08:00', to: '18:00' },
    blackouts: ['2026-12-24'],
  };
  it.each([
    ['nothing set anywhere', undefined, undefined, undefined, undefined],
    ['the pipeline window alone', pipeline, undefined, undefined, pipeline],
    [
      'a wave field replaces the pipeline field',
      pipeline,
      { hours: { from: '10:00', to: '12:00' } },
      undefined,
      { ...pipeline, hours: { from: '10:00', to: '12:00' } },
    ],
    [
      'a target field replaces the wave field',
      pipeline,
      { days: ['MON'] },
      { days: ['TUE'], holidays: false },
      { ...pipeline, days: ['TUE'], holidays: false },
    ],
    [
      'arrays are replaced, not appended',
      pipeline,
      { blackouts: ['2026-12-31'] },
      undefined,
      { ...pipeline, blackouts: ['2026-12-31'] },
    ],
    ['only a wave window', undefined, { days: ['MON'] }, undefined, { days: ['MON'] }],
  ] satisfies [
    string,
    TimeWindow | undefined,
    TimeWindow | undefined,
    TimeWindow | undefined,
    TimeWindow | undefined,
  ][])('%s', (_name, p, w, t, expected) => {
    expect(mergeWindow(p, w, t)).toEqual(expected);
  });
});

describe('predictSchedule', () => {
  it('starts each wave at the first opening after the previous wave ends, across a weekend', () => {
    const schedule = predictSchedule(
      [
        { name: 'use1', leadTimeSeconds: 4 * 3600, region: 'us-east-1', window: {} },
        { name: 'use1-rest', leadTimeSeconds: 2 * 3600, region: 'us-east-1', window: {} },
        { name: 'apne1', leadTimeSeconds: 3600, region: 'ap-northeast-1', window: {} },
        { name: 'global', leadTimeSeconds: 1800, region: 'eu-west-1' },
      ],
      at('2026-11-20T15:00:00-05:00'),
    );
    expect(schedule.map((w) => [w.name, iso(w.earliestStart), iso(w.expectedEnd)])).toEqual([
      // Started Friday 15:00 EST, runs past 17:00 and into Saturday UTC: windows gate starts only.
      ['use1', '2026-11-20T20:00:00.000Z', '2026-11-21T00:00:00.000Z'],
      // Waits for Monday 09:00 EST.
      ['use1-rest', '2026-11-23T14:00:00.000Z', '2026-11-23T16:00:00.000Z'],
      // Monday 23 Nov is a holiday in Japan (Labor Thanksgiving Day): Tuesday 09:00 JST.
      ['apne1', '2026-11-24T00:00:00.000Z', '2026-11-24T01:00:00.000Z'],
      // No window: starts as soon as the previous wave ends.
      ['global', '2026-11-24T01:00:00.000Z', '2026-11-24T01:30:00.000Z'],
    ]);
  });

  it('returns an empty schedule for no waves', () => {
    expect(predictSchedule([], 0)).toEqual([]);
  });
});

describe('TimeWindowSchema', () => {
  it('accepts a full window document', () => {
    const window = {
      timeZone: 'America/New_York',
      days: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
      hours: { from: '09:00', to: '17:00' },
      exclusions: [{ days: ['FRI'], from: '14:00', to: '24:00' }],
      blackouts: ['2026-12-24', { from: '2026-12-28', to: '2027-01-01', reason: 'year-end freeze' }],
      holidays: { country: 'US', state: 'NY', types: ['public'] },
    };
    expect(parseTimeWindow(window)).toEqual(window);
    expect(TimeWindowSchema.parse({})).toEqual({});
  });

  it.each([
    [
      { timeZone: 'Mars/Olympus' },
      'timeZone: expected an IANA time zone like "Europe/Berlin", got "Mars/Olympus"',
    ],
    [{ days: ['MON', 'MON'] }, 'days: expected each day at most once'],
    [{ days: [] }, 'days: expected at least one day'],
    [{ hours: { from: '17:00', to: '09:00' } }, 'hours.to: expected "from" before "to"'],
    [{ hours: { from: '9:00', to: '17:00' } }, 'hours.from: expected a wall-clock time "HH:mm"'],
    [{ hours: { from: '09:00', to: '24:01' } }, 'hours.to: expected a wall-clock time "HH:mm"'],
    [{ blackouts: ['2026-02-30'] }, 'blackouts[0]: expected a calendar date "YYYY-MM-DD", got "2026-02-30"'],
    [
      { blackouts: [{ from: '2026-12-25', to: '2026-12-24' }] },
      'blackouts[0].to: expected "from" before "to"',
    ],
    [{ blackouts: [{ from: 'soon', to: '2026-12-24' }] }, 'blackouts[0].from: expected an ISO date'],
    [
      { holidays: { country: 'UK' } },
      'holidays.country: unknown holiday country "UK" (the United Kingdom is "GB")',
    ],
    [{ holidays: { country: 'US', state: 'XX' } }, 'holidays.state: unknown state "XX" of US'],
    [{ holidays: { country: 'us' } }, 'holidays.country: expected an ISO 3166-1 alpha-2 country code'],
    [{ holidays: true }, 'holidays'],
    [{ weekdays: ['MON'] }, 'unknown field(s) "weekdays"'],
  ])('rejects %j with "%s"', (input, message) => {
    expect(() => parseTimeWindow(input, 'wave "eu" window')).toThrow(InvalidInputError);
    expect(() => parseTimeWindow(input, 'wave "eu" window')).toThrow(message);
  });
});
