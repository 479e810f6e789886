import type { AlarmStateValue } from '../ports/fleet.js';
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
    return {
      verdict: 'failed',
      reason: `stopped by ${input.cancelRequested.by}: ${input.cancelRequested.reason}`,
      waitSeconds: 0,
    };
  }
  if (input.rollbackBegun !== undefined) {
    return { verdict: 'failed', reason: `rollback begun: ${input.rollbackBegun}`, waitSeconds: 0 };
  }
  const firing = input.alarms.find((a) => a.state === 'ALARM');
  if (firing) {
    return {
      verdict: 'failed',
      reason: `alarm ${firing.name} (${firing.where}) is in ALARM${firing.reason ? `: ${firing.reason}` : ''}`,
      alarm: firing.name,
      waitSeconds: 0,
    };
  }
  const missing = input.alarms.find((a) => a.state === 'missing');
  if (missing) {
    return {
      verdict: 'failed',
      reason: `alarm ${missing.name} does not exist in ${missing.where}: nothing would watch this change`,
      alarm: missing.name,
      waitSeconds: 0,
    };
  }
  if (input.analysis?.verdict === 'fail') {
    return { verdict: 'failed', reason: `one-box analysis: ${input.analysis.reason}`, waitSeconds: 0 };
  }

  const dataPoints = input.dataPoints ?? 0;
  const shortOfData = dataPoints < input.minDataPoints;
  const analysisPending = input.analysis?.verdict === 'inconclusive' && input.analysis.required;
  const noData = input.alarms.filter((a) => a.state === 'INSUFFICIENT_DATA');
  const remaining = input.durationSeconds - input.elapsedSeconds;
  if (remaining > 0) {
    return {
      verdict: 'baking',
      reason: `baking: ${formatDuration(input.elapsedSeconds)} of ${formatDuration(input.durationSeconds)}, ${
        input.minDataPoints === 0
          ? 'no data points needed'
          : input.dataPoints === undefined
            ? `${input.minDataPoints} data points needed (counted when the time is up)`
            : `${input.dataPoints}/${input.minDataPoints} data points`
      }`,
      waitSeconds: Math.min(poll, remaining),
    };
  }
  if (!shortOfData && noData.length === 0 && !analysisPending) {
    return {
      verdict: 'baked',
      reason:
        input.minDataPoints > 0
          ? `baked ${formatDuration(input.elapsedSeconds)} with ${dataPoints} data points (needed ${input.minDataPoints})`
          : `healthy for ${formatDuration(input.elapsedSeconds)}, every alarm OK`,
      waitSeconds: 0,
    };
  }
  const missingWhat = [
    ...(shortOfData ? [`only ${dataPoints} of ${input.minDataPoints} data points`] : []),
    ...noData.map((a) => `alarm ${a.name} (${a.where}) has INSUFFICIENT_DATA`),
    ...(analysisPending ? [`one-box analysis inconclusive: ${input.analysis!.reason}`] : []),
  ].join('; ');
  const overtime = -remaining;
  if (overtime >= input.inconclusiveTimeoutSeconds) {
    return {
      verdict: 'failed',
      reason: `bake inconclusive after ${formatDuration(input.elapsedSeconds)}: ${missingWhat}`,
      ...(noData[0] ? { alarm: noData[0].name } : {}),
      waitSeconds: 0,
    };
  }
  return {
    verdict: 'inconclusive',
    reason: `inconclusive, still baking (${formatDuration(input.inconclusiveTimeoutSeconds - overtime)} left before rollback): ${missingWhat}`,
    waitSeconds: Math.min(poll, input.inconclusiveTimeoutSeconds - overtime),
  };
}
