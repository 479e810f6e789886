import type { ResolvedPipeline } from '../core/pipeline.js';
import { waveLeadTimeSeconds } from '../core/rollout.js';
import { expandAlarmName } from '../core/targets.js';
import { predictSchedule, WindowNeverOpensError } from '../core/windows.js';
import { isoAt } from '../ports/clock.js';
import type { DeploymentRecord, TimelineEvent } from '../ports/store.js';
import { ALARM_STATE_CHANGED, type AlarmStateChangeData } from '../workflow/alarm-states.js';

/*
 * The deployment page's pictures as data: per target, the new version's weight over time and the
 * states of the alarms watching it; per wave, when the plan said it would run, when it ran, and
 * what held it. Built from what the timeline records, so the browser only draws.
 */

/** Timeline event types that move a target's weight; `data.weight` is the percent applied. */
export const WEIGHT_EVENT_TYPES: ReadonlySet<string> = new Set(['one-box-started', 'weight-shifted']);
/** Timeline event types after which a target carries none of the new version. */
export const WEIGHT_ZERO_EVENT_TYPES: ReadonlySet<string> = new Set([
  'target-rolled-back',
  'rollback-skipped',
]);
export interface WeightPoint {
  readonly at: string;
  /** Percent of traffic on the new version from `at` until the next point (the last: until `until`). */
  readonly weight: number;
}

export interface AlarmSegment {
  readonly from: string;
  readonly to: string;
  readonly state: string;
}

export interface TargetChart {
  readonly targetId: string;
  readonly wave: number;
  readonly weights: readonly WeightPoint[];
  /** One strip per alarm watching the target, by name. */
  readonly alarms: readonly {
    readonly name: string;
    readonly where: string;
    readonly segments: readonly AlarmSegment[];
  }[];
}

export interface Interval {
  readonly from: string;
  readonly to: string;
}

export interface WaveChart {
  readonly index: number;
  readonly name: string;
  readonly status: string;
  /** The plan's prediction from the deployment's start (bakes and time windows, no holds or alarms). */
  readonly planned?: { readonly start: string; readonly end: string };
  /** When it ran; `ongoing` while it still runs (`end` is then `until`). */
  readonly actual?: { readonly start: string; readonly end: string; readonly ongoing?: true };
  /** While it waited to start: blockers, windows, a wave still carrying an older change. */
  readonly holds: readonly (Interval & { readonly reasons: readonly string[]; readonly ongoing?: true })[];
}

export interface DeploymentCharts {
  /** The time axis every chart shares: the deployment's start to the later of `until` and the plan's end. */
  readonly from: string;
  readonly to: string;
  /** The end of what is recorded: the deployment's end, or now while it runs. */
  readonly until: string;
  readonly waves: readonly WaveChart[];
  readonly targets: readonly TargetChart[];
}

/** What the charts are drawn from: a deployment detail, its pipeline version, and the Clock's now. */
export interface ChartInput {
  readonly deployment: DeploymentRecord;
  readonly waves: readonly {
    readonly index: number;
    readonly name: string;
    readonly status: string;
    readonly startedAt?: string;
    readonly endedAt?: string;
    readonly targets: readonly { readonly targetId: string }[];
  }[];
  readonly events: readonly TimelineEvent[];
  readonly pipeline?: ResolvedPipeline;
  readonly nowMs: number;
}

const ms = (iso: string) => Date.parse(iso);

function groupBy<K>(events: readonly TimelineEvent[], keyOf: (e: TimelineEvent) => K | undefined) {
  const groups = new Map<K, TimelineEvent[]>();
  for (const e of events) {
    const key = keyOf(e);
    if (key === undefined) continue;
    const group = groups.get(key);
    if (group) group.push(e);
    else groups.set(key, [e]);
  }
  return groups;
}

/**
 * Turns a deployment detail into chart series. Pure: time is `nowMs`, from the Clock port.
 *
 * @example deploymentCharts({ deployment, waves, events, pipeline, nowMs: clock.nowMs() }).targets[0].weights
 * // [{ at: '…09:00Z', weight: 0 }, { at: '…09:00Z', weight: 10 }, { at: '…09:30Z', weight: 33 }, …]
 */
