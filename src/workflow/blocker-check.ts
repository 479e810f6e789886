import type { BlockerAssessment, BlockerOverride, ManualBlock, StartingUnit } from '../core/blockers.js';
import { assessBlockers } from '../core/blockers.js';
import type { ResolvedPipeline, ResolvedWave, Target } from '../core/pipeline.js';
import { evaluateWindow, type TimeWindow, type WindowState } from '../core/windows.js';
import { isoAt } from '../ports/clock.js';
import type { DeploymentRecord, OverrideRecord } from '../ports/store.js';
import { readAlarms } from './check-health.js';
import type { StepDeps } from './deps.js';

/** How often blockers other than a closed window are read again while a start waits. */
export const BLOCKER_POLL_SECONDS = 300;
/**
 * A wait for a window to open is cut into steps of at most 15 minutes: a stop request (which the
 * workflow reads at each check) is noticed within that, and a weekend costs ~1,700 history events.
 */
const MAX_WAIT_SECONDS = 900;

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
): Promise<StartAssessment> {
  const nowMs = deps.clock.nowMs();
  const templates = [
    ...(ctx.wave.blockerAlarms ?? ctx.wave.alarms.rollback),
    ...(deps.organisationAlarms ?? []),
  ];
  const [observed, blockers] = await Promise.all([
    readAlarms(deps, ctx.wave, ctx.targets, templates),
    deps.store.listBlockers(),
  ]);
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
        state: a.state as 'OK' | 'ALARM' | 'INSUFFICIENT_DATA',
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
