import type { DeploymentRecord } from '../../src/ports/store.js';

/*
 * A week of one pipeline's deployments (Mon 2 – Sun 8 November 2026, UTC) with every figure of
 * the delivery metrics worked out by hand below. Shared by the unit, API and dashboard tests.
 *
 *   id  created       outcome                          lead / restore / held
 *   J   Nov 1 23:00   succeeded (before the period)    —
 *   A   Nov 2 10:00   succeeded 12:00                  lead 9000 s from change 09:30; window 600 s
 *   B   Nov 3 09:00   rolled back (alarm 10:00)        traffic off 10:01 (60 s); next good C 14:00 (14400 s)
 *   C   Nov 3 11:00   succeeded 14:00                  lead 10800 s from the deployment; alarm 300, window 300
 *   D   Nov 4 08:00   release rollback at 12:00        traffic off 12:02 (120 s); next good E (82800 s)
 *   E   Nov 5 10:00   succeeded 11:00                  lead 7200 s from change 10:00+01:00
 *   K   Nov 5 12:00   expired (held too long)          not judged
 *   F   Nov 6 10:00   superseded 10:20 while queued    not judged; pipelining 1200 s (open hold)
 *   L   Nov 6 12:00   stopped, rolled back 12:30       traffic off 12:31 (60 s); next good H (225000 s)
 *   G   Nov 7 10:00   vetoed at 11:00                  next good H (144000 s)
 *   I   Nov 8 10:00   running, held since 11:00        window 3600 (ended hold) + alarm, manual 3600 (open until now 12:00)
 *   H   Nov 9 01:00   succeeded 03:00 (after)          the first good release after the period
 */

export const METRICS_PIPELINE = 'metrics-demo';
export const PERIOD = { from: '2026-11-02T00:00:00.000Z', to: '2026-11-09T00:00:00.000Z' };
export const NOW = '2026-11-08T12:00:00.000Z';

type SeededDeployment = DeploymentRecord & {
  readonly veto?: { readonly by: string; readonly reason: string; readonly at: string };
  readonly releaseRollback?: {
    readonly by: string;
    readonly reason: string;
    readonly mode: string;
    readonly requestedAt: string;
  };
};

function deployment(
  id: string,
  createdAt: string,
  fields: Partial<SeededDeployment> & Pick<DeploymentRecord, 'status'>,
): SeededDeployment {
  return {
    id: `metrics-${id}`,
    pipelineName: METRICS_PIPELINE,
    pipelineVersion: 1,
    change: { id: `change-${id}` },
    createdAt,
    updatedAt: fields.endedAt ?? createdAt,
    ...fields,
  };
}

const day = (d: number, time: string) => `2026-11-0${d}T${time}:00.000Z`;

