import { decideShift } from '../core/alias.js';
import { NotFoundError, RollbackStartedError } from '../core/errors.js';
import type { RolloutStep } from '../core/rollout.js';
import { isoNow } from '../ports/clock.js';
import type { TargetStatus } from '../ports/store.js';
import { loadDeployment, loadWave, record, targetAt } from './context.js';
import type { StepDeps } from './deps.js';
import { aliasRef, toAdditional, toRouting } from './routing.js';

/**
 * Applies one traffic step (the one-box or a rolling weight) to one target. Idempotent: the
 * alias update is computed from what the alias routes now and guarded by its RevisionId, so a
 * retried step changes nothing twice.
 */
export async function applyStep(
  deps: StepDeps,
  input: { deploymentId: string; waveIndex: number; targetIndex: number; step: RolloutStep },
): Promise<{ targetIndex: number; appliedAtMs: number }> {
  const { deployment, wave } = await loadWave(deps, input.deploymentId, input.waveIndex);
  const t = targetAt(wave, input.targetIndex);
  const progress = (await deps.store.getTargets(deployment.id, wave.index)).find((r) => r.targetId === t.id);
  if (!progress?.previousVersion || !progress.newVersion) {
    throw new NotFoundError(`${t.id} was not prepared before step ${input.step.index}`);
  }
  const now = deps.clock.nowMs();
  if (progress.stepIndex !== undefined && progress.stepIndex > input.step.index) {
    // A resumed deployment replays earlier steps: traffic never moves backwards, the step re-bakes.
    return { targetIndex: input.targetIndex, appliedAtMs: now };
  }
  const ref = aliasRef(t);
  // The fence (see roll-back.ts): read the alias, THEN make sure no rollback has begun, then
  // write with the RevisionId read first. A rollback that began in between changes the RevisionId.
  const current = await deps.router.getAlias(ref);
  const fresh = await loadDeployment(deps, deployment.id);
  if (fresh.rollback || fresh.cancelRequest || fresh.status !== 'running') {
    throw new RollbackStartedError(
      `${t.id}: not moving traffic to ${input.step.weight}%: ${
        fresh.rollback
          ? `rollback begun: ${fresh.rollback.reason}`
          : fresh.cancelRequest
            ? `stopped by ${fresh.cancelRequest.by}`
            : `deployment is ${fresh.status}`
      }`,
    );
  }
  const want = decideShift(
    toRouting(current),
    progress.previousVersion,
    progress.newVersion,
    input.step.weight,
  );
  if (want) {
    await deps.router.updateAlias(ref, {
      functionVersion: want.primary,
      additional: toAdditional(want),
      revisionId: current.revisionId,
    });
  }
  const status: TargetStatus =
    input.step.weight >= 100 ? 'deployed' : input.step.kind === 'one-box' ? 'one_box' : 'rolling';
  if (progress.weight !== input.step.weight || progress.status !== status) {
    await deps.store.updateTarget(deployment.id, wave.index, t.id, {
      status,
      weight: input.step.weight,
      stepIndex: input.step.index,
      updatedAt: isoNow(deps.clock),
    });
    await record(deps, deployment.id, {
      key: `step:${wave.index}:${t.id}:${input.step.index}`,
      type: input.step.kind === 'one-box' ? 'one-box-started' : 'weight-shifted',
      wave: wave.index,
      target: t.id,
      message:
        input.step.kind === 'one-box'
          ? `${t.id} one-box: ${input.step.weight}% of traffic on v${progress.newVersion}`
          : `${t.id} at ${input.step.weight}% on v${progress.newVersion}`,
      data: { weight: input.step.weight, version: progress.newVersion },
    });
  }
  return { targetIndex: input.targetIndex, appliedAtMs: now };
}