export function deploymentCharts(input: ChartInput): DeploymentCharts {
  const { deployment } = input;
  const startMs = ms(deployment.createdAt);
  const untilMs = Math.max(startMs, deployment.endedAt ? ms(deployment.endedAt) : input.nowMs);
  const events = [...input.events].sort((a, b) => ms(a.at) - ms(b.at));
  // Grouped once: the page polls this every second, and a big wave has many targets.
  const byWave = groupBy(events, (e) => e.wave);
  const byTarget = groupBy(events, (e) => e.target);
  const planned = plannedSchedule(input.pipeline, startMs);
  const waves = input.waves.map((w): WaveChart => {
    const plan = planned[w.index];
    const actual = w.startedAt
      ? w.endedAt
        ? { start: w.startedAt, end: w.endedAt }
        : { start: w.startedAt, end: isoAt(Math.max(ms(w.startedAt), untilMs)), ongoing: true as const }
      : undefined;
    return {
      index: w.index,
      name: w.name,
      status: w.status,
      ...(plan ? { planned: plan } : {}),
      ...(actual ? { actual } : {}),
      holds: holdIntervals(byWave.get(w.index) ?? [], untilMs),
    };
  });
  const targets = input.waves.flatMap((w) => {
    const waveEndMs = w.endedAt ? ms(w.endedAt) : untilMs;
    const alarmEvents = (byWave.get(w.index) ?? []).filter((e) => e.type === ALARM_STATE_CHANGED);
    const watching = alarmsOfTargets(input.pipeline, w.index);
    return w.targets.map((t): TargetChart => {
      const weights = weightSteps(byTarget.get(t.targetId) ?? [], w.startedAt);
      const strips = alarmStrips(alarmEvents, (data) =>
        watching
          ? (watching.get(t.targetId)?.has(alarmKey(data)) ?? false)
          : (data.targets ?? []).includes(t.targetId),
      );
      const watchedFrom = weights.find((p) => p.weight > 0)?.at;
      const known = watching?.get(t.targetId);
      return {
        targetId: t.targetId,
        wave: w.index,
        weights,
        alarms: (known && watchedFrom ? okUntilFirstChange(strips, known, ms(watchedFrom)) : strips).map(
          (strip) => ({ ...strip, segments: closeSegments(strip.segments, waveEndMs) }),
        ),
      };
    });
  });
  const plannedEndMs = Math.max(startMs, ...planned.filter((p) => p !== undefined).map((p) => ms(p.end)));
  return {
    from: isoAt(startMs),
    to: isoAt(Math.max(untilMs, plannedEndMs)),
    until: isoAt(untilMs),
    waves,
    targets,
  };
}

/**
 * A target's weight as steps: 0 when its wave started, then each applied step's weight, and 0
 * again once it is rolled back. A target its wave has not reached has no points.
 */
export function weightSteps(targetEvents: readonly TimelineEvent[], waveStartedAt?: string): WeightPoint[] {
  const points: WeightPoint[] = [];
  for (const e of targetEvents) {
    const weight = WEIGHT_ZERO_EVENT_TYPES.has(e.type)
      ? 0
      : WEIGHT_EVENT_TYPES.has(e.type) && typeof e.data?.weight === 'number'
        ? e.data.weight
        : undefined;
    if (weight === undefined) continue;
    if (points.length === 0)
      points.push({ at: waveStartedAt && ms(waveStartedAt) <= ms(e.at) ? waveStartedAt : e.at, weight: 0 });
    if (points.at(-1)!.weight !== weight) points.push({ at: e.at, weight });
  }
  if (points.length === 0 && waveStartedAt) points.push({ at: waveStartedAt, weight: 0 });
  return points;
}

/** Which alarms (by {@link alarmKey}) watch each target of a wave, from the pipeline's templates. */
function alarmsOfTargets(
  pipeline: ResolvedPipeline | undefined,
  waveIndex: number,
): Map<string, Set<string>> | undefined {
  const wave = pipeline?.waves[waveIndex];
  if (!wave) return undefined;
  const templates = [...(wave.alarms?.rollback ?? []), ...(wave.alarms?.oneBox ?? [])];
  return new Map(
    wave.targets.map((t) => [
      t.id,
      new Set(
        templates.map((template) =>
          alarmKey({ alarm: expandAlarmName(template, t, wave.name), where: `${t.region}/${t.account}` }),
        ),
      ),
    ]),
  );
}

const alarmKey = (a: { readonly alarm: string; readonly where: string }) => `${a.where}\u0000${a.alarm}`;

function alarmData(e: TimelineEvent): AlarmStateChangeData | undefined {
  const d = e.data;
  if (typeof d?.alarm !== 'string' || typeof d.state !== 'string' || typeof d.where !== 'string')
    return undefined;
  return d as unknown as AlarmStateChangeData;
}

/**
 * One strip per alarm: a segment per state seen, from when the alarm entered it (CloudWatch's
 * time when it lies between the previous change and the sighting, else the sighting) to the next
 * change. The last segment is left open (`to` = `from`) for {@link closeSegments}.
 */
