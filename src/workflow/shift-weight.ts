import { decideShift } from '../core/alias.js';
import { NotFoundError, RollbackStartedError } from '../core/errors.js';
import type { Target } from '../core/pipeline.js';
import type { RolloutStep } from '../core/rollout.js';
import { isoNow } from '../ports/clock.js';
import type { AliasState } from '../ports/fleet.js';
import type { DeploymentRecord, TargetRecord, TargetStatus } from '../ports/store.js';
import { type CheckResult, firstCheck } from './check-health.js';
import { loadDeployment, loadWave, record, targetAt } from './context.js';
import type { StepDeps } from './deps.js';
import { settleAll } from './parallel.js';
import { aliasRef, toAdditional, toRouting } from './routing.js';

/** When a step took effect on one target of the batch (the bake that follows starts from it). */
export interface AppliedStep {
  readonly targetIndex: number;
  readonly appliedAtMs: number;
}

/** Why no step may move traffic now, or undefined when it may. */
function refusal(d: DeploymentRecord): string | undefined {
  if (d.rollback) return `rollback begun: ${d.rollback.reason}`;
  if (d.cancelRequest) return `stopped by ${d.cancelRequest.by}`;
  if (d.status !== 'running') return `deployment is ${d.status}`;
  return undefined;
}

/**
 * Applies one traffic step (the one-box or a rolling weight) to every target of a batch, in one
 * invocation: the deployment, the pipeline and the target records are read once for the batch.
 * Idempotent: each alias update is computed from what the alias routes now and guarded by its
 * RevisionId, so a retried step changes nothing twice. The fence (see roll-back.ts): every alias
 * is read BEFORE the deployment is checked for a rollback, and written with the RevisionId read
 * first. If one target fails, the others are still applied and the first failure is thrown (the
 * step is retried, or the batch fails and rolls back).
 */
export async function applyStepToBatch(
  deps: StepDeps,
  input: { deploymentId: string; waveIndex: number; targets: readonly number[]; step: RolloutStep },
): Promise<{ shift: AppliedStep[]; check: CheckResult }> {
  const { deployment, wave } = await loadWave(deps, input.deploymentId, input.waveIndex);
  const records = new Map(
    (await deps.store.getTargets(deployment.id, wave.index)).map((r) => [r.targetId, r]),
  );
  const now = deps.clock.nowMs();
  const todo: { index: number; t: Target; progress: TargetRecord }[] = [];
  const replayed: AppliedStep[] = [];
  for (const index of input.targets) {
    const t = targetAt(wave, index);
    const progress = records.get(t.id);
    if (!progress?.previousVersion || !progress.newVersion) {
      throw new NotFoundError(`${t.id} was not prepared before step ${input.step.index}`);
    }
    // A resumed deployment replays earlier steps: traffic never moves backwards, the step re-bakes.
    if (progress.stepIndex !== undefined && progress.stepIndex > input.step.index) {
      replayed.push({ targetIndex: index, appliedAtMs: now });
    } else todo.push({ index, t, progress });
  }

  // R1: read every alias; R2: then make sure no rollback has begun; R3: write with R1's RevisionId.
  const current = await settleAll(todo, ({ t }) => deps.router.getAlias(aliasRef(t)));
  const fresh = todo.length > 0 ? await loadDeployment(deps, deployment.id) : deployment;
  const refused = refusal(fresh);
  if (todo.length > 0 && refused) {
    throw new RollbackStartedError(
      `not moving ${todo.map(({ t }) => t.id).join(', ')} to ${input.step.weight}%: ${refused}`,
    );
  }
  const applied = await settleAll(todo, async ({ index, t, progress }, i) => {
    await shiftTarget(deps, deployment.id, wave.index, t, progress, input.step, current[i] as AliasState);
    return { targetIndex: index, appliedAtMs: now };
  });
  const byIndex = new Map([...replayed, ...applied].map((a) => [a.targetIndex, a]));
  return {
    shift: input.targets.map((index) => byIndex.get(index) as AppliedStep),
    // The step's health check or bake starts now; its first check comes one safety poll later.
    check: firstCheck(wave, input.step.bakeSeconds),
  };
}

async function shiftTarget(
  deps: StepDeps,
  deploymentId: string,
  waveIndex: number,
  t: Target,
  progress: TargetRecord,
  step: RolloutStep,
  current: AliasState,
): Promise<void> {
  const newVersion = progress.newVersion as string;
  const want = decideShift(toRouting(current), progress.previousVersion as string, newVersion, step.weight);
  if (want) {
    await deps.router.updateAlias(aliasRef(t), {
      functionVersion: want.primary,
      additional: toAdditional(want),
      revisionId: current.revisionId,
    });
  }
  const status: TargetStatus =
    step.weight >= 100 ? 'deployed' : step.kind === 'one-box' ? 'one_box' : 'rolling';
  if (progress.weight === step.weight && progress.status === status) return;
  await deps.store.updateTarget(deploymentId, waveIndex, t.id, {
    status,
    weight: step.weight,
    stepIndex: step.index,
    updatedAt: isoNow(deps.clock),
  });
  await record(deps, deploymentId, {
    key: `step:${waveIndex}:${t.id}:${step.index}`,
    type: step.kind === 'one-box' ? 'one-box-started' : 'weight-shifted',
    wave: waveIndex,
    target: t.id,
    message:
      step.kind === 'one-box'
        ? `${t.id} one-box: ${step.weight}% of traffic on v${newVersion}`
        : `${t.id} at ${step.weight}% on v${newVersion}`,
    data: { weight: step.weight, version: newVersion },
  });
}

/**
 * Applies one traffic step to one target (a batch of one).
 *
 * @example await applyStep(deps, { deploymentId: 'd1', waveIndex: 0, targetIndex: 0, step })
 */
export async function applyStep(
  deps: StepDeps,
  input: { deploymentId: string; waveIndex: number; targetIndex: number; step: RolloutStep },
): Promise<AppliedStep> {
  const { shift } = await applyStepToBatch(deps, { ...input, targets: [input.targetIndex] });
  return shift[0] as AppliedStep;
}
