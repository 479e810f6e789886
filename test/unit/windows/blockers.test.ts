import { describe, expect, it } from 'vitest';
import {
  type AlarmReading,
  assessBlockers,
  type BlockerInput,
  type BlockerOverride,
  isRollbackBlocked,
  type ManualBlock,
  type StartingUnit,
} from '../../../src/core/blockers.js';
import type { WindowState } from '../../../src/core/windows.js';

const NOW = Date.parse('2026-11-23T15:00:00Z');
const OPEN: WindowState = { open: true, closesAtMs: NOW + 3_600_000 };
const CLOSED: WindowState = {
  open: false,
  reason: 'weekend (Saturday in America/New_York)',
  nextOpenMs: Date.parse('2026-11-30T14:00:00Z'),
};
const STARTING: StartingUnit = { pipeline: 'payments', wave: 'wave-2', target: 'use1-cell1' };

function input(overrides: Partial<BlockerInput> = {}): BlockerInput {
  return {
    alarms: [],
    window: OPEN,
    manual: [],
    overrides: [],
    nowMs: NOW,
    starting: STARTING,
    ...overrides,
  };
}

function manual(id: string, scope: ManualBlock['scope'], extra: Partial<ManualBlock> = {}): ManualBlock {
  return { id, scope, reason: 'investigating INC-42', author: 'alice', createdAtMs: NOW - 60_000, ...extra };
}

