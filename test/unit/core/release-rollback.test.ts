import { describe, expect, it } from 'vitest';
import { nextReleaseRollbackStep, scopeReleaseRollback } from '../../../src/core/release-rollback.js';

describe('scopeReleaseRollback', () => {
  const moved = [
    { targetId: 'a', waveIndex: 0, ownerDeploymentId: 'd1' },
    { targetId: 'b', waveIndex: 1, ownerDeploymentId: 'd2' },
    { targetId: 'c', waveIndex: 1 },
  ];

  it.each([
    {
      name: 'a target a newer deployment took is a conflict, naming it',
      request: { force: false, leave: [] },
      expected: {
        ok: false,
        conflicts: [{ targetId: 'b', waveIndex: 1, deploymentId: 'd2' }],
        unknownLeave: [],
      },
    },
    {
      name: 'naming it in leave without force is still a conflict',
      request: { force: false, leave: ['b'] },
      expected: {
        ok: false,
        conflicts: [{ targetId: 'b', waveIndex: 1, deploymentId: 'd2' }],
        unknownLeave: [],
      },
    },
    {
      name: 'force with the conflicting target in leave takes the others back and leaves it',
      request: { force: true, leave: ['b'] },
      expected: {
        ok: true,
        targets: [moved[0], moved[2]],
        left: [{ targetId: 'b', waveIndex: 1, deploymentId: 'd2' }],
      },
    },
    {
      name: 'force may leave a target that is still ours',
      request: { force: true, leave: ['a', 'b'] },
      expected: {
        ok: true,
        targets: [moved[2]],
        left: [
          { targetId: 'a', waveIndex: 0, deploymentId: 'd1' },
          { targetId: 'b', waveIndex: 1, deploymentId: 'd2' },
        ],
      },
    },
    {
      name: 'a name in leave that is not a moved target is reported',
      request: { force: true, leave: ['b', 'zz'] },
      expected: { ok: false, conflicts: [], unknownLeave: ['zz'] },
    },
  ])('$name', ({ request, expected }) => {
    expect(scopeReleaseRollback('d1', moved, request)).toEqual(expected);
  });
});

describe('nextReleaseRollbackStep', () => {
  const HOUR = 3_600_000;
  const waves = (pending: number[], rolledBackAtMs: (number | undefined)[] = []) =>
    pending.map((p, index) => ({
      index,
      pending: p,
      bakeSeconds: [7200, 3600, 1800][index]!,
      ...(rolledBackAtMs[index] !== undefined ? { rolledBackAtMs: rolledBackAtMs[index] } : {}),
    }));

  it.each([
    {
      name: 'fast takes every wave with targets left at once',
      mode: 'fast',
      w: waves([2, 0, 3]),
      now: 0,
      expected: { action: 'revert', waves: [0, 2] },
    },
    {
      name: 'nothing left: finish',
      mode: 'reverse-waves',
      w: waves([0, 0, 0], [1, 2, 3]),
      now: 0,
      expected: { action: 'finish' },
    },
    {
      name: 'reverse-waves starts with the last wave',
      mode: 'reverse-waves',
      w: waves([2, 2, 1]),
      now: 0,
      expected: { action: 'revert', waves: [2] },
    },
    {
      name: 'then waits for the bake of the wave just taken back (capped at the max wait)',
      mode: 'reverse-waves',
      w: waves([2, 2, 0], [undefined, undefined, 0]),
      now: 60_000,
      expected: { action: 'wait', seconds: 300, untilMs: 1_800_000, afterWave: 2 },
    },
    {
      name: 'the last part of the bake is waited exactly',
      mode: 'reverse-waves',
      w: waves([2, 2, 0], [undefined, undefined, 0]),
      now: 1_700_000,
      expected: { action: 'wait', seconds: 100, untilMs: 1_800_000, afterWave: 2 },
    },
    {
      name: 'after the bake, the next earlier wave',
      mode: 'reverse-waves',
      w: waves([2, 2, 0], [undefined, undefined, 0]),
      now: 1_800_000,
      expected: { action: 'revert', waves: [1] },
    },
    {
      name: 'a later wave with nothing to take back (all left) gates nothing',
      mode: 'reverse-waves',
      w: waves([2, 0, 0], [undefined, undefined, undefined]),
      now: 0,
      expected: { action: 'revert', waves: [0] },
    },
    {
      name: 'the gate is the bake of the wave taken back most recently',
      mode: 'reverse-waves',
      w: waves([2, 0, 0], [undefined, HOUR, 0]),
      now: HOUR + 1000,
      expected: { action: 'wait', seconds: 300, untilMs: 2 * HOUR, afterWave: 1 },
    },
    {
      name: 'switched to fast mid-way: the rest at once, no more waiting',
      mode: 'fast',
      w: waves([2, 2, 0], [undefined, undefined, 0]),
      now: 60_000,
      expected: { action: 'revert', waves: [0, 1] },
    },
  ] as const)('$name', ({ mode, w, now, expected }) => {
    expect(nextReleaseRollbackStep(mode, w, now, 300)).toEqual(expected);
  });
});
