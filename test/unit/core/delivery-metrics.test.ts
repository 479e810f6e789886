import { describe, expect, it } from 'vitest';
import {
  classifyDeployment,
  computeDeliveryMetrics,
  type MetricsDeployment,
  type MetricsPeriod,
  needsLaterRelease,
  summarise,
} from '../../../src/core/delivery-metrics.js';
import { accrueHeld } from '../../../src/core/hold.js';
import { EXPECTED, HISTORY, NOW, PERIOD } from '../../support/metrics-history.js';

const period: MetricsPeriod = {
  fromMs: Date.parse(PERIOD.from),
  toMs: Date.parse(PERIOD.to),
  nowMs: Date.parse(NOW),
  bucket: 'day',
};
const after = HISTORY.filter((d) => d.createdAt >= PERIOD.to);
const within = HISTORY.filter((d) => d.createdAt < PERIOD.to);
const laterRelease = after.find((d) => d.status === 'succeeded');
const base = { id: 'd', change: { id: 'c' }, createdAt: '2026-11-02T00:00:00.000Z' };

describe('computeDeliveryMetrics on a seeded week', () => {
  const metrics = computeDeliveryMetrics(within, period, laterRelease);

  it('counts the deployments created in the period by outcome, leaving out the one created before', () => {
    expect(metrics.deployments).toEqual(EXPECTED.deployments);
    expect(metrics.from).toBe(PERIOD.from);
    expect(metrics.to).toBe(PERIOD.to);
    expect(metrics.days).toBe(7);
  });

  it('gives the deployment frequency per day and per week and a daily series by outcome', () => {
    expect(metrics.frequency.succeeded).toBe(3);
    expect(metrics.frequency.perDay).toBe(EXPECTED.perDay);
    expect(metrics.frequency.perWeek).toBe(EXPECTED.perWeek);
    expect(metrics.frequency.series.map(({ start: _s, ...counts }) => counts)).toEqual(EXPECTED.series);
    expect(metrics.frequency.series.map((p) => p.start.slice(0, 10))).toEqual([
      '2026-11-02',
      '2026-11-03',
      '2026-11-04',
      '2026-11-05',
      '2026-11-06',
      '2026-11-07',
      '2026-11-08',
    ]);
  });

  it('measures lead time from the change when it says when it was created, else from the deployment', () => {
    const { points, ...summary } = metrics.leadTime;
    expect(summary).toEqual(EXPECTED.leadTime);
    expect(points.map((p) => [p.deploymentId, p.seconds, p.from])).toEqual([
      ['metrics-A', 9000, 'change'],
      ['metrics-C', 10800, 'deployment'],
      ['metrics-E', 7200, 'change'],
    ]);
  });

  it('counts rolled back, release-rolled-back, stopped and vetoed changes as failures, never expired or superseded ones', () => {
    expect(metrics.changeFailureRate).toEqual(EXPECTED.changeFailureRate);
  });

  it('measures time to restore from the alarm (or the rollback) to traffic off and to the next good release', () => {
    const { points: offPoints, ...off } = metrics.timeToRestore.trafficOff;
    expect(off).toEqual(EXPECTED.trafficOff);
    expect(offPoints.map((p) => [p.deploymentId, p.seconds, p.start])).toEqual([
      ['metrics-B', 60, 'alarm'],
      ['metrics-D', 120, 'detected'],
      ['metrics-L', 60, 'detected'],
    ]);
    const { points, unrestored, ...next } = metrics.timeToRestore.nextGoodRelease;
    expect(next).toEqual(EXPECTED.nextGoodRelease);
    expect(unrestored).toEqual([]);
    expect(points.map((p) => [p.deploymentId, p.restoredBy, p.seconds])).toEqual([
      ['metrics-B', 'metrics-C', 14_400],
      ['metrics-D', 'metrics-E', 82_800],
      ['metrics-L', 'metrics-H', 225_000],
      ['metrics-G', 'metrics-H', 144_000],
    ]);
  });

  it('adds the held seconds by kind, open holds counted to the end of the deployment or to now', () => {
    expect(metrics.held).toEqual(EXPECTED.held);
  });

  it('leaves failures not followed by a good release as unrestored when no later release is known', () => {
    const without = computeDeliveryMetrics(within, period).timeToRestore.nextGoodRelease;

    expect(without.unrestored).toEqual(['metrics-L', 'metrics-G']);
    expect([without.count, without.medianSeconds, without.p90Seconds]).toEqual([2, 48_600, 82_800]);
  });

  it('asks for the release after the period only when a failure has no good release after it', () => {
    expect(needsLaterRelease(within)).toBe(true);
    expect(needsLaterRelease(within.filter((d) => d.createdAt < '2026-11-06'))).toBe(false);
  });

  it('buckets per ISO week starting on Monday', () => {
    const weekly = computeDeliveryMetrics(within, {
      ...period,
      fromMs: Date.parse('2026-11-04T00:00:00Z'),
      toMs: Date.parse('2026-11-18T00:00:00Z'),
      bucket: 'week',
    });

    expect(weekly.frequency.series).toEqual([
      { start: '2026-11-02T00:00:00.000Z', succeeded: 1, failed: 3, inProgress: 1, notJudged: 2 },
      { start: '2026-11-09T00:00:00.000Z', succeeded: 0, failed: 0, inProgress: 0, notJudged: 0 },
      { start: '2026-11-16T00:00:00.000Z', succeeded: 0, failed: 0, inProgress: 0, notJudged: 0 },
    ]);
  });

  it('reports no rate and no durations for a period without deployments', () => {
    const empty = computeDeliveryMetrics([], period);

    expect(empty.changeFailureRate.rate).toBeNull();
    expect(empty.leadTime.medianSeconds).toBeNull();
    expect(empty.frequency.perDay).toBe(0);
    expect(empty.frequency.series).toHaveLength(7);
  });
});

