import fc from 'fast-check';
import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  DAY_NAMES,
  evaluateWindow,
  nextOpening,
  type TimeWindow,
  WindowNeverOpensError,
} from '../../../src/core/windows.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const RANGE_FROM = Date.parse('2025-06-01T00:00:00Z');
const RANGE_TO = Date.parse('2027-06-01T00:00:00Z');

// Zones with DST north and south, half- and quarter-hour offsets, and Lord Howe's 30-minute DST.
const ZONES = [
  'America/New_York',
  'America/Los_Angeles',
  'Europe/London',
  'Europe/Berlin',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Pacific/Auckland',
  'Asia/Tokyo',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'America/Sao_Paulo',
  'UTC',
];
const REGIONS = ['us-east-1', 'eu-west-2', 'eu-central-1', 'ap-northeast-1', 'ap-southeast-2', 'sa-east-1'];

// Instants close to a DST change of the window's own zone are where wall-clock arithmetic goes
// wrong, so half the cases start within a day and a half of one.
function offsetChanges(zone: string): number[] {
  const z = IANAZone.create(zone);
  const changes: number[] = [];
  for (let t = RANGE_FROM + HOUR_MS; t <= RANGE_TO; t += HOUR_MS) {
    if (z.offset(t) !== z.offset(t - HOUR_MS)) changes.push(t);
  }
  return changes;
}
const CHANGES = new Map(ZONES.map((zone) => [zone, offsetChanges(zone)]));

const zoneAndInstantArb = fc.constantFrom(...ZONES).chain((zone) => {
  const changes = CHANGES.get(zone) ?? [];
  const uniform = fc.integer({ min: RANGE_FROM, max: RANGE_TO });
  const nearChange =
    changes.length === 0
      ? uniform
      : fc
          .tuple(fc.constantFrom(...changes), fc.integer({ min: -36 * HOUR_MS, max: 36 * HOUR_MS }))
          .map(([t, d]) => t + d);
  return fc.tuple(fc.constant(zone), fc.oneof(uniform, nearChange));
});

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** A "from"/"to" pair on the same day, on a quarter-hour grid or any minute. */
const spanArb = fc
  .tuple(fc.boolean(), fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 1440 }))
  .map(([quarter, a, len]) => {
    const from = quarter ? Math.floor(a / 15) * 15 : a;
    const to = Math.min(1440, from + (quarter ? Math.max(15, Math.floor(len / 15) * 15) : len));
    return { from: hhmm(from), to: hhmm(to) };
  });

const daysArb = fc.subarray([...DAY_NAMES], { minLength: 1 });

const dateArb = fc
  .integer({ min: RANGE_FROM / DAY_MS, max: RANGE_TO / DAY_MS })
  .map((d) => new Date(d * DAY_MS).toISOString().slice(0, 10));

const blackoutArb = fc.oneof(
  dateArb,
  fc.tuple(dateArb, fc.integer({ min: 0, max: 20 })).map(([from, len]) => ({
    from,
    to: new Date(Date.parse(from) + len * DAY_MS).toISOString().slice(0, 10),
    reason: 'freeze',
  })),
  fc
    .tuple(fc.integer({ min: RANGE_FROM, max: RANGE_TO }), fc.integer({ min: 60_000, max: 3 * DAY_MS }))
    .map(([from, len]) => ({ from: new Date(from).toISOString(), to: new Date(from + len).toISOString() })),
);

const windowArb = (timeZone: string): fc.Arbitrary<TimeWindow> =>
  fc.record(
    {
      timeZone: fc.constant(timeZone),
      days: daysArb,
      hours: spanArb,
      exclusions: fc.array(
        fc.tuple(daysArb, spanArb).map(([days, span]) => ({ days, ...span })),
        { maxLength: 2 },
      ),
      blackouts: fc.array(blackoutArb, { maxLength: 3 }),
      holidays: fc.constantFrom<TimeWindow['holidays']>(
        false,
        { country: 'US' },
        { country: 'GB' },
        { country: 'DE' },
        {
          country: 'JP',
          types: ['public', 'observance'],
        },
      ),
    },
    { requiredKeys: [] },
  );

// The zone is left out of some windows (then the region's zone applies, unrelated to the instant).
const caseArb = zoneAndInstantArb.chain(([zone, t]) =>
  fc.record({ window: windowArb(zone), region: fc.constantFrom(...REGIONS), t: fc.constant(t) }),
);

/** nextOpening, or undefined when the window is closed for the whole horizon. */
function opening(window: TimeWindow, t: number, region: string): number | undefined {
  try {
    return nextOpening(window, t, { region });
  } catch (error) {
    if (error instanceof WindowNeverOpensError) return undefined;
    throw error;
  }
}

describe('time window properties', () => {
  it('nextOpening(w, t) is open and not before t', () => {
    fc.assert(
      fc.property(caseArb, ({ window, region, t }) => {
        const next = opening(window, t, region);
        if (next === undefined) {
          expect(evaluateWindow(window, t, { region }).open).toBe(false);
          return;
        }
        expect(next).toBeGreaterThanOrEqual(t);
        expect(evaluateWindow(window, next, { region }).open).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('no instant between t and nextOpening(w, t) is open, including the millisecond before it', () => {
    fc.assert(
      fc.property(caseArb, ({ window, region, t }) => {
        const next = opening(window, t, region);
        if (next === undefined || next === t) return;
        const samples = Array.from({ length: 20 }, (_, k) => t + Math.floor(((next - t) * k) / 20));
        for (const s of [...samples, next - 1]) {
          expect(evaluateWindow(window, s, { region }).open, new Date(s).toISOString()).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('evaluateWindow is closed exactly when it gives a reason, and its next opening agrees with nextOpening', () => {
    fc.assert(
      fc.property(caseArb, ({ window, region, t }) => {
        const state = evaluateWindow(window, t, { region });
        expect(state.open).toBe(state.reason === undefined);
        if (state.open) {
          expect(state.nextOpenMs).toBeUndefined();
        } else {
          expect(state.closesAtMs).toBeUndefined();
          expect(state.nextOpenMs).toBe(opening(window, t, region));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('an open window stays open until closesAtMs and is closed at it', () => {
    fc.assert(
      fc.property(caseArb, ({ window, region, t }) => {
        const state = evaluateWindow(window, t, { region });
        if (!state.open || state.closesAtMs === undefined) return;
        const closes = state.closesAtMs;
        expect(closes).toBeGreaterThan(t);
        expect(evaluateWindow(window, closes, { region }).open).toBe(false);
        for (let k = 0; k < 10; k++) {
          const s = t + Math.floor(((closes - t) * k) / 10);
          expect(evaluateWindow(window, s, { region }).open, new Date(s).toISOString()).toBe(true);
        }
        expect(evaluateWindow(window, closes - 1, { region }).open).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
