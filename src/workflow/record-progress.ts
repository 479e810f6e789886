import { formatDuration } from '../core/duration.js';
import { ConflictError, RollbackStartedError } from '../core/errors.js';
import { activeExpedite, expediteBake } from '../core/expedite.js';
import { aliasKey } from '../core/targets.js';
import { isoNow } from '../ports/clock.js';
import { type CheckResult, firstCheck } from './check-health.js';
import { loadDeployment, loadPipeline, record, releaseAll } from './context.js';
import { countSucceeded } from './deployment-metrics.js';
import type { StepDeps } from './deps.js';
import { stopWatching } from './watches.js';

type ProgressInput =
  | { deploymentId: string; waveIndex: number; event: 'wave-bake-started' | 'wave-succeeded' }
  | { deploymentId: string; event: 'deployment-succeeded' };

/** Records a milestone the state machine reached. Idempotent. */
export async function recordProgress(
  deps: StepDeps,
  input: ProgressInput,
): Promise<{ startedAtMs?: number; check?: CheckResult }> {
  const now = isoNow(deps.clock);
  const deployment = await loadDeployment(deps, input.deploymentId);
  const pipeline = await loadPipeline(deps, deployment.pipelineName, deployment.pipelineVersion);
  if (input.event === 'deployment-succeeded') {
    try {
      await deps.store.updateDeployment(
        deployment.id,
        { status: 'succeeded', updatedAt: now, endedAt: now },
        { onlyIfStatusIn: ['running', 'succeeded'] },
      );
    } catch (error) {
      if (error instanceof ConflictError)
        throw new ConflictError(
          `deployment ${deployment.id} cannot succeed: it is ${deployment.status}`,
          error.existing,
        );
      throw error;
    }
    // Counted by the call that moved it from running; a retry finds it succeeded already.
    if (deployment.status === 'running') countSucceeded(deps, deployment, now);
    await releaseAll(deps, pipeline, deployment.id);
    await record(deps, deployment.id, {
      key: 'deployment-succeeded',
      type: 'deployment-succeeded',
      message: `deployment succeeded: change ${deployment.change.id} is on every target of ${pipeline.name}`,
    });
    return {};
  }
  const wave = pipeline.waves[input.waveIndex];
  const name = wave?.name ?? String(input.waveIndex);
  if (input.event === 'wave-bake-started') {
    const startedAtMs = deps.clock.nowMs();
    await deps.store.updateWave(deployment.id, input.waveIndex, { status: 'baking' });
    const bake = wave
      ? expediteBake(
          { seconds: wave.bake.duration, minDataPoints: wave.bake.minDataPoints },
          activeExpedite(pipeline, deployment.expedite),
        )
      : undefined;
    await record(deps, deployment.id, {
      key: `wave-bake-started:${input.waveIndex}`,
      type: 'wave-bake-started',
      wave: input.waveIndex,
      message: `wave ${name} is at 100% everywhere; baking ${wave ? `${formatDuration(wave.bake.duration)} and ${wave.bake.minDataPoints} data points` : ''}`,
    });
    return { startedAtMs, ...(wave && bake ? { check: firstCheck(wave, bake.seconds) } : {}) };
  }
  // The alarm watcher may have begun a rollback after the last check said baked: it wins.
  if (deployment.rollback) throw new RollbackStartedError(`rollback begun: ${deployment.rollback.reason}`);
  if (wave) await stopWatching(deps, deployment.id, wave);
  await deps.store.updateWave(deployment.id, input.waveIndex, { status: 'succeeded', endedAt: now });
  // The wave's targets are done: the next change of the pipeline may take them (pipelining). If a
  // later wave fails, the rollback takes each lock back first and leaves a target a newer change holds.
  await Promise.all((wave?.targets ?? []).map((t) => deps.store.releaseLock(aliasKey(t), deployment.id)));
  await record(deps, deployment.id, {
    key: `wave-succeeded:${input.waveIndex}`,
    type: 'wave-succeeded',
    wave: input.waveIndex,
    message: `wave ${name} succeeded`,
  });
  return {};
}
