import { describe, expect, it } from 'vitest';
import {
  alarmStrips,
  type ChartInput,
  deploymentCharts,
  holdIntervals,
  weightSteps,
} from '../../../src/api/deployment-charts.js';
import type { DeploymentRecord, TimelineEvent } from '../../../src/ports/store.js';
import { ACCOUNT, smallPipeline } from '../../support/fixtures.js';

const T0 = Date.parse('2026-11-23T09:00:00Z');
/** The instant `minutes` after T0. */
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function event(minutes: number, type: string, more: Partial<TimelineEvent> = {}): TimelineEvent {
  return { deploymentId: 'd1', at: at(minutes), key: `${type}@${minutes}`, type, message: type, ...more };
}

const shift = (minutes: number, target: string, weight: number, type = 'weight-shifted') =>
  event(minutes, type, { target, wave: 0, data: { weight, version: '2' } });

const alarm = (minutes: number, name: string, state: string, more: { since?: number; where?: string } = {}) =>
  event(minutes, 'alarm-state-changed', {
    wave: 0,
    data: {
      alarm: name,
      where: more.where ?? `us-east-1/${ACCOUNT}`,
      state,
      ...(more.since !== undefined ? { since: at(more.since) } : {}),
      targets: ['a1'],
    },
  });

describe('weightSteps', () => {
  it.each<[string, TimelineEvent[], string | undefined, { at: string; weight: number }[]]>([
    [
      'starts at 0 when the wave starts, then follows each applied step',
      [shift(1, 'a1', 10, 'one-box-started'), shift(11, 'a1', 50), shift(13, 'a1', 100)],
      at(0),
      [
        { at: at(0), weight: 0 },
        { at: at(1), weight: 10 },
        { at: at(11), weight: 50 },
        { at: at(13), weight: 100 },
      ],
    ],
    [
      'drops to 0 when the target is rolled back',
      [shift(1, 'a1', 10, 'one-box-started'), event(7, 'target-rolled-back', { target: 'a1', wave: 0 })],
      at(0),
      [
        { at: at(0), weight: 0 },
        { at: at(1), weight: 10 },
        { at: at(7), weight: 0 },
      ],
    ],
    [
      'ignores a replayed step that does not change the weight, and events that carry none',
      [
        shift(1, 'a1', 10, 'one-box-started'),
        shift(2, 'a1', 10, 'one-box-started'),
        event(3, 'target-prepared', { target: 'a1', wave: 0 }),
        event(4, 'weight-shifted', { target: 'a1', wave: 0 }),
      ],
      at(0),
      [
        { at: at(0), weight: 0 },
        { at: at(1), weight: 10 },
      ],
    ],
    ['is a flat 0 for a target of a started wave not moved yet', [], at(5), [{ at: at(5), weight: 0 }]],
    ['is empty for a target whose wave has not started', [], undefined, []],
  ])('%s', (_case, events, waveStartedAt, expected) => {
    expect(weightSteps(events, waveStartedAt)).toEqual(expected);
  });
});

