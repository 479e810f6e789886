import { formatDuration } from '../core/duration.js';
import { DeploymentCancelledError } from '../core/errors.js';
import { activeExpedite, expediteSteps } from '../core/expedite.js';
import { hasHooks, type RolloutStep, rolloutSteps, targetBatches } from '../core/rollout.js';
import { isoNow } from '../ports/clock.js';
import { loadWave, record } from './context.js';
import type { StepDeps } from './deps.js';

/** Marks a wave as deploying and hands the state machine its batches and steps. */
export async function startWave(
  deps: StepDeps,
  input: { deploymentId: string; waveIndex: number },
): Promise<{
  name: string;
  batches: number[][];
  batchCount: number;
  steps: RolloutStep[];
  stepCount: number;
  /** Which hook steps the wave and each batch run (the state machines skip the others). */
  hooks: { beforeTraffic: boolean; waveBeforeTraffic: boolean; waveAfterTraffic: boolean };
}> {
  const { deployment, pipeline, wave } = await loadWave(deps, input.deploymentId, input.waveIndex);
  if (deployment.cancelRequest) {
    throw new DeploymentCancelledError(
      `stopped by ${deployment.cancelRequest.by}: ${deployment.cancelRequest.reason}`,
    );
  }
  const now = isoNow(deps.clock);
  await deps.store.putWave({
    deploymentId: deployment.id,
    index: wave.index,
    name: wave.name,
    status: 'deploying',
    startedAt: now,
  });
  await deps.store.updateDeployment(deployment.id, { currentWave: wave.index, updatedAt: now });
  const batches = targetBatches(wave);
  await record(deps, deployment.id, {
    key: `wave-started:${wave.index}`,
    type: 'wave-started',
    wave: wave.index,
    message: `wave ${wave.name} started: ${wave.targets.length} target(s) in ${batches.length} batch(es) of up to ${wave.concurrency}`,
  });
  const policy = activeExpedite(pipeline, deployment.expedite);
  const steps = expediteSteps(rolloutSteps(wave), policy);
  if (deployment.expedite) {
    await record(deps, deployment.id, {
      key: `expedite:${wave.index}:${policy ? 'on' : 'off'}`,
      type: policy ? 'expedite-applied' : 'expedite-not-approved',
      wave: wave.index,
      message: policy
        ? `wave ${wave.name} expedited (requested by ${deployment.expedite.requestedBy}, approved by ${deployment.expedite.approvedBy}): bakes at ${Math.round(policy.bakeFraction * 100)}%, never below ${formatDuration(policy.minBake)}; one-box and alarm rollback unchanged`
        : `wave ${wave.name} runs at normal speed: the expedite requested by ${deployment.expedite.requestedBy} ${pipeline.expedite ? 'is not approved by someone else yet' : 'has no expedite policy in this pipeline'}`,
    });
  }
  const hooks = {
    beforeTraffic: hasHooks(wave, 'beforeTraffic', 'target'),
    waveBeforeTraffic: hasHooks(wave, 'beforeTraffic', 'wave'),
    waveAfterTraffic: hasHooks(wave, 'afterTraffic', 'wave'),
  };
  return { name: wave.name, batches, batchCount: batches.length, steps, stepCount: steps.length, hooks };
}