export const HISTORY: readonly SeededDeployment[] = [
  deployment('J', '2026-11-01T23:00:00.000Z', { status: 'succeeded', endedAt: day(2, '01:00') }),
  deployment('A', day(2, '10:00'), {
    status: 'succeeded',
    endedAt: day(2, '12:00'),
    change: { id: 'change-A', createdAt: day(2, '09:30') },
    heldSeconds: { window: 600 },
    hold: {},
  }),
  deployment('B', day(3, '09:00'), {
    status: 'rolled_back',
    endedAt: day(3, '10:05'),
    rollback: {
      reason: 'alarm errors in ALARM',
      alarm: 'errors',
      alarmAt: day(3, '10:00'),
      triggeredBy: 'alarm-event',
      detectedAt: '2026-11-03T10:00:30.000Z',
      trafficOffAt: day(3, '10:01'),
    },
  }),
  deployment('C', day(3, '11:00'), {
    status: 'succeeded',
    endedAt: day(3, '14:00'),
    heldSeconds: { alarm: 300, window: 300 },
  }),
  deployment('D', day(4, '08:00'), {
    status: 'rolled_back',
    endedAt: day(4, '12:02'),
    change: { id: 'change-D', createdAt: day(4, '07:00') },
    releaseRollback: {
      by: 'alice',
      reason: 'bad release',
      mode: 'fast',
      requestedAt: day(4, '12:00'),
      leave: [],
    },
    rollback: {
      reason: 'release rollback by alice',
      triggeredBy: 'release-rollback',
      detectedAt: day(4, '12:00'),
      trafficOffAt: day(4, '12:02'),
    },
  }),
  deployment('E', day(5, '10:00'), {
    status: 'succeeded',
    endedAt: day(5, '11:00'),
    change: { id: 'change-E', createdAt: '2026-11-05T10:00:00+01:00' },
  }),
  deployment('K', day(5, '12:00'), {
    status: 'expired',
    endedAt: day(6, '00:00'),
    rollback: { reason: 'held too long', triggeredBy: 'hold-expired', detectedAt: day(5, '23:59') },
  }),
  deployment('F', day(6, '10:00'), {
    status: 'superseded',
    endedAt: day(6, '10:20'),
    hold: { since: day(6, '10:00'), what: 'queued', kinds: ['pipelining'], kindsSince: day(6, '10:00') },
  }),
  deployment('L', day(6, '12:00'), {
    status: 'rolled_back',
    endedAt: day(6, '12:31'),
    cancelRequest: { by: 'bob', reason: 'wrong build', at: day(6, '12:29') },
    rollback: {
      reason: 'stopped by bob',
      triggeredBy: 'step',
      detectedAt: day(6, '12:30'),
      trafficOffAt: day(6, '12:31'),
    },
  }),
  deployment('G', day(7, '10:00'), {
    status: 'running',
    currentWave: 0,
    veto: { by: 'carol', reason: 'breaks the contract', at: day(7, '11:00') },
  }),
  deployment('I', day(8, '10:00'), {
    status: 'running',
    heldSeconds: { window: 3600 },
    hold: { since: day(8, '10:00'), what: 'waits', kinds: ['alarm', 'manual'], kindsSince: day(8, '11:00') },
  }),
  deployment('H', day(9, '01:00'), { status: 'succeeded', endedAt: day(9, '03:00') }),
];

/** What `GET /pipelines/metrics-demo/metrics?from=…&to=…` answers at NOW, worked out by hand. */
export const EXPECTED = {
  deployments: { total: 10, succeeded: 3, failed: 4, inProgress: 1, notJudged: 2 },
  perDay: 0.4286, // 3 / 7
  perWeek: 3,
  series: [
    // Nov 2 … Nov 8
    { succeeded: 1, failed: 0, inProgress: 0, notJudged: 0 },
    { succeeded: 1, failed: 1, inProgress: 0, notJudged: 0 },
    { succeeded: 0, failed: 1, inProgress: 0, notJudged: 0 },
    { succeeded: 1, failed: 0, inProgress: 0, notJudged: 1 },
    { succeeded: 0, failed: 1, inProgress: 0, notJudged: 1 },
    { succeeded: 0, failed: 1, inProgress: 0, notJudged: 0 },
    { succeeded: 0, failed: 0, inProgress: 1, notJudged: 0 },
  ],
  // 7200, 9000, 10800
  leadTime: {
    count: 3,
    medianSeconds: 9000,
    p90Seconds: 10800,
    fromChangeCreatedAt: 2,
    fromDeploymentCreatedAt: 1,
  },
  changeFailureRate: {
    failed: 4,
    judged: 7,
    rate: 0.5714, // 4 / 7
    byCause: { 'alarm-event': 1, 'release-rollback': 1, stopped: 1, vetoed: 1 },
  },
  // 60 (B, from the alarm), 120 (D), 60 (L)
  trafficOff: { count: 3, medianSeconds: 60, p90Seconds: 120 },
  // 14400 (B), 82800 (D), 225000 (L), 144000 (G): median (82800 + 144000) / 2
  nextGoodRelease: { count: 4, medianSeconds: 113_400, p90Seconds: 225_000 },
  held: { byKind: { window: 4500, alarm: 3900, manual: 3600, pipelining: 1200 }, deployments: 4 },
} as const;
