import { describe, expect, it } from 'vitest';
import type { AlarmChange } from '../../../src/local/fleet/index.js';
import type { ScenarioInput } from '../../../src/local/scenario.js';
import { ACCOUNT, fleetWith, MINUTE, START_MS, stateOf, target } from './fixtures.js';

const OTHER_ACCOUNT = '444455556666';
const use1 = target('use1');
const use1Other = target('use1-other', { account: OTHER_ACCOUNT, alias: 'live-other' });
const usw2 = target('usw2', { region: 'us-west-2' });

const blocker = (extra: Record<string, unknown> = {}) => ({
  kind: 'alarm' as const,
  name: 'org-freeze',
  region: 'us-east-1',
  at: '30m',
  until: '45m',
  reason: 'change freeze',
  ...extra,
});

function collect(scenario: ScenarioInput, targets = [use1]) {
  const { fleet, clock } = fleetWith(scenario, targets);
  const changes: AlarmChange[] = [];
  fleet.onAlarmChange((c) => changes.push(c));
  return { fleet, clock, changes };
}

const minutesOf = (changes: readonly AlarmChange[]) =>
  changes.map((c) => [c.name, c.account, c.to, (c.atMs - START_MS) / MINUTE]);

describe('scripted alarm blockers as alarm changes', () => {
  it('reports ALARM at `at` and OK at `until`, with the reasons and when the state before began', () => {
    const { fleet, clock, changes } = collect({ blockers: [blocker()] });
    clock.advance(60 * MINUTE);
    fleet.settle();

    expect(changes).toEqual([
      {
        name: 'org-freeze',
        kind: 'metric',
        account: ACCOUNT,
        region: 'us-east-1',
        from: 'OK',
        to: 'ALARM',
        reason: 'change freeze',
        atMs: START_MS + 30 * MINUTE,
        previousReason: 'scripted by the scenario',
        previousAtMs: START_MS,
        scripted: true,
      },
      {
        name: 'org-freeze',
        kind: 'metric',
        account: ACCOUNT,
        region: 'us-east-1',
        from: 'ALARM',
        to: 'OK',
        reason: 'scripted by the scenario',
        atMs: START_MS + 45 * MINUTE,
        previousReason: 'change freeze',
        previousAtMs: START_MS + 30 * MINUTE,
        scripted: true,
      },
    ]);
  });

  it('finds a change between minute boundaries as soon as the clock passes it', () => {
    const { fleet, clock, changes } = collect({ blockers: [blocker({ at: '30m15s', until: undefined })] });
    clock.set(START_MS + 30 * MINUTE + 20_000);
    fleet.settle();
    expect(changes.map((c) => [c.to, c.atMs - START_MS])).toEqual([['ALARM', 30 * MINUTE + 15_000]]);
  });

  it('agrees with DescribeAlarms before, during and after the span', async () => {
    const { fleet, clock, changes } = collect({ blockers: [blocker()] });
    for (const minute of [29, 30, 44, 45]) {
      clock.set(START_MS + minute * MINUTE);
      const reading = await stateOf(fleet, use1, 'org-freeze');
      const last = changes.at(-1);
      expect([minute, reading?.state, reading?.updatedAtMs]).toEqual([
        minute,
        last?.to ?? 'OK',
        last?.atMs ?? START_MS,
      ]);
    }
  });

  it('covers every account with a target in the region when the blocker names no account', () => {
    const { fleet, clock, changes } = collect({ blockers: [blocker({ until: undefined })] }, [
      use1,
      use1Other,
      usw2,
    ]);
    clock.advance(31 * MINUTE);
    fleet.settle();
    expect(minutesOf(changes).sort()).toEqual([
      ['org-freeze', ACCOUNT, 'ALARM', 30],
      ['org-freeze', OTHER_ACCOUNT, 'ALARM', 30],
    ]);
  });

  it('merges overlapping spans into one ALARM period', () => {
    const { fleet, clock, changes } = collect({
      blockers: [
        blocker({ at: '10m', until: '20m' }),
        blocker({ at: '15m', until: '25m', reason: 'second' }),
      ],
    });
    clock.advance(30 * MINUTE);
    fleet.settle();
    expect(minutesOf(changes)).toEqual([
      ['org-freeze', ACCOUNT, 'ALARM', 10],
      ['org-freeze', ACCOUNT, 'OK', 25],
    ]);
  });

  it('reports nothing for an alarm held since before the start until it ends', () => {
    const { fleet, clock, changes } = collect({
      blockers: [blocker({ at: '2026-11-23T08:00:00Z', until: '20m' })],
    });
    clock.advance(30 * MINUTE);
    fleet.settle();
    expect(changes).toEqual([
      expect.objectContaining({
        from: 'ALARM',
        to: 'OK',
        atMs: START_MS + 20 * MINUTE,
        previousAtMs: Date.parse('2026-11-23T08:00:00Z'),
      }),
    ]);
  });

  it('hides the changes of an evaluated alarm the scenario scripts under the same name', () => {
    const { fleet, clock, changes } = collect({
      alarms: { metric: [{ name: 'org-freeze', metric: 'Invocations', threshold: 1 }] },
      blockers: [blocker()],
    });
    clock.advance(60 * MINUTE);
    fleet.settle();
    expect(changes.every((c) => c.scripted)).toBe(true);
    expect(changes).toHaveLength(2);
  });

  it('interleaves scripted and evaluated changes in time order', () => {
    const { fleet, clock, changes } = collect({
      alarms: { metric: [{ name: 'busy', metric: 'Invocations', threshold: 1 }] },
      blockers: [blocker({ at: '0s', until: '2m' })],
    });
    clock.advance(3 * MINUTE);
    fleet.settle();
    expect(minutesOf(changes)).toEqual([
      ['org-freeze', ACCOUNT, 'ALARM', 0],
      ['busy', ACCOUNT, 'ALARM', 1],
      ['org-freeze', ACCOUNT, 'OK', 2],
    ]);
  });
});