describe('alarmStrips', () => {
  const all = () => true;

  it('starts a segment when the alarm entered its state, if that lies between the last change and the sighting', () => {
    const strips = alarmStrips(
      [alarm(1, 'orders-errors', 'OK', { since: -600 }), alarm(9, 'orders-errors', 'ALARM', { since: 7 })],
      all,
    );

    expect(strips).toEqual([
      {
        name: 'orders-errors',
        where: `us-east-1/${ACCOUNT}`,
        segments: [
          { from: at(1), to: at(7), state: 'OK' },
          { from: at(7), to: at(7), state: 'ALARM' },
        ],
      },
    ]);
  });

  it('starts a segment at the sighting when CloudWatch’s time is unknown or out of order', () => {
    const strips = alarmStrips(
      [alarm(1, 'x', 'INSUFFICIENT_DATA'), alarm(3, 'x', 'OK', { since: 0 }), alarm(5, 'x', 'missing')],
      all,
    );

    expect(strips[0]!.segments).toEqual([
      { from: at(1), to: at(3), state: 'INSUFFICIENT_DATA' },
      { from: at(3), to: at(5), state: 'OK' },
      { from: at(5), to: at(5), state: 'missing' },
    ]);
  });

  it('keeps one segment when the check and the alarm watcher both report the same state', () => {
    const strips = alarmStrips(
      [alarm(1, 'x', 'OK'), alarm(4, 'x', 'ALARM', { since: 4 }), alarm(5, 'x', 'ALARM')],
      all,
    );

    expect(strips[0]!.segments.map((s) => s.state)).toEqual(['OK', 'ALARM']);
  });

  it('keeps the same alarm name in two regions apart, and skips alarms that do not watch the target', () => {
    const strips = alarmStrips(
      [
        alarm(1, 'x', 'OK', { where: 'us-east-1/1' }),
        alarm(1, 'x', 'ALARM', { where: 'eu-west-1/1' }),
        alarm(1, 'y', 'OK'),
      ],
      (data) => data.alarm === 'x',
    );

    expect(strips.map((s) => [s.where, s.segments.map((x) => x.state)])).toEqual([
      ['eu-west-1/1', ['ALARM']],
      ['us-east-1/1', ['OK']],
    ]);
  });
});

describe('holdIntervals', () => {
  const blocked = (minutes: number, ...descriptions: string[]) =>
    event(minutes, 'wave-blocked', {
      wave: 1,
      data: {
        blockers: descriptions.map((description, i) => ({ id: `b${i}`, kind: 'manual', description })),
      },
    });

  it.each<[string, TimelineEvent[], { from: string; to: string; reasons: string[]; ongoing?: true }[]]>([
    [
      'a hold lasts from the first wave-blocked to wave-unblocked, with every reason seen meanwhile',
      [
        blocked(10, 'freeze'),
        blocked(20, 'freeze', 'window closed'),
        event(30, 'wave-unblocked', { wave: 1 }),
      ],
      [{ from: at(10), to: at(30), reasons: ['freeze', 'window closed'] }],
    ],
    [
      'the wave starting ends a hold too',
      [blocked(10, 'freeze'), event(15, 'wave-started', { wave: 1 })],
      [{ from: at(10), to: at(15), reasons: ['freeze'] }],
    ],
    [
      'a hold not ended yet lasts until now',
      [blocked(10, 'freeze')],
      [{ from: at(10), to: at(60), reasons: ['freeze'], ongoing: true }],
    ],
    ['a wave nothing held has no holds', [event(0, 'wave-started', { wave: 1 })], []],
  ])('%s', (_case, events, expected) => {
    expect(holdIntervals(events, T0 + 60 * 60_000)).toEqual(expected);
  });
});

