import type { Target } from '../core/pipeline.js';
import { mergeWindow } from '../core/windows.js';
import { isoNow } from '../ports/clock.js';
import type { TargetRecord } from '../ports/store.js';
import { assessStart, batchStartTemplates, holdingBlockers, readStartInputs } from './blocker-check.js';
import { record, type WaveContext } from './context.js';
import type { StepDeps } from './deps.js';
import { noteHold } from './hold.js';
import { startWatching } from './watches.js';

export type BatchStartResult =
  | { status: 'ready' }
  | { status: 'blocked'; blocked: string[]; waitSeconds: number };

/**
 * Before a batch's targets start: each target's own time window (in its region), its blocker
 * alarms and the alarms that will watch it (one in ALARM would roll it back at once), manual
 * blocks and overrides. The alarms of the whole batch are read in one
 * DescribeAlarms batch per account/region, the blocks and overrides once — never once per
 * target. Targets already prepared (a resumed deployment) are not held again. The caller
 * (prepareBatch) has read the deployment, the wave and the target records.
 */
export async function checkBatchStart(
  deps: StepDeps,
  ctx: WaveContext,
  records: ReadonlyMap<string, TargetRecord>,
  targets: readonly number[],
): Promise<BatchStartResult> {
  const { deployment, pipeline, wave } = ctx;
  const batch = targets.map((i) => wave.targets[i]).filter((t): t is Target => t !== undefined);
  // Watching starts before the alarms are read: an alarm that enters ALARM after this read is
  // found by the alarm watcher through these records; one already in ALARM is seen by the read.
  await startWatching(deps, deployment.id, wave, batch);
  const pending = batch.filter((t) => !records.get(t.id)?.previousVersion);
  if (pending.length === 0) return { status: 'ready' };

  const templates = batchStartTemplates(deps, wave);
  const readings = await readStartInputs(deps, wave, pending, deployment.id, templates);
  const now = isoNow(deps.clock);
  const held: { id: string; waitSeconds: number; kinds: string[] }[] = [];
  for (const t of pending) {
    const assessment = await assessStart(
      deps,
      {
        deployment,
        pipeline,
        wave,
        targets: [t],
        window: mergeWindow(wave.window, undefined, t.window),
        region: t.region,
        overrides: readings.overrides,
        starting: { pipeline: pipeline.name, wave: wave.name, target: t.id },
      },
      readings,
      templates,
    );
    const holding = holdingBlockers(assessment);
    if (holding.length === 0) continue;
    held.push({ id: t.id, waitSeconds: assessment.waitSeconds, kinds: holding.map((b) => b.kind) });
    if (records.get(t.id)?.status !== 'blocked') {
      await deps.store.putTarget({
        deploymentId: deployment.id,
        waveIndex: wave.index,
        targetId: t.id,
        status: 'blocked',
        weight: 0,
        updatedAt: now,
      });
    }
    await record(deps, deployment.id, {
      key: `target-blocked:${wave.index}:${t.id}:${holding.map((b) => b.id).join(',')}`,
      type: 'target-blocked',
      wave: wave.index,
      target: t.id,
      message: `${t.id} waits: ${holding.map((b) => b.description).join('; ')}`,
    });
  }
  if (held.length === 0) return { status: 'ready' };
  await noteHold(
    deps,
    deployment,
    pipeline,
    `wave ${wave.name}: ${held.map((h) => h.id).join(', ')} held by blockers`,
    held.flatMap((h) => h.kinds),
  );
  return {
    status: 'blocked',
    blocked: held.map((h) => h.id),
    waitSeconds: Math.min(...held.map((h) => h.waitSeconds)),
  };
}
