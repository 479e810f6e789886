import type { AlarmStateValue } from '../core/alarm-state.js';
import type { AlarmObservation } from '../core/bake.js';
import type { BlockerAssessment, BlockerOverride, ManualBlock, StartingUnit } from '../core/blockers.js';
import { assessBlockers } from '../core/blockers.js';
import type { ResolvedPipeline, ResolvedWave, Target } from '../core/pipeline.js';
import { expandAlarmName } from '../core/targets.js';
import { evaluateWindow, type TimeWindow, type WindowState } from '../core/windows.js';
import { isoAt } from '../ports/clock.js';
import type { BlockerRecord, DeploymentRecord, OverrideRecord } from '../ports/store.js';
import { readAlarms } from './check-health.js';
import type { StepDeps } from './deps.js';

/** How often blockers other than a closed window are read again while a start waits. */
export const BLOCKER_POLL_SECONDS = 300;
/**
 * A wait for a window to open is cut into steps of at most 15 minutes: a stop request (which the
 * workflow reads at each check) is noticed within that, and a weekend costs ~1,700 history events.
 */
const MAX_WAIT_SECONDS = 900;

/** What a start assessment reads from AWS and the store, read once for a whole batch. */
export interface StartReadings {
  readonly observed: readonly AlarmObservation[];
  readonly blockers: readonly BlockerRecord[];
  readonly overrides: readonly OverrideRecord[];
}

/** Blocker alarm names of a wave (its blocker alarms, or its rollback alarms, plus the organisation's). */
export function blockerTemplates(deps: StepDeps, wave: ResolvedWave): string[] {
  return [...(wave.blockerAlarms ?? wave.alarms.rollback), ...(deps.organisationAlarms ?? [])];
}

/**
 * What holds a batch's targets: the blocker alarms and also every alarm that will watch them
 * (rollback and one-box alarms): one already in ALARM would roll the batch back at once.
 */
export function batchStartTemplates(deps: StepDeps, wave: ResolvedWave): string[] {
  return [...new Set([...blockerTemplates(deps, wave), ...wave.alarms.rollback, ...wave.alarms.oneBox])];
}

/**
 * Reads everything that may hold the start of these targets: their blocker alarms in one
 * DescribeAlarms batch per account/region, the manual blocks and the deployment's overrides.
 */
export async function readStartInputs(
  deps: StepDeps,
  wave: ResolvedWave,
  targets: readonly Target[],
  deploymentId: string,
  templates: readonly string[] = blockerTemplates(deps, wave),
): Promise<StartReadings> {
  const [observed, blockers, overrides] = await Promise.all([
    readAlarms(deps, wave, targets, templates),
    deps.store.listBlockers(),
    deps.store.listOverrides(deploymentId),
  ]);
  return { observed, blockers, overrides };
}

/** The readings that concern one target: its own blocker alarms in its own account/region. */
function readingsFor(
  deps: StepDeps,
  readings: StartReadings,
  wave: ResolvedWave,
  targets: readonly Target[],
  templates: readonly string[],
): StartReadings {
  const wanted = new Set(
    targets.flatMap((t) =>
      templates.map((n) => `${t.region}/${t.account}/${expandAlarmName(n, t, wave.name)}`),
    ),
  );
  return { ...readings, observed: readings.observed.filter((a) => wanted.has(`${a.where}/${a.name}`)) };
}

export interface StartAssessment extends BlockerAssessment {
  readonly window: WindowState;
  /** When to look again if blocked. */
  readonly waitSeconds: number;
}

/** Whether an approved expedite of this deployment may start outside time windows. */
function expediteIgnoresWindows(pipeline: ResolvedPipeline, deployment: DeploymentRecord): boolean {
  return Boolean(pipeline.expedite?.ignoreWindows && deployment.expedite?.approvedBy);
}

/**
 * Reads everything that may hold a start — blocker alarms of the targets, the time window,
 * manual blocks, overrides — and decides with the pure {@link assessBlockers}, all together.
 */
export async function assessStart(
  deps: StepDeps,
  ctx: {
    readonly deployment: DeploymentRecord;
    readonly pipeline: ResolvedPipeline;
    readonly wave: ResolvedWave;
    readonly targets: readonly Target[];
    readonly window: TimeWindow | undefined;
    readonly region: string;
    readonly overrides: readonly OverrideRecord[];
    readonly starting: StartingUnit;
  },
  /** Read already for a larger set of targets (a batch): only the part of these targets is used. */
  readings?: StartReadings,
  /** The alarm names `readings` were read for. */
  templates: readonly string[] = blockerTemplates(deps, ctx.wave),
): Promise<StartAssessment> {
  const nowMs = deps.clock.nowMs();
  const { observed, blockers } = readings
    ? readingsFor(deps, readings, ctx.wave, ctx.targets, templates)
    : {
        observed: await readAlarms(deps, ctx.wave, ctx.targets, blockerTemplates(deps, ctx.wave)),
        blockers: await deps.store.listBlockers(),
      };
  const window: WindowState = ctx.window
    ? evaluateWindow(ctx.window, nowMs, { region: ctx.region })
    : { open: true };
  const manual: ManualBlock[] = blockers.map((b) => ({
    id: b.id,
    scope: b.scope,
    reason: `${b.reason} (by ${b.author})`,
    author: b.author,
    createdAtMs: Date.parse(b.createdAt),
    ...(b.expiresAt ? { expiresAtMs: Date.parse(b.expiresAt) } : {}),
  }));
  const overrides: BlockerOverride[] = ctx.overrides.map((o) => ({
    blockerId: o.blockerId,
    by: o.by,
    reason: o.reason,
    ...(o.fixesAlarm !== undefined ? { fixesAlarm: o.fixesAlarm } : {}),
  }));
  if (expediteIgnoresWindows(ctx.pipeline, ctx.deployment)) {
    overrides.push({
      blockerId: 'window',
      by: ctx.deployment.expedite!.approvedBy!,
      reason: 'approved expedite',
    });
  }
  const assessment = assessBlockers({
    // A missing blocker alarm cannot vouch for anything; it does not block a start either (the
    // bake will refuse to run without it).
    alarms: observed
      .filter((a) => a.state !== 'missing')
      .map((a) => ({
        name: a.name,
        state: a.state as AlarmStateValue,
        ...(a.sinceMs ? { sinceMs: a.sinceMs } : {}),
      })),
    window,
    manual,
    overrides,
    nowMs,
    starting: ctx.starting,
  });
  const holding = assessment.blockers.filter((b) => !b.overriddenBy);
  const onlyWindow = holding.length > 0 && holding.every((b) => b.kind === 'window');
  const untilOpen = window.nextOpenMs ? Math.ceil((window.nextOpenMs - nowMs) / 1000) : BLOCKER_POLL_SECONDS;
  const waitSeconds = Math.max(
    1,
    Math.min(MAX_WAIT_SECONDS, onlyWindow ? untilOpen : Math.min(BLOCKER_POLL_SECONDS, untilOpen)),
  );
  return { ...assessment, window, waitSeconds };
}

/** The blockers that hold a start, as recorded on a wave. */
export function holdingBlockers(
  a: BlockerAssessment,
): { id: string; kind: string; description: string; until?: string }[] {
  return a.blockers
    .filter((b) => !b.overriddenBy)
    .map((b) => ({
      id: b.id,
      kind: b.kind,
      description: b.since ? `${b.description} since ${isoAt(b.since)}` : b.description,
      ...(b.until ? { until: isoAt(b.until) } : {}),
    }));
}