describe('classifyDeployment', () => {
  it.each<[string, Partial<MetricsDeployment> & { status: string }, string, string | undefined]>([
    ['succeeded', { status: 'succeeded' }, 'succeeded', undefined],
    ['running', { status: 'running' }, 'in-progress', undefined],
    ['superseded', { status: 'superseded' }, 'not-judged', undefined],
    ['expired', { status: 'expired' }, 'not-judged', undefined],
    [
      'rolling back after its hold expired',
      { status: 'rolling_back', rollback: { triggeredBy: 'hold-expired', detectedAt: 'x' } },
      'not-judged',
      undefined,
    ],
    [
      'rolled back by a check',
      { status: 'rolled_back', rollback: { triggeredBy: 'check', detectedAt: 'x' } },
      'failed',
      'check',
    ],
    [
      'rolling back after a hook failed',
      { status: 'rolling_back', rollback: { triggeredBy: 'hook', detectedAt: 'x' } },
      'failed',
      'hook',
    ],
    ['failed without a recorded trigger', { status: 'failed' }, 'failed', 'unknown'],
    [
      'stopped by someone',
      { status: 'rolled_back', cancelRequest: {}, rollback: { triggeredBy: 'step', detectedAt: 'x' } },
      'failed',
      'stopped',
    ],
    ['vetoed while running', { status: 'running', veto: { at: 'x' } }, 'failed', 'vetoed'],
    [
      'vetoed after it succeeded, then the veto lifted',
      { status: 'succeeded', endedAt: 'x', veto: { at: 'x', lifted: { by: 'b', reason: 'r', at: 'y' } } },
      'succeeded',
      undefined,
    ],
    [
      'rolled back after it succeeded',
      { status: 'rolled_back', releaseRollback: { requestedAt: 'x' } },
      'failed',
      'release-rollback',
    ],
  ])('%s', (_case, fields, outcome, cause) => {
    const result = classifyDeployment({ ...base, ...fields });

    expect(result.outcome).toBe(outcome);
    expect(result.cause).toBe(cause);
  });
});

describe('summarise', () => {
  it.each([
    [[], { count: 0, medianSeconds: null, p90Seconds: null }],
    [[42], { count: 1, medianSeconds: 42, p90Seconds: 42 }],
    [[600, 60, 120], { count: 3, medianSeconds: 120, p90Seconds: 600 }],
    [[10, 20, 30, 40], { count: 4, medianSeconds: 25, p90Seconds: 40 }],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { count: 10, medianSeconds: 5.5, p90Seconds: 9 }],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], { count: 11, medianSeconds: 6, p90Seconds: 10 }],
  ])('of %j is %j', (values, expected) => {
    expect(summarise(values)).toEqual(expected);
  });
});

describe('accrueHeld', () => {
  const at = (t: string) => Date.parse(`2026-11-02T${t}Z`);

  it.each<[string, Parameters<typeof accrueHeld>[0], Parameters<typeof accrueHeld>[1], number, object]>([
    ['nothing held', undefined, undefined, at('10:00:00'), {}],
    [
      'one kind for ten minutes',
      undefined,
      { since: '2026-11-02T09:00:00Z', kinds: ['window'], kindsSince: '2026-11-02T09:50:00Z' },
      at('10:00:00'),
      { window: 600 },
    ],
    [
      'two kinds at once, each charged, added to what was held before',
      { window: 60 },
      { since: '2026-11-02T09:00:00Z', kinds: ['alarm', 'window'], kindsSince: '2026-11-02T09:59:00Z' },
      at('10:00:00'),
      { window: 120, alarm: 60 },
    ],
    [
      'a hold recorded before kinds were, charged to unknown from its start',
      undefined,
      { since: '2026-11-02T09:00:00Z' },
      at('10:00:00'),
      { unknown: 3600 },
    ],
  ])('%s', (_case, held, hold, nowMs, expected) => {
    expect(accrueHeld(held, hold, nowMs)).toEqual(expected);
  });
});
