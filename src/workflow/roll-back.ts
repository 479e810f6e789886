import { decideRollback } from '../core/alias.js';
import { AliasConflictError, ConflictError } from '../core/errors.js';
import type { ResolvedPipeline, Target } from '../core/pipeline.js';
import { aliasKey } from '../core/targets.js';
import { isoNow } from '../ports/clock.js';
import type { DeploymentRecord, RollbackInfo, TargetRecord } from '../ports/store.js';
import { acquireLock, loadDeployment, loadPipeline, record, releaseAll } from './context.js';
import type { StepDeps } from './deps.js';
import { aliasRef, toRouting } from './routing.js';
import type { RollBackInputT } from './step-inputs.js';
import { stopWatching } from './watches.js';

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

/*
 * The fence between a rollback and the step that raises weights (ShiftWeight: the one-box and rolling),
 * which may run at the same time when the alarm watcher rolls back a running deployment:
 *
 *   raise a weight (applyStep)                 roll back (beginRollback, then revertTarget)
 *   R1 read the alias: RevisionId r            B1 mark the deployment rolling_back
 *   R2 read the deployment: running?           B2 read the target records
 *   R3 UpdateAlias(weight up, RevisionId r)    B3 read the alias: RevisionId r'
 *                                              B4 UpdateAlias(previous version, new description,
 *                                                 RevisionId r'): the revision ALWAYS changes
 *
 * If R2 comes after B1, the step sees the rollback and refuses to move traffic. Otherwise
 * R1 < R2 < B1 < B3, so the step's r was read before the rollback read the alias. Then either R3
 * lands before B3 (the rollback reads the raised weight and takes it down in B4), or R3 comes
 * after B3: if before B4, B4 fails on its stale r' (r' = r, R3 changed it), re-reads and takes
 * the weight down; if after B4, R3 fails on its stale r (B4 changed it even when the routing was
 * already right, which is why B4 writes a description) and the retried step sees the rollback in
 * R2. So once B4 has written a target's alias no step moves its traffic again, and every order
 * ends with the weight down; only a step that passed R2 before B1 may land between B1 and B4.
 * A target that is prepared concurrently is in B2's read: its record is written before its
 * first step starts, so before R1. test/unit/workflow/fence.property.test.ts checks every order.
 */

/** Puts one target back on its previous version at 100 %, re-reading the alias if it moved under us. */
async function revertTarget(
  deps: StepDeps,
  deploymentId: string,
  t: Target,
  progress: TargetRecord,
): Promise<{ outcome: RevertOutcome; detail?: string }> {
  const previous = progress.previousVersion!;
  const candidate = progress.newVersion!;
  for (let attempt = 0; ; attempt++) {
    const current = await deps.router.getAlias(aliasRef(t));
    const decision = decideRollback(toRouting(current), previous, candidate);
    if (decision.action === 'foreign') return { outcome: 'foreign', detail: decision.detail };
    try {
      // Written even when the routing is already right: the new RevisionId is the fence.
      await deps.router.updateAlias(aliasRef(t), {
        functionVersion: previous,
        additional: null,
        revisionId: current.revisionId,
        description: `breakwater: ${deploymentId} rolled back to v${previous} at ${isoNow(deps.clock)}`.slice(
          0,
          256,
        ),
      });
      return { outcome: decision.action === 'none' ? 'already' : 'reverted' };
    } catch (error) {
      if (!(error instanceof AliasConflictError) || attempt >= 3) throw error;
    }
  }
}

/**
 * Marks a deployment as rolling back, with why, before any alias is touched (the fence's first
 * step). The first reason wins: a second caller (another check, the watcher on a duplicate event)
 * keeps it and gets the record as it is.
 */
export async function beginRollback(
  deps: StepDeps,
  deploymentId: string,
  info: Omit<RollbackInfo, 'detectedAt'>,
): Promise<DeploymentRecord> {
  const now = isoNow(deps.clock);
  try {
    return await deps.store.updateDeployment(
      deploymentId,
      { status: 'rolling_back', updatedAt: now, rollback: { ...info, detectedAt: now } },
      { onlyIfStatusIn: ['running'] },
    );
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const current = error.existing as DeploymentRecord | undefined;
    if (current?.rollback || current?.status !== 'running') {
      deps.log.info('rollback already begun or deployment ended', { deploymentId, status: current?.status });
      return current ?? (await loadDeployment(deps, deploymentId));
    }
    throw error;
  }
}

/**
 * Takes every target of the scope that carries (or may carry) the new version back to the version
 * recorded before it moved, at 100 %, in parallel; records each in the timeline. Targets already
 * recorded as rolled back are not touched again. If any revert fails, the others still happen and
 * the first failure is thrown so the caller retries.
 */
