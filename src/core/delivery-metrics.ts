import { accrueHeld, type HoldSegment } from './hold.js';

/*
 * Delivery metrics of one pipeline over a period, from its deployment records alone (pure: the
 * records in, the figures out). Definitions, as documented in docs/metrics.md:
 *
 *   period membership   a deployment belongs to the period in which it was created (entered the
 *                       pipeline): from <= createdAt < to. One range read of the pipeline's index.
 *   outcome             succeeded | failed (rolled back, rolling back, failed, vetoed, rolled back
 *                       after release) | in-progress (running) | not-judged (superseded, expired)
 *   frequency           succeeded deployments per day (and per week) of the period
 *   lead time           succeeded deployments: endedAt (last wave done) − change.createdAt (when
 *                       the change was pushed), or − the deployment's createdAt when the change
 *                       does not say
 *   change failure rate failed / (succeeded + failed)
 *   restore: traffic off     failed deployments with a rollback: trafficOffAt − (alarmAt, or
 *                            detectedAt when no alarm started it)
 *   restore: next release    failed deployments: endedAt of the first later-created deployment
 *                            that succeeded − the failure's start (alarmAt, detectedAt, veto.at)
 *   held                seconds spent held before starting a wave or a target, by blocker kind
 *                       (a kind is charged for all the time it held, so two kinds holding at
 *                       once are each charged)
 *
 * Medians are the middle value (the mean of the two middle ones for an even count); p90 is the
 * nearest-rank 90th percentile (the ⌈0.9·n⌉-th smallest value).
 */

/** What a deployment record must carry for the metrics (a DeploymentRecord has all of it). */
export interface MetricsDeployment {
  readonly id: string;
  readonly change: { readonly id: string; readonly createdAt?: string };
  readonly status: string;
  readonly createdAt: string;
  readonly endedAt?: string;
  readonly cancelRequest?: unknown;
  readonly rollback?: {
    readonly alarmAt?: string;
    readonly triggeredBy?: string;
    readonly detectedAt: string;
    readonly trafficOffAt?: string;
  };
  /** A vetoed change: a failure while the veto has no `lifted` (a lifted veto counts for nothing). */
  readonly veto?: { readonly at: string; readonly lifted?: unknown };
  /** A succeeded deployment rolled back afterwards by hand: a failure. */
  readonly releaseRollback?: { readonly requestedAt: string };
  /** Seconds held by blockers, by kind, for holds that have ended. */
  readonly heldSeconds?: Readonly<Record<string, number>>;
  /** The hold going on now (or when the deployment ended while held). */
  readonly hold?: HoldSegment;
}

export type MetricsOutcome = 'succeeded' | 'failed' | 'in-progress' | 'not-judged';

/** Why a change counts as failed. */
export type FailureCause =
  | 'vetoed'
  | 'release-rollback'
  | 'stopped'
  | 'alarm-event'
  | 'check'
  | 'step'
  | 'hook'
  | 'unknown';

export type MetricsBucket = 'day' | 'week';

export interface MetricsPeriod {
  readonly fromMs: number;
  /** Exclusive. */
  readonly toMs: number;
  /** Open holds of running deployments count up to now. */
  readonly nowMs: number;
  readonly bucket: MetricsBucket;
}

export interface DurationSummary {
  readonly count: number;
  readonly medianSeconds: number | null;
  readonly p90Seconds: number | null;
}

export interface SeriesPoint {
  /** Start of the day (or the Monday of the week), UTC. */
  readonly start: string;
  readonly succeeded: number;
  readonly failed: number;
  readonly inProgress: number;
  readonly notJudged: number;
}

export interface LeadTimePoint {
  readonly deploymentId: string;
  readonly changeId: string;
  readonly endedAt: string;
  readonly seconds: number;
  /** `change`: from change.createdAt; `deployment`: the change did not say, from the deployment's createdAt. */
  readonly from: 'change' | 'deployment';
}

export interface RestorePoint {
  readonly deploymentId: string;
  readonly startedAt: string;
  readonly restoredAt: string;
  readonly seconds: number;
}