export function alarmStrips(
  alarmEvents: readonly TimelineEvent[],
  watches: (data: AlarmStateChangeData) => boolean,
): { name: string; where: string; segments: AlarmSegment[] }[] {
  const strips = new Map<string, { name: string; where: string; segments: AlarmSegment[] }>();
  for (const e of alarmEvents) {
    const data = alarmData(e);
    if (!data || !watches(data)) continue;
    const key = alarmKey(data);
    const strip = strips.get(key) ?? { name: data.alarm, where: data.where, segments: [] };
    strips.set(key, strip);
    const last = strip.segments.at(-1);
    if (last?.state === data.state) continue;
    const seenMs = ms(e.at);
    const sinceMs = data.since ? ms(data.since) : Number.NaN;
    const fromMs =
      last && sinceMs >= ms(last.from) && sinceMs <= seenMs
        ? sinceMs
        : last
          ? Math.max(ms(last.from), seenMs)
          : seenMs;
    if (last) strip.segments[strip.segments.length - 1] = { ...last, to: isoAt(fromMs) };
    strip.segments.push({ from: isoAt(fromMs), to: isoAt(fromMs), state: data.state });
  }
  return [...strips.values()].sort((a, b) => a.name.localeCompare(b.name) || a.where.localeCompare(b.where));
}

/**
 * The recorder writes an alarm's state only when it changes, and not at all when the first check
 * saw it OK: every watched alarm is OK from when its target took traffic until its first recorded
 * state (an alarm never recorded is OK throughout).
 */
function okUntilFirstChange(
  strips: readonly { name: string; where: string; segments: AlarmSegment[] }[],
  watched: ReadonlySet<string>,
  fromMs: number,
): { name: string; where: string; segments: AlarmSegment[] }[] {
  const byKey = new Map(strips.map((s) => [alarmKey({ alarm: s.name, where: s.where }), s]));
  const ok = (toMs: number): AlarmSegment => ({ from: isoAt(fromMs), to: isoAt(toMs), state: 'OK' });
  return [...watched]
    .map((key) => {
      const strip = byKey.get(key);
      if (!strip) {
        const [where, name] = key.split('\u0000') as [string, string];
        return { name, where, segments: [ok(fromMs)] };
      }
      const first = strip.segments[0];
      if (!first || ms(first.from) <= fromMs) return strip;
      return { ...strip, segments: [ok(ms(first.from)), ...strip.segments] };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.where.localeCompare(b.where));
}

/** Ends the open last segment at `endMs` (the wave's end, or now): watching stops with the wave. */
function closeSegments(segments: readonly AlarmSegment[], endMs: number): AlarmSegment[] {
  return segments.map((s, i) =>
    i === segments.length - 1 ? { ...s, to: isoAt(Math.max(ms(s.from), endMs)) } : s,
  );
}

/**
 * A wave's holds: from its first `wave-blocked` to `wave-unblocked` (or its start), with every
 * blocker's description that held it meanwhile; a hold still open ends at `untilMs`.
 */
export function holdIntervals(
  waveEvents: readonly TimelineEvent[],
  untilMs: number,
): (Interval & { reasons: string[]; ongoing?: true })[] {
  const holds: (Interval & { reasons: string[]; ongoing?: true })[] = [];
  let open: { from: string; reasons: string[] } | undefined;
  for (const e of waveEvents) {
    if (e.type === 'wave-blocked') {
      open ??= { from: e.at, reasons: [] };
      const blockers = Array.isArray(e.data?.blockers)
        ? (e.data.blockers as { description?: unknown }[])
        : [];
      for (const b of blockers) {
        if (typeof b.description === 'string' && !open.reasons.includes(b.description))
          open.reasons.push(b.description);
      }
    } else if (open && (e.type === 'wave-unblocked' || e.type === 'wave-started')) {
      holds.push({ ...open, to: e.at });
      open = undefined;
    }
  }
  if (open) holds.push({ ...open, to: isoAt(Math.max(ms(open.from), untilMs)), ongoing: true });
  return holds;
}

/**
 * When each wave would start and end had the deployment started at `startMs` and nothing held
 * it (the `breakwater plan --from` prediction). A wave whose window never opens, and those after
 * it, have no plan.
 */
function plannedSchedule(
  pipeline: ResolvedPipeline | undefined,
  startMs: number,
): ({ start: string; end: string } | undefined)[] {
  if (!pipeline) return [];
  const out: ({ start: string; end: string } | undefined)[] = [];
  for (let known = pipeline.waves.length; known > 0; known--) {
    try {
      const forecast = predictSchedule(
        pipeline.waves.slice(0, known).map((w) => ({
          name: w.name,
          leadTimeSeconds: waveLeadTimeSeconds(w),
          ...(w.window ? { window: w.window } : {}),
          region: w.targets[0]?.region ?? 'us-east-1',
        })),
        startMs,
      );
      for (const f of forecast) out.push({ start: isoAt(f.earliestStart), end: isoAt(f.expectedEnd) });
      return out;
    } catch (error) {
      if (!(error instanceof WindowNeverOpensError)) throw error;
    }
  }
  return out;
}