describe('deploymentCharts', () => {
  const pipeline = smallPipeline();
  const deployment: DeploymentRecord = {
    id: 'd1',
    pipelineName: 'orders',
    pipelineVersion: 1,
    change: { id: 'c1', version: '2' },
    status: 'rolled_back',
    createdAt: at(0),
    updatedAt: at(40),
    endedAt: at(40),
  };
  const waves: ChartInput['waves'] = [
    {
      index: 0,
      name: 'one',
      status: 'succeeded',
      startedAt: at(0),
      endedAt: at(30),
      targets: [{ targetId: 'a1' }, { targetId: 'a2' }],
    },
    {
      index: 1,
      name: 'two',
      status: 'rolled_back',
      startedAt: at(34),
      endedAt: at(40),
      targets: [{ targetId: 'b1' }, { targetId: 'b2' }],
    },
    { index: 2, name: 'three', status: 'pending', targets: [{ targetId: 'c1' }] },
  ];
  const waveOneAlarm = (minutes: number, name: string, state: string) =>
    event(minutes, 'alarm-state-changed', {
      wave: 1,
      data: { alarm: name, where: `eu-west-1/${ACCOUNT}`, state, targets: ['b1'] },
    });
  const events: TimelineEvent[] = [
    event(30, 'wave-blocked', {
      wave: 1,
      data: { blockers: [{ id: 'manual:x', kind: 'manual', description: 'freeze' }] },
    }),
    event(34, 'wave-unblocked', { wave: 1 }),
    event(34, 'wave-started', { wave: 1 }),
    { ...shift(35, 'b1', 10, 'one-box-started'), wave: 1 },
    waveOneAlarm(35, 'orders-errors-eu-west-1', 'OK'),
    waveOneAlarm(35, 'orders-onebox-b1', 'OK'),
    waveOneAlarm(38, 'orders-onebox-b1', 'ALARM'),
    event(39, 'target-rolled-back', { target: 'b1', wave: 1 }),
  ];

  it('predicts each wave from the deployment’s start and shows when it ran and what held it', () => {
    const charts = deploymentCharts({ deployment, waves, events, pipeline, nowMs: T0 + 50 * 60_000 });

    // one: 1 batch × (10m one-box + 2m + 2m) + 20m bake = 34m; two starts when one ends.
    expect(charts.waves.map((w) => [w.name, w.planned])).toEqual([
      ['one', { start: at(0), end: at(34) }],
      ['two', { start: at(34), end: at(68) }],
      ['three', { start: at(68), end: at(102) }],
    ]);
    expect(charts.waves.map((w) => w.actual)).toEqual([
      { start: at(0), end: at(30) },
      { start: at(34), end: at(40) },
      undefined,
    ]);
    expect(charts.waves[1]!.holds).toEqual([{ from: at(30), to: at(34), reasons: ['freeze'] }]);
    expect(charts).toMatchObject({ from: at(0), until: at(40), to: at(102) });
  });

  it('gives a rolled-back target its weight up to the one-box and back to 0, and the alarms that watch it', () => {
    const charts = deploymentCharts({ deployment, waves, events, pipeline, nowMs: T0 + 50 * 60_000 });
    const b1 = charts.targets.find((t) => t.targetId === 'b1')!;
    const b2 = charts.targets.find((t) => t.targetId === 'b2')!;

    expect(b1.weights.map((p) => p.weight)).toEqual([0, 10, 0]);
    expect(b1.alarms.map((a) => [a.name, a.segments])).toEqual([
      ['orders-errors-eu-west-1', [{ from: at(35), to: at(40), state: 'OK' }]],
      [
        'orders-onebox-b1',
        [
          { from: at(35), to: at(38), state: 'OK' },
          { from: at(38), to: at(40), state: 'ALARM' },
        ],
      ],
    ]);
    // b2 shares the region's alarm (from the pipeline's templates), not b1's one-box alarm.
    expect(b2.alarms.map((a) => a.name)).toEqual(['orders-errors-eu-west-1']);
    expect(charts.targets.find((t) => t.targetId === 'c1')).toEqual({
      targetId: 'c1',
      wave: 2,
      weights: [],
      alarms: [],
    });
  });

  it('runs a wave still in flight until now, and without the pipeline maps alarms by the targets they name', () => {
    const running = { ...deployment, status: 'running' as const, endedAt: undefined };
    const inFlight = waves.map((w) =>
      w.index === 1 ? { ...w, status: 'deploying', endedAt: undefined } : w,
    );
    const charts = deploymentCharts({
      deployment: running,
      waves: inFlight,
      events,
      nowMs: T0 + 45 * 60_000,
    });

    expect(charts.waves[1]!.actual).toEqual({ start: at(34), end: at(45), ongoing: true });
    expect(charts.waves.every((w) => w.planned === undefined)).toBe(true);
    expect(charts.targets.find((t) => t.targetId === 'b1')!.alarms.map((a) => a.segments.at(-1)!.to)).toEqual(
      [at(45), at(45)],
    );
    expect(charts.targets.find((t) => t.targetId === 'b2')!.alarms).toEqual([]);
    expect(charts).toMatchObject({ until: at(45), to: at(45) });
  });
});
