import { formatDuration } from '../core/duration.js';
import { InvalidInputError } from '../core/errors.js';
import type { ResolvedPipeline } from '../core/pipeline.js';
import { waveLeadTimeSeconds } from '../core/rollout.js';
import { predictSchedule } from '../core/windows.js';

/** `breakwater plan --from` as data: when each wave would start and end. */
export interface SchedulePrediction {
  readonly pipeline: string;
  readonly from: string;
  readonly waves: readonly { name: string; earliestStart: string; expectedEnd: string; window: string }[];
  readonly expectedEnd: string;
}

/**
 * Predicts the schedule of a deployment started at `from`, given bakes, time windows and
 * holidays (not alarms or manual blocks, which cannot be foreseen). A wave starts at its window's
 * first opening after the previous wave ends, in its first target's region.
 */
export function predictPipelineSchedule(pipeline: ResolvedPipeline, from: string): SchedulePrediction {
  const fromMs = Date.parse(from);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(from) || Number.isNaN(fromMs)) {
    throw new InvalidInputError('--from', [
      {
        path: '--from',
        message: `expected an ISO time like "2026-11-27T15:00:00Z", got ${JSON.stringify(from)}`,
      },
    ]);
  }
  const forecast = predictSchedule(
    pipeline.waves.map((w) => ({
      name: w.name,
      leadTimeSeconds: waveLeadTimeSeconds(w),
      ...(w.window ? { window: w.window } : {}),
      region: w.targets[0]!.region,
    })),
    fromMs,
  );
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    pipeline: pipeline.name,
    from: iso(fromMs),
    waves: forecast.map((f, i) => ({
      name: f.name,
      earliestStart: iso(f.earliestStart),
      expectedEnd: iso(f.expectedEnd),
      window: pipeline.waves[i]!.window ? `window in ${pipeline.waves[i]!.targets[0]!.region}` : 'any time',
    })),
    expectedEnd: iso(forecast.at(-1)?.expectedEnd ?? fromMs),
  };
}

export function renderSchedule(s: SchedulePrediction): string {
  const rows = [['wave', 'earliest start', 'expected end', 'takes', 'gated by']];
  for (const w of s.waves) {
    rows.push([
      w.name,
      w.earliestStart,
      w.expectedEnd,
      formatDuration((Date.parse(w.expectedEnd) - Date.parse(w.earliestStart)) / 1000),
      w.window,
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const table = rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  return [
    `Pipeline ${s.pipeline} started at ${s.from}: done by ${s.expectedEnd} if nothing fails and no alarm or manual block holds it.`,
    '',
    table,
  ].join('\n');
}
