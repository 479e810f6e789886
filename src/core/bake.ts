import type { AlarmStateValue } from './alarm-state.js';
import { formatDuration } from './duration.js';

/** What one poll of a bake or health check concludes. */
export type BakeVerdict = 'baking' | 'inconclusive' | 'baked' | 'failed';

export interface AlarmObservation {
  readonly name: string;
  /** `missing` when the alarm does not exist where it should. */
  readonly state: AlarmStateValue | 'missing';
  readonly reason?: string;
  readonly where: string;
  /** When the alarm entered its state. */
  readonly sinceMs?: number;
}

export interface BakeInput {
  readonly elapsedSeconds: number;
  readonly durationSeconds: number;
  readonly minDataPoints: number;
  /** Invocations of the new version so far; absent when not counted yet (they are counted once the time is up). */
  readonly dataPoints?: number;
  readonly alarms: readonly AlarmObservation[];
  /** How long past the duration an inconclusive bake may wait before failing safe. */
  readonly inconclusiveTimeoutSeconds: number;
  readonly pollIntervalSeconds: number;
  readonly cancelRequested?: { readonly by: string; readonly reason: string };
  /** A rollback of the deployment has begun elsewhere (the alarm watcher, another check): why. */
  readonly rollbackBegun?: string;
  /**
   * The statistical one-box analysis of the new version against the previous one, when the wave
   * asks for it: `fail` fails the bake like an alarm; `inconclusive` (with `required`) holds it
   * like missing data; `pass` and `marginal` do not hold it.
   */
  readonly analysis?: {
    readonly verdict: 'pass' | 'marginal' | 'fail' | 'inconclusive';
    readonly reason: string;
    /** Whether an inconclusive analysis holds the bake (the one-box) or not (a health check). */
    readonly required: boolean;
  };
}

export interface BakeAssessment {
  readonly verdict: BakeVerdict;
  /** Why, in words a person reading the timeline understands. */
  readonly reason: string;
  /** The alarm that failed the bake, if one did. */
  readonly alarm?: string;
  /** When to look again (only for baking / inconclusive). */
  readonly waitSeconds: number;
  /**
   * What stays true until the next check, without the time that passes meanwhile: the data
   * points for a bake still baking, what is missing for an inconclusive one, the reason
   * otherwise. This is what a bake record keeps ({@link describeBake} adds the time when read).
   */
  readonly standing: string;
}

/**
 * Decides what a bake (or a rolling step's health check) does next. Pure.
 *
 * - Any alarm in ALARM fails it at once, whatever else is true; so does a stop request or an alarm
 *   that does not exist (nothing would be watching).
 * - It is baked only when the duration has passed AND the new version served at least
 *   `minDataPoints` invocations AND no alarm is INSUFFICIENT_DATA: no data is not good data.
 * - A failed statistical one-box analysis fails it like an alarm; an inconclusive one (in a
 *   one-box bake) holds it like missing data.
 * - Past the duration without that, it is inconclusive and keeps baking until
 *   `duration + inconclusiveTimeout`, then fails safe and says what was missing.
 *
 * @example assessBake({ elapsedSeconds: 3600, durationSeconds: 3600, minDataPoints: 100, dataPoints: 140,
 *   alarms: [], inconclusiveTimeoutSeconds: 3600, pollIntervalSeconds: 60 }).verdict // 'baked'
 */
export function assessBake(input: BakeInput): BakeAssessment {
  const poll = Math.max(1, input.pollIntervalSeconds);
  if (input.cancelRequested) {
    return settled('failed', `stopped by ${input.cancelRequested.by}: ${input.cancelRequested.reason}`);
  }
  if (input.rollbackBegun !== undefined) {
    return settled('failed', `rollback begun: ${input.rollbackBegun}`);
  }
  const firing = input.alarms.find((a) => a.state === 'ALARM');
  if (firing) {
    return settled(
      'failed',
      `alarm ${firing.name} (${firing.where}) is in ALARM${firing.reason ? `: ${firing.reason}` : ''}`,
      firing.name,
    );
  }
  const missing = input.alarms.find((a) => a.state === 'missing');
  if (missing) {
    return settled(
      'failed',
      `alarm ${missing.name} does not exist in ${missing.where}: nothing would watch this change`,
      missing.name,
    );
  }
  if (input.analysis?.verdict === 'fail') {
    return settled('failed', `one-box analysis: ${input.analysis.reason}`);
  }

  const dataPoints = input.dataPoints ?? 0;
  const shortOfData = dataPoints < input.minDataPoints;
  const analysisPending = input.analysis?.verdict === 'inconclusive' && input.analysis.required;
  const noData = input.alarms.filter((a) => a.state === 'INSUFFICIENT_DATA');
  const remaining = input.durationSeconds - input.elapsedSeconds;
  if (remaining > 0) {
    const points = dataPointsText(input.minDataPoints, input.dataPoints);
    return {
      verdict: 'baking',
      reason: `baking: ${formatDuration(input.elapsedSeconds)} of ${formatDuration(input.durationSeconds)}, ${points}`,
      waitSeconds: Math.min(poll, remaining),
      standing: points,
    };
  }
  if (!shortOfData && noData.length === 0 && !analysisPending) {
    return settled(
      'baked',
      input.minDataPoints > 0
        ? `baked ${formatDuration(input.elapsedSeconds)} with ${dataPoints} data points (needed ${input.minDataPoints})`
        : `healthy for ${formatDuration(input.elapsedSeconds)}, every alarm OK`,
    );
  }
  const missingWhat = [
    ...(shortOfData ? [`only ${dataPoints} of ${input.minDataPoints} data points`] : []),
    ...noData.map((a) => `alarm ${a.name} (${a.where}) has INSUFFICIENT_DATA`),
    ...(analysisPending ? [`one-box analysis inconclusive: ${input.analysis!.reason}`] : []),
  ].join('; ');
  const overtime = -remaining;
  if (overtime >= input.inconclusiveTimeoutSeconds) {
    return settled(
      'failed',
      `bake inconclusive after ${formatDuration(input.elapsedSeconds)}: ${missingWhat}`,
      noData[0]?.name,
    );
  }
  return {
    verdict: 'inconclusive',
    reason: `inconclusive, still baking (${formatDuration(input.inconclusiveTimeoutSeconds - overtime)} left before rollback): ${missingWhat}`,
    waitSeconds: Math.min(poll, input.inconclusiveTimeoutSeconds - overtime),
    standing: missingWhat,
  };
}