export async function revertTargets(
  deps: StepDeps,
  deployment: DeploymentRecord,
  pipeline: ResolvedPipeline,
  scope: { readonly waveIndex?: number },
): Promise<{ id: string; outcome: RevertOutcome }[]> {
  const all = await deps.store.getTargets(deployment.id);
  const inScope = all.filter(
    (r) =>
      (scope.waveIndex === undefined || r.waveIndex === scope.waveIndex) &&
      r.previousVersion &&
      r.newVersion &&
      r.status !== 'rolled_back',
  );
  const defs = new Map(pipeline.waves.flatMap((w) => w.targets.map((t) => [t.id, t] as const)));
  const results = await Promise.allSettled(
    inScope.map(async (progress) => {
      const t = defs.get(progress.targetId)!;
      const lock = await acquireLock(deps, aliasKey(t), deployment.id, isoNow(deps.clock));
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
      const { outcome, detail } = await revertTarget(deps, deployment.id, t, progress);
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
      return { id: t.id, outcome };
    }),
  );
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) throw failures[0]!.reason;
  return results.map((r) => (r as PromiseFulfilledResult<{ id: string; outcome: RevertOutcome }>).value);
}

/**
 * Rolls back a wave or a whole deployment (the workflow's RollBack step): every target that
 * carries traffic of the new version goes back to the version recorded before it moved, at
 * 100 %. Idempotent, never blocked, no analysis: it only reads aliases and writes them back.
 */
export async function rollBack(
  deps: StepDeps,
  input: RollBackInputT,
): Promise<{ reverted: string[]; failed: number }> {
  let deployment: DeploymentRecord = await loadDeployment(deps, input.deploymentId);
  const pipeline = await loadPipeline(deps, deployment.pipelineName, deployment.pipelineVersion);
  if (!deployment.rollback) {
    deployment = await beginRollback(deps, deployment.id, {
      reason: describeFailure(input.error),
      triggeredBy: 'step',
    });
    if (!deployment.rollback) {
      // Ended meanwhile without a rollback (cannot happen through the workflow): mark it anyway.
      deployment = await deps.store.updateDeployment(deployment.id, {
        status: 'rolling_back',
        rollback: {
          reason: describeFailure(input.error),
          detectedAt: isoNow(deps.clock),
          triggeredBy: 'step',
        },
      });
    }
  }
  const done = await revertTargets(
    deps,
    deployment,
    pipeline,
    input.scope === 'wave' ? { waveIndex: input.waveIndex } : {},
  );
  const now = isoNow(deps.clock);

  if (input.scope === 'wave') {
    const wave = pipeline.waves[input.waveIndex];
    if (wave) await stopWatching(deps, deployment.id, wave);
    await deps.store.updateWave(deployment.id, input.waveIndex, { status: 'rolled_back', endedAt: now });
    await record(deps, deployment.id, {
      key: `wave-rolled-back:${input.waveIndex}`,
      type: 'wave-rolled-back',
      wave: input.waveIndex,
      message: `wave ${wave?.name ?? input.waveIndex} rolled back (${done.filter((d) => d.outcome === 'reverted').length} target(s) reverted)`,
    });
  } else {
    const foreign = done.some((d) => d.outcome === 'foreign');
    // A wave whose own rollback step gave up is still marked in flight: close it here.
    const view = await deps.store.getDeploymentView(deployment.id);
    const targets = view?.targets ?? [];
    const rollback = view?.deployment.rollback ?? deployment.rollback!;
    await Promise.all(pipeline.waves.map((w) => stopWatching(deps, deployment.id, w)));
    await Promise.all(
      (view?.waves ?? [])
        .filter((w) => w.status === 'deploying' || w.status === 'baking')
        .map((w) => deps.store.updateWave(deployment.id, w.index, { status: 'rolled_back', endedAt: now })),
    );
    const failedTargets = foreign || targets.some((t) => t.status === 'failed');
    const expired = rollback.triggeredBy === 'hold-expired';
    const ended = { ...rollback, trafficOffAt: rollback.trafficOffAt ?? now };
    // Locks and the end event before the status: the status is the commit point. Stopped in
    // between, the deployment is still rolling_back and its rollback runs again (idempotent).
    await releaseAll(deps, pipeline, deployment.id);
    await record(deps, deployment.id, {
      key: 'deployment-rolled-back',
      type: failedTargets ? 'deployment-failed' : expired ? 'deployment-expired' : 'deployment-rolled-back',
      message: `deployment ${failedTargets ? 'failed: some targets could not be rolled back' : expired ? 'expired' : 'rolled back'}: ${rollback.reason}`,
      data: { ...ended },
    });
    await deps.store.updateDeployment(deployment.id, {
      status: failedTargets ? 'failed' : expired ? 'expired' : 'rolled_back',
      updatedAt: now,
      endedAt: now,
      rollback: ended,
    });
  }
  return { reverted: done.filter((d) => d.outcome === 'reverted').map((d) => d.id), failed: 0 };
}