describe('assessBlockers', () => {
  it('does not block when alarms are OK, the window is open and nothing is blocked by hand', () => {
    expect(assessBlockers(input({ alarms: [{ name: 'agg', state: 'OK' }] }))).toEqual({
      blocked: false,
      blockers: [],
      notes: [],
    });
  });

  describe('alarms', () => {
    it.each([
      ['an alarm in ALARM blocks', [{ name: 'payments-agg', state: 'ALARM' }], true, ['alarm:payments-agg']],
      [
        'every alarm in ALARM is reported',
        [
          { name: 'payments-agg', state: 'ALARM' },
          { name: 'org-wide-sev1', state: 'ALARM' },
          { name: 'ok-one', state: 'OK' },
        ],
        true,
        ['alarm:payments-agg', 'alarm:org-wide-sev1'],
      ],
      ['INSUFFICIENT_DATA does not block', [{ name: 'quiet', state: 'INSUFFICIENT_DATA' }], false, []],
    ] satisfies [string, AlarmReading[], boolean, string[]][])('%s', (_name, alarms, blocked, ids) => {
      const result = assessBlockers(input({ alarms }));
      expect(result.blocked).toBe(blocked);
      expect(result.blockers.map((b) => b.id)).toEqual(ids);
    });

    it('reports INSUFFICIENT_DATA as a note', () => {
      const result = assessBlockers(input({ alarms: [{ name: 'quiet', state: 'INSUFFICIENT_DATA' }] }));
      expect(result.notes).toEqual([
        expect.objectContaining({ kind: 'alarm_insufficient_data', subject: 'alarm:quiet' }),
      ]);
    });

    it('carries since when the alarm state time is known', () => {
      const result = assessBlockers(
        input({ alarms: [{ name: 'agg', state: 'ALARM', sinceMs: NOW - 5000 }] }),
      );
      expect(result.blockers[0]).toMatchObject({
        kind: 'alarm',
        since: NOW - 5000,
        description: 'alarm "agg" is in ALARM',
      });
    });
  });

  describe('overrides', () => {
    const alarmed = { alarms: [{ name: 'agg', state: 'ALARM' as const }] };
    it.each([
      [
        'an alarm override that ships the fix counts',
        alarmed,
        { blockerId: 'alarm:agg', fixesAlarm: true },
        false,
        'bob',
      ],
      [
        'an alarm override without fixesAlarm does not count',
        alarmed,
        { blockerId: 'alarm:agg' },
        true,
        undefined,
      ],
      [
        'an alarm override with fixesAlarm: false does not count',
        alarmed,
        { blockerId: 'alarm:agg', fixesAlarm: false },
        true,
        undefined,
      ],
      ['a window override counts', { window: CLOSED }, { blockerId: 'window' }, false, 'bob'],
      [
        'a manual block override counts',
        { manual: [manual('m1', { kind: 'global' })] },
        { blockerId: 'manual:m1' },
        false,
        'bob',
      ],
    ] satisfies [
      string,
      Partial<BlockerInput>,
      Omit<BlockerOverride, 'by' | 'reason'>,
      boolean,
      string | undefined,
    ][])('%s', (_name, given, override, blocked, overriddenBy) => {
      const result = assessBlockers(
        input({ ...given, overrides: [{ ...override, by: 'bob', reason: 'hotfix' }] }),
      );
      expect(result.blocked).toBe(blocked);
      expect(result.blockers).toHaveLength(1);
      expect(result.blockers[0]?.overriddenBy).toBe(overriddenBy);
    });

    it('reports an alarm override without fixesAlarm as not applicable', () => {
      const result = assessBlockers(
        input({
          alarms: [{ name: 'agg', state: 'ALARM' }],
          overrides: [{ blockerId: 'alarm:agg', by: 'bob', reason: 'need to ship' }],
        }),
      );
      expect(result.notes).toEqual([
        expect.objectContaining({
          kind: 'override_not_applicable',
          subject: 'alarm:agg',
          message: expect.stringContaining('fixesAlarm'),
        }),
      ]);
    });

    it('reports an override that names no current blocker', () => {
      const result = assessBlockers(
        input({ overrides: [{ blockerId: 'manual:gone', by: 'bob', reason: 'x' }] }),
      );
      expect(result).toMatchObject({
        blocked: false,
        notes: [{ kind: 'override_unmatched', subject: 'manual:gone' }],
      });
    });

    it('still blocks when one of two blockers is overridden', () => {
      const result = assessBlockers(
        input({
          alarms: [{ name: 'agg', state: 'ALARM' }],
          window: CLOSED,
          overrides: [{ blockerId: 'window', by: 'bob', reason: 'expedite' }],
        }),
      );
      expect(result.blocked).toBe(true);
      expect(result.blockers.map((b) => [b.id, b.overriddenBy])).toEqual([
        ['alarm:agg', undefined],
        ['window', 'bob'],
      ]);
    });
  });

  describe('manual blocks', () => {
    it.each([
      ['a global block', { kind: 'global' }, STARTING, true],
      ['a block on this pipeline', { kind: 'pipeline', pipeline: 'payments' }, STARTING, true],
      ['a block on another pipeline', { kind: 'pipeline', pipeline: 'ledger' }, STARTING, false],
      ['a block on this wave', { kind: 'wave', pipeline: 'payments', wave: 'wave-2' }, STARTING, true],
      ['a block on another wave', { kind: 'wave', pipeline: 'payments', wave: 'wave-3' }, STARTING, false],
      [
        'a block on a same-named wave of another pipeline',
        { kind: 'wave', pipeline: 'ledger', wave: 'wave-2' },
        STARTING,
        false,
      ],
      [
        'a block on this target',
        { kind: 'target', pipeline: 'payments', target: 'use1-cell1' },
        STARTING,
        true,
      ],
      [
        'a block on another target',
        { kind: 'target', pipeline: 'payments', target: 'use1-cell2' },
        STARTING,
        false,
      ],
      [
        "a block on one of the wave's targets when starting the whole wave",
        { kind: 'target', pipeline: 'payments', target: 'use1-cell2' },
        { pipeline: 'payments', wave: 'wave-2', targets: ['use1-cell1', 'use1-cell2'] },
        true,
      ],
    ] satisfies [string, ManualBlock['scope'], StartingUnit, boolean][])(
      '%s → blocked %s',
      (_name, scope, starting, blocked) => {
        const result = assessBlockers(input({ manual: [manual('m1', scope)], starting }));
        expect(result.blocked).toBe(blocked);
        expect(result.blockers.map((b) => b.id)).toEqual(blocked ? ['manual:m1'] : []);
      },
    );

    it.each([
      ['expired before now', NOW - 1, false],
      ['expiring exactly now', NOW, false],
      ['expiring later', NOW + 1, true],
      ['without expiry', undefined, true],
    ])('a block %s → blocked %s', (_name, expiresAtMs, blocked) => {
      const block = manual('m1', { kind: 'global' }, expiresAtMs === undefined ? {} : { expiresAtMs });
      expect(assessBlockers(input({ manual: [block] })).blocked).toBe(blocked);
    });

    it('describes who blocked what and why, since when and until when', () => {
      const block = manual(
        'm1',
        { kind: 'wave', pipeline: 'payments', wave: 'wave-2' },
        { expiresAtMs: NOW + 60_000 },
      );
      expect(assessBlockers(input({ manual: [block] })).blockers[0]).toEqual({
        id: 'manual:m1',
        kind: 'manual',
        description: 'blocked by alice (wave payments/wave-2): investigating INC-42',
        since: NOW - 60_000,
        until: NOW + 60_000,
      });
    });
  });

  it('reports the window and an alarm together, in a stable order', () => {
    const result = assessBlockers(
      input({
        alarms: [{ name: 'agg', state: 'ALARM' }],
        window: CLOSED,
        manual: [manual('m1', { kind: 'pipeline', pipeline: 'payments' })],
      }),
    );
    expect(result.blocked).toBe(true);
    expect(result.blockers.map((b) => b.kind)).toEqual(['alarm', 'window', 'manual']);
    expect(result.blockers[1]).toEqual({
      id: 'window',
      kind: 'window',
      description:
        'time window closed: weekend (Saturday in America/New_York); opens 2026-11-30T14:00:00.000Z',
      until: CLOSED.nextOpenMs,
    });
  });

  it('still blocks on an alarm that fired while the window was closed once the window opens', () => {
    const alarms: AlarmReading[] = [{ name: 'agg', state: 'ALARM', sinceMs: NOW - 86_400_000 }];
    expect(assessBlockers(input({ alarms, window: CLOSED })).blocked).toBe(true);
    const opened = assessBlockers(input({ alarms, window: OPEN }));
    expect(opened.blocked).toBe(true);
    expect(opened.blockers.map((b) => b.id)).toEqual(['alarm:agg']);
  });
});

describe('isRollbackBlocked', () => {
  it('never blocks a rollback', () => {
    expect(isRollbackBlocked()).toBe(false);
  });
});