/** A verdict that ends the bake: its reason stays true, nothing to wait for. */
function settled(verdict: 'baked' | 'failed', reason: string, alarm?: string): BakeAssessment {
  return { verdict, reason, ...(alarm !== undefined ? { alarm } : {}), waitSeconds: 0, standing: reason };
}

function dataPointsText(minDataPoints: number, dataPoints: number | undefined, countedAt?: string): string {
  if (minDataPoints === 0) return 'no data points needed';
  if (dataPoints === undefined) return `${minDataPoints} data points needed (counted when the time is up)`;
  return `${dataPoints}/${minDataPoints} data points${countedAt ? ` as counted at ${countedAt.slice(11, 16)} UTC` : ''}`;
}

/** A bake as recorded (see BakeProgress in src/ports/store.ts): only what {@link describeBake} reads. */
export interface RecordedBake {
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly minDataPoints: number;
  readonly dataPoints: number;
  /** When `dataPoints` were counted; absent until they are (once the bake's time is up). */
  readonly dataPointsAt?: string;
  readonly verdict: BakeVerdict;
  /** What the last check found that time does not change (see BakeAssessment.standing). */
  readonly note?: string;
  /** When an inconclusive bake fails safe: start + duration + inconclusiveTimeout. */
  readonly failsAt?: string;
}

/**
 * The bake in words as of `nowMs` (and, while it runs, its elapsed seconds), from what was recorded at the last check that changed
 * something: elapsed and remaining time come from the clock now, never from the record, so the
 * text is true whenever it is read (a bake poll that changes nothing writes nothing). Pure.
 *
 * @example describeBake({ startedAt: '2026-11-23T09:00:00Z', durationSeconds: 7200, minDataPoints: 2000,
 *   dataPoints: 0, verdict: 'baking' }, Date.parse('2026-11-23T09:46:00Z')).text
 * // 'baking: 46m of 2h (1h14m left), 2000 data points needed (counted when the time is up)'
 */
export function describeBake(
  bake: RecordedBake,
  nowMs: number,
): { text: string /** For a bake still running. */; elapsedSeconds?: number } {
  // An ended bake's note says how long it baked; its time no longer runs.
  if (bake.verdict === 'baked' || bake.verdict === 'failed') return { text: bake.note ?? bake.verdict };
  const elapsedSeconds = Math.max(0, Math.floor((nowMs - Date.parse(bake.startedAt)) / 1000));
  if (bake.verdict === 'inconclusive') {
    const failsMs = bake.failsAt ? Date.parse(bake.failsAt) : Number.NaN;
    const left = Number.isNaN(failsMs)
      ? ''
      : ` (${formatDuration(Math.max(0, Math.ceil((failsMs - nowMs) / 1000)))} left before rollback)`;
    return { text: `inconclusive, still baking${left}: ${bake.note ?? 'data missing'}`, elapsedSeconds };
  }
  const counted = bake.dataPointsAt !== undefined || bake.dataPoints > 0;
  const points = dataPointsText(bake.minDataPoints, counted ? bake.dataPoints : undefined, bake.dataPointsAt);
  const remaining = bake.durationSeconds - elapsedSeconds;
  const time =
    remaining > 0
      ? `${formatDuration(elapsedSeconds)} of ${formatDuration(bake.durationSeconds)} (${formatDuration(remaining)} left)`
      : `${formatDuration(bake.durationSeconds)} of ${formatDuration(bake.durationSeconds)}, the next check decides`;
  return { text: `baking: ${time}, ${points}`, elapsedSeconds };
}
