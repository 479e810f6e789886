import { decideRollback } from '../core/alias.js';
import { AliasConflictError } from '../core/errors.js';
import type { Target } from '../core/pipeline.js';
import { aliasKey } from '../core/targets.js';
import { isoNow } from '../ports/clock.js';
import type { DeploymentRecord, TargetRecord } from '../ports/store.js';
import { loadDeployment, loadPipeline, record, releaseAll } from './context.js';
import type { StepDeps } from './deps.js';
import { aliasRef, toRouting } from './routing.js';
import type { RollBackInputT } from './step-inputs.js';

/** Digs the innermost Error/Cause out of a Step Functions error (child executions nest them as JSON). */
export function describeFailure(error: { Error?: string; Cause?: string } | undefined): string {
  let name = error?.Error ?? 'unknown error';
  let cause = error?.Cause ?? '';
  for (let depth = 0; depth < 5; depth++) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(cause);
    } catch {
      break;
    }
    if (!parsed || typeof parsed !== 'object') break;
    const p = parsed as Record<string, unknown>;
    const innerError = p.Error ?? p.errorType ?? p.error;
    const innerCause = p.Cause ?? p.errorMessage ?? p.cause;
    if (typeof innerError !== 'string' && typeof innerCause !== 'string') break;
    if (typeof innerError === 'string') name = innerError;
    cause = typeof innerCause === 'string' ? innerCause : '';
  }
  return cause ? `${name}: ${cause}` : name;
}

type RevertOutcome = 'reverted' | 'already' | 'foreign' | 'left';

/** Puts one target back on its previous version at 100 %, re-reading the alias if it moved under us. */
async function revertTarget(
  deps: StepDeps,
  t: Target,
  progress: TargetRecord,
): Promise<{ outcome: RevertOutcome; detail?: string }> {
  const previous = progress.previousVersion!;
  const candidate = progress.newVersion!;
  for (let attempt = 0; ; attempt++) {
    const current = await deps.router.getAlias(aliasRef(t));
    const decision = decideRollback(toRouting(current), previous, candidate);
    if (decision.action === 'none') return { outcome: 'already' };
    if (decision.action === 'foreign') return { outcome: 'foreign', detail: decision.detail };
    try {
      await deps.router.updateAlias(aliasRef(t), {
        functionVersion: previous,
        additional: null,
        revisionId: current.revisionId,
      });
      return { outcome: 'reverted' };
    } catch (error) {
      if (!(error instanceof AliasConflictError) || attempt >= 3) throw error;
    }
  }
}

/**
 * Rolls back a wave or a whole deployment: every target that carries traffic of the new version
 * goes back to the version recorded before it moved, at 100 %. Idempotent, never blocked, no
 * analysis: it only reads aliases and writes them back. Targets are reverted in parallel; if any
 * revert fails, the others still happen and the step fails so Step Functions retries it.
 */
export async function rollBack(
  deps: StepDeps,
  input: RollBackInputT,
): Promise<{ reverted: string[]; failed: number }> {
  let deployment: DeploymentRecord = await loadDeployment(deps, input.deploymentId);
  const pipeline = await loadPipeline(deps, deployment.pipelineName, deployment.pipelineVersion);
  if (!deployment.rollback) {
    const reason = describeFailure(input.error);
    deployment = await deps.store.updateDeployment(deployment.id, {
      status: 'rolling_back',
      updatedAt: isoNow(deps.clock),
      rollback: { reason, detectedAt: isoNow(deps.clock) },
    });
  }
  const all = await deps.store.getTargets(deployment.id);
  const inScope = all.filter(
    (r) =>
      (input.scope === 'deployment' || r.waveIndex === input.waveIndex) && r.previousVersion && r.newVersion,
  );
  const defs = new Map(pipeline.waves.flatMap((w) => w.targets.map((t) => [t.id, t] as const)));

  const results = await Promise.allSettled(
    inScope.map(async (progress) => {
      const t = defs.get(progress.targetId)!;
      const lock = await deps.store.acquireLock(aliasKey(t), deployment.id, isoNow(deps.clock));
      if (!lock.acquired) {
        // A newer change took this target after our wave finished on it: it is that change's now.
        await record(deps, deployment.id, {
          key: `rollback-left:${progress.waveIndex}:${t.id}`,
          type: 'rollback-left-to-newer-change',
          wave: progress.waveIndex,
          target: t.id,
          message: `${t.id} left as it is: deployment ${lock.holder} has taken it since this change finished there`,
        });
        return { id: t.id, outcome: 'left' as RevertOutcome };
      }
      const { outcome, detail } = await revertTarget(deps, t, progress);
      if (outcome !== 'already' || progress.status !== 'rolled_back') {
        await deps.store.updateTarget(deployment.id, progress.waveIndex, t.id, {
          status: outcome === 'foreign' ? 'failed' : 'rolled_back',
          weight: 0,
          updatedAt: isoNow(deps.clock),
        });
        await record(deps, deployment.id, {
          key: `rolled-back:${progress.waveIndex}:${t.id}`,
          type: outcome === 'foreign' ? 'rollback-skipped' : 'target-rolled-back',
          wave: progress.waveIndex,
          target: t.id,
          message:
            outcome === 'foreign'
              ? `${t.id} not rolled back: its alias now routes ${detail}, which this deployment did not put there`
              : `${t.id} rolled back: 100% on v${progress.previousVersion}`,
        });
      }
      return { id: t.id, outcome };
    }),
  );
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) throw failures[0]!.reason;
  const done = results.map(
    (r) => (r as PromiseFulfilledResult<{ id: string; outcome: RevertOutcome }>).value,
  );
  const now = isoNow(deps.clock);

  if (input.scope === 'wave') {
    await deps.store.updateWave(deployment.id, input.waveIndex, { status: 'rolled_back', endedAt: now });
    await record(deps, deployment.id, {
      key: `wave-rolled-back:${input.waveIndex}`,
      type: 'wave-rolled-back',
      wave: input.waveIndex,
      message: `wave ${pipeline.waves[input.waveIndex]?.name ?? input.waveIndex} rolled back (${done.filter((d) => d.outcome === 'reverted').length} target(s) reverted)`,
    });
  } else {
    const foreign = done.some((d) => d.outcome === 'foreign');
    const rollback = deployment.rollback!;
    // A wave whose own rollback step gave up is still marked in flight: close it here.
    const view = await deps.store.getDeploymentView(deployment.id);
    await Promise.all(
      (view?.waves ?? [])
        .filter((w) => w.status === 'deploying' || w.status === 'baking')
        .map((w) => deps.store.updateWave(deployment.id, w.index, { status: 'rolled_back', endedAt: now })),
    );
    await deps.store.updateDeployment(deployment.id, {
      status: foreign ? 'failed' : 'rolled_back',
      updatedAt: now,
      endedAt: now,
      rollback: { ...rollback, trafficOffAt: rollback.trafficOffAt ?? now },
    });
    await releaseAll(deps, pipeline, deployment.id);
    await record(deps, deployment.id, {
      key: 'deployment-rolled-back',
      type: foreign ? 'deployment-failed' : 'deployment-rolled-back',
      message: `deployment ${foreign ? 'failed: some targets could not be rolled back' : 'rolled back'}: ${rollback.reason}`,
      data: { ...rollback },
    });
  }
  return { reverted: done.filter((d) => d.outcome === 'reverted').map((d) => d.id), failed: 0 };
}
