import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assessBlockers, isRollbackBlocked } from '../../../src/core/blockers.js';
import { evaluateWindow, type TimeWindow } from '../../../src/core/windows.js';

const DAY_NAMES = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
const hhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

const windowArb: fc.Arbitrary<TimeWindow> = fc
  .record({
    timeZone: fc.constantFrom('America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'Australia/Sydney', 'UTC'),
    days: fc.subarray([...DAY_NAMES], { minLength: 1 }),
    from: fc.integer({ min: 0, max: 22 * 60 }),
    length: fc.integer({ min: 30, max: 10 * 60 }),
    holidays: fc.constantFrom(false as const, { country: 'US' }, { country: 'DE' }, { country: 'JP' }),
  })
  .map(({ timeZone, days, from, length, holidays }) => ({
    timeZone,
    days,
    hours: { from: hhmm(from), to: hhmm(Math.min(24 * 60, from + length)) },
    holidays,
  })) as fc.Arbitrary<TimeWindow>;

const instantArb = fc.integer({
  min: Date.parse('2026-01-01T00:00:00Z'),
  max: Date.parse('2027-12-31T00:00:00Z'),
});
const alarmsArb = fc.array(
  fc.record({
    name: fc.constantFrom('a', 'b', 'c'),
    state: fc.constantFrom('OK', 'ALARM', 'INSUFFICIENT_DATA' as const),
  }),
  { maxLength: 3 },
);

describe('the start gate, for any window, instant and alarms', () => {
  it('never lets a wave start inside a closed window unless someone overrode the window', () => {
    fc.assert(
      fc.property(windowArb, instantArb, alarmsArb, fc.boolean(), (window, at, alarms, overridden) => {
        const state = evaluateWindow(window, at, { region: 'us-east-1' });
        const a = assessBlockers({
          alarms,
          window: state,
          manual: [],
          overrides: overridden ? [{ blockerId: 'window', by: 'erin', reason: 'approved expedite' }] : [],
          nowMs: at,
          starting: { pipeline: 'p', wave: 'w' },
        });
        if (!state.open && !overridden) expect(a.blocked).toBe(true);
        if (alarms.some((x) => x.state === 'ALARM')) expect(a.blocked).toBe(true);
        if (state.open && !alarms.some((x) => x.state === 'ALARM')) expect(a.blocked).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('never holds a rollback, whatever blocks starts', () => {
    fc.assert(
      fc.property(windowArb, instantArb, alarmsArb, (window, at, alarms) => {
        const a = assessBlockers({
          alarms,
          window: evaluateWindow(window, at, { region: 'us-east-1' }),
          manual: [
            { id: 'm', scope: { kind: 'global' }, reason: 'freeze', author: 'dana', createdAtMs: at - 1 },
          ],
          overrides: [],
          nowMs: at,
          starting: { pipeline: 'p', wave: 'w' },
        });
        expect(a.blocked).toBe(true);
        expect(isRollbackBlocked()).toBe(false);
      }),
      { numRuns: 100 },
    );
    // ...and the rollback step cannot consult them: it reads nothing that decides a start.
    const rollback = readFileSync('src/workflow/roll-back.ts', 'utf8');
    expect(rollback).not.toMatch(/blocker-check|core\/blockers|core\/windows|wave-gate/);
  });
});