export interface DeliveryMetrics {
  readonly from: string;
  readonly to: string;
  readonly days: number;
  readonly deployments: {
    readonly total: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly inProgress: number;
    readonly notJudged: number;
  };
  readonly frequency: {
    readonly succeeded: number;
    readonly perDay: number;
    readonly perWeek: number;
    readonly bucket: MetricsBucket;
    readonly series: readonly SeriesPoint[];
  };
  readonly leadTime: DurationSummary & {
    readonly fromChangeCreatedAt: number;
    readonly fromDeploymentCreatedAt: number;
    readonly points: readonly LeadTimePoint[];
  };
  readonly changeFailureRate: {
    readonly failed: number;
    readonly judged: number;
    /** failed / judged, or null when nothing was judged. */
    readonly rate: number | null;
    readonly byCause: Readonly<Partial<Record<FailureCause, number>>>;
  };
  readonly timeToRestore: {
    readonly trafficOff: DurationSummary & {
      readonly points: readonly (RestorePoint & { readonly start: 'alarm' | 'detected' })[];
    };
    readonly nextGoodRelease: DurationSummary & {
      readonly points: readonly (RestorePoint & { readonly restoredBy: string })[];
      /** Failed deployments not followed by a succeeded one yet. */
      readonly unrestored: readonly string[];
    };
  };
  readonly held: {
    readonly byKind: Readonly<Record<string, number>>;
    /** Deployments that were held at all. */
    readonly deployments: number;
  };
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-01 was a Thursday: Mondays are 4 days after an epoch-aligned week boundary. */
const MONDAY_OFFSET_MS = 4 * DAY_MS;

/**
 * The outcome of a deployment for the metrics, and the cause when it failed.
 *
 * @example classifyDeployment({ id: 'd', change: { id: 'c' }, status: 'rolled_back', createdAt: '…', rollback: { triggeredBy: 'alarm-event', detectedAt: '…' } })
 * // { outcome: 'failed', cause: 'alarm-event' }
 */
export function classifyDeployment(d: MetricsDeployment): {
  outcome: MetricsOutcome;
  cause?: FailureCause;
} {
  if (d.veto && !d.veto.lifted) return { outcome: 'failed', cause: 'vetoed' };
  if (d.releaseRollback) return { outcome: 'failed', cause: 'release-rollback' };
  switch (d.status) {
    case 'succeeded':
      return { outcome: 'succeeded' };
    case 'running':
      return { outcome: 'in-progress' };
    case 'rolling_back':
    case 'rolled_back':
    case 'failed': {
      // Gave up waiting for blockers: the change itself was never judged.
      if (d.rollback?.triggeredBy === 'hold-expired') return { outcome: 'not-judged' };
      if (d.cancelRequest) return { outcome: 'failed', cause: 'stopped' };
      return { outcome: 'failed', cause: failureCause(d.rollback?.triggeredBy) };
    }
    default:
      return { outcome: 'not-judged' };
  }
}

function failureCause(triggeredBy: string | undefined): FailureCause {
  switch (triggeredBy) {
    case 'alarm-event':
    case 'check':
    case 'step':
    case 'hook':
    case 'release-rollback':
      return triggeredBy;
    default:
      return 'unknown';
  }
}

/**
 * Whether a failure of the period is followed by no succeeded deployment created after it in
 * the period: then the first succeeded deployment created at or after `to` is needed (the one
 * further read) to know when it was restored.
 */
export function needsLaterRelease(deployments: readonly MetricsDeployment[]): boolean {
  const sorted = byCreation(deployments);
  let failedSinceLastSuccess = false;
  for (const d of sorted) {
    const { outcome } = classifyDeployment(d);
    if (outcome === 'failed') failedSinceLastSuccess = true;
    else if (d.status === 'succeeded' && d.endedAt) failedSinceLastSuccess = false;
  }
  return failedSinceLastSuccess;
}

/**
 * Computes every figure of the period. `deployments` are those created in the period (any
 * order); `laterRelease` is the first deployment created at or after `to` that succeeded, when
 * one exists and {@link needsLaterRelease} asked for it.
 *
 * @example computeDeliveryMetrics(records, { fromMs, toMs, nowMs, bucket: 'day' }).changeFailureRate.rate
 */
export function computeDeliveryMetrics(
  deployments: readonly MetricsDeployment[],
  period: MetricsPeriod,
  laterRelease?: MetricsDeployment,
): DeliveryMetrics {
  const inPeriod = byCreation(
    deployments.filter((d) => {
      const at = Date.parse(d.createdAt);
      return at >= period.fromMs && at < period.toMs;
    }),
  );
  const classified = inPeriod.map((d) => ({ d, ...classifyDeployment(d) }));
  const count = (o: MetricsOutcome) => classified.filter((c) => c.outcome === o).length;
  const succeeded = count('succeeded');
  const failed = count('failed');
  const days = (period.toMs - period.fromMs) / DAY_MS;

  const byCause: Partial<Record<FailureCause, number>> = {};
  for (const c of classified) {
    if (c.outcome === 'failed' && c.cause) byCause[c.cause] = (byCause[c.cause] ?? 0) + 1;
  }

  const leadPoints: LeadTimePoint[] = classified
    .filter((c) => c.outcome === 'succeeded' && c.d.endedAt !== undefined)
    .map(({ d }) => {
      const fromChange = d.change.createdAt !== undefined && !Number.isNaN(Date.parse(d.change.createdAt));
      const start = Date.parse(fromChange ? d.change.createdAt! : d.createdAt);
      return {
        deploymentId: d.id,
        changeId: d.change.id,
        endedAt: d.endedAt!,
        seconds: seconds(Date.parse(d.endedAt!) - start),
        from: fromChange ? 'change' : 'deployment',
      };
    });

  const failures = classified.filter((c) => c.outcome === 'failed').map((c) => c.d);
  const trafficOff = failures.flatMap((d) => {
    if (!d.rollback?.trafficOffAt) return [];
    const start = d.rollback.alarmAt ?? d.rollback.detectedAt;
    return [
      {
        deploymentId: d.id,
        startedAt: start,
        restoredAt: d.rollback.trafficOffAt,
        seconds: seconds(Date.parse(d.rollback.trafficOffAt) - Date.parse(start)),
        start: d.rollback.alarmAt ? ('alarm' as const) : ('detected' as const),
      },
    ];
  });

  const releases = [...inPeriod, ...(laterRelease ? [laterRelease] : [])];
  const nextGood: (RestorePoint & { restoredBy: string })[] = [];
  const unrestored: string[] = [];
  for (const d of failures) {
    const start = failureStart(d);
    const next = releases.find(
      (r) =>
        isCreatedAfter(r, d) &&
        r.status === 'succeeded' &&
        classifyDeployment(r).outcome === 'succeeded' &&
        r.endedAt !== undefined &&
        Date.parse(r.endedAt) >= Date.parse(start),
    );
    if (!next) {
      unrestored.push(d.id);
      continue;
    }
    nextGood.push({
      deploymentId: d.id,
      startedAt: start,
      restoredAt: next.endedAt!,
      restoredBy: next.id,
      seconds: seconds(Date.parse(next.endedAt!) - Date.parse(start)),
    });
  }

  const held = heldByKind(inPeriod, period.nowMs);

  return {
    from: isoAt(period.fromMs),
    to: isoAt(period.toMs),
    days: round(days),
    deployments: {
      total: inPeriod.length,
      succeeded,
      failed,
      inProgress: count('in-progress'),
      notJudged: count('not-judged'),
    },
    frequency: {
      succeeded,
      perDay: days > 0 ? round(succeeded / days) : 0,
      perWeek: days > 0 ? round((succeeded / days) * 7) : 0,
      bucket: period.bucket,
      series: series(classified, period),
    },
    leadTime: {
      ...summarise(leadPoints.map((p) => p.seconds)),
      fromChangeCreatedAt: leadPoints.filter((p) => p.from === 'change').length,
      fromDeploymentCreatedAt: leadPoints.filter((p) => p.from === 'deployment').length,
      points: leadPoints,
    },
    changeFailureRate: {
      failed,
      judged: succeeded + failed,
      rate: succeeded + failed > 0 ? round(failed / (succeeded + failed)) : null,
      byCause,
    },
    timeToRestore: {
      trafficOff: { ...summarise(trafficOff.map((p) => p.seconds)), points: trafficOff },
      nextGoodRelease: { ...summarise(nextGood.map((p) => p.seconds)), points: nextGood, unrestored },
    },
    held,
  };
}

/** When a failure began: the alarm, else when the rollback began, else the veto. */
function failureStart(d: MetricsDeployment): string {
  return (
    d.rollback?.alarmAt ??
    d.rollback?.detectedAt ??
    d.releaseRollback?.requestedAt ??
    (d.veto && !d.veto.lifted ? d.veto.at : undefined) ??
    d.endedAt ??
    d.createdAt
  );
}

/**
 * Seconds held by kind: the ended holds recorded on each deployment, plus the hold still open
 * (counted up to the deployment's end, or up to now while it runs).
 */
function heldByKind(deployments: readonly MetricsDeployment[], nowMs: number): DeliveryMetrics['held'] {
  const byKind: Record<string, number> = {};
  let held = 0;
  const add = (kind: string, s: number) => {
    byKind[kind] = round((byKind[kind] ?? 0) + s);
  };
  for (const d of deployments) {
    const until = d.endedAt ? Date.parse(d.endedAt) : nowMs;
    const kinds = Object.entries(accrueHeld(d.heldSeconds, d.hold, until)).filter(([, s]) => s > 0);
    for (const [kind, s] of kinds) add(kind, s);
    if (kinds.length > 0) held++;
  }
  return { byKind, deployments: held };
}

function series(
  classified: readonly { d: MetricsDeployment; outcome: MetricsOutcome }[],
  period: MetricsPeriod,
): SeriesPoint[] {
  const size = period.bucket === 'day' ? DAY_MS : WEEK_MS;
  const floor = (ms: number) =>
    period.bucket === 'day'
      ? Math.floor(ms / DAY_MS) * DAY_MS
      : Math.floor((ms - MONDAY_OFFSET_MS) / WEEK_MS) * WEEK_MS + MONDAY_OFFSET_MS;
  const points: {
    start: number;
    succeeded: number;
    failed: number;
    inProgress: number;
    notJudged: number;
  }[] = [];
  for (let start = floor(period.fromMs); start < period.toMs; start += size) {
    points.push({ start, succeeded: 0, failed: 0, inProgress: 0, notJudged: 0 });
  }
  for (const { d, outcome } of classified) {
    const point = points[Math.floor((floor(Date.parse(d.createdAt)) - floor(period.fromMs)) / size)];
    if (!point) continue;
    if (outcome === 'succeeded') point.succeeded++;
    else if (outcome === 'failed') point.failed++;
    else if (outcome === 'in-progress') point.inProgress++;
    else point.notJudged++;
  }
  return points.map((p) => ({ ...p, start: isoAt(p.start) }));
}

/**
 * Count, median (middle value; mean of the two middle ones for an even count) and nearest-rank
 * p90 (the ⌈0.9·n⌉-th smallest) of durations in seconds.
 *
 * @example summarise([60, 120, 600]) // { count: 3, medianSeconds: 120, p90Seconds: 600 }
 */
export function summarise(values: readonly number[]): DurationSummary {
  if (values.length === 0) return { count: 0, medianSeconds: null, p90Seconds: null };
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  const p90 = sorted[Math.ceil(0.9 * n) - 1]!;
  return { count: n, medianSeconds: round(median), p90Seconds: round(p90) };
}

function byCreation(deployments: readonly MetricsDeployment[]): MetricsDeployment[] {
  return [...deployments].sort((a, b) =>
    a.createdAt === b.createdAt ? a.id.localeCompare(b.id) : a.createdAt < b.createdAt ? -1 : 1,
  );
}

function isCreatedAfter(a: MetricsDeployment, b: MetricsDeployment): boolean {
  return a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id);
}

/** Whole seconds are what records carry; never negative (a change clock ahead of ours). */
function seconds(ms: number): number {
  return Math.max(0, round(ms / 1000));
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}
