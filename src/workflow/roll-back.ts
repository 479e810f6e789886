import { decideRollback, describeRouting, type Routing } from '../core/alias.js';
import { AliasConflictError, ConflictError, TransientError } from '../core/errors.js';
import type { ResolvedPipeline, Target } from '../core/pipeline.js';
import { aliasKey } from '../core/targets.js';
import { isoNow } from '../ports/clock.js';
import type { DeploymentRecord, RollbackInfo, TargetRecord, TargetRef } from '../ports/store.js';
import { acquireLock, loadDeployment, loadPipeline, record, releaseAll } from './context.js';
import { countRolledBack, recordTrafficOff } from './deployment-metrics.js';
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

type RevertOutcome = 'reverted' | 'already' | 'foreign' | 'left' | 'busy';

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

/** Puts one target back on the version to restore at 100 %, re-reading the alias if it moved under us. */
async function revertTarget(
  deps: StepDeps,
  deploymentId: string,
  t: Target,
  candidate: string,
  restore: Restore,
): Promise<{ outcome: RevertOutcome; routing: Routing }> {
  const previous = restore.version;
  for (let attempt = 0; ; attempt++) {
    const current = await deps.router.getAlias(aliasRef(t));
    const routing = toRouting(current);
    const decision = decideRollback(routing, previous, candidate, restore.withdrawn);
    if (decision.action === 'foreign') return { outcome: 'foreign', routing };
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
      return { outcome: decision.action === 'none' ? 'already' : 'reverted', routing };
    } catch (error) {
      if (!(error instanceof AliasConflictError) || attempt >= 3) throw error;
    }
  }
}

/** Where a target's rollback goes: the version to restore, and the withdrawn versions it passes. */
interface Restore {
  readonly version: string;
  readonly withdrawn: readonly string[];
  /** Deployments whose withdrawn versions these are, oldest last. */
  readonly via: readonly string[];
}

/** How far a chain of pipelined changes is followed (far more than a pipeline's waves). */
const MAX_CHAIN = 25;

/*
 * Pipelining hands a target from change to change: A finishes a wave, B takes its targets and
 * records A's version as the one to restore. If A then rolls back (a later wave failed), A leaves
 * the target to B, which owns it now — but A's version was judged bad, so should B roll back too,
 * it must not restore A's version. Each target record names whose version its previousVersion was
 * (`previousOwner`); this follows that chain past every owner that has begun a rollback, to the
 * version the oldest of them restores.
 *
 * Race: A marks itself rolling back before it tries B's lock; B reads A here after marking itself.
 * So if B read A as running, B had not begun when A tried the lock: A found B running and left
 * the target to B, and B restores A's version, which A then no longer owns... unless A tried the
 * lock after B began: then A finds B rolling back, waits ('busy', its step retried) until B has
 * let go, and reverts whatever B restored. Either way the target ends on a version no rolled-back
 * change put there.
 */
async function restoreFor(deps: StepDeps, progress: TargetRecord): Promise<Restore> {
  let version = progress.previousVersion!;
  let owner = progress.previousOwner;
  const withdrawn: string[] = [];
  const via: string[] = [];
  for (let depth = 0; owner && depth < MAX_CHAIN; depth++) {
    const older = await deps.store.getDeployment(owner.deploymentId);
    if (!older?.rollback) break;
    const ref: TargetRef = owner;
    const theirs = (await deps.store.getTargets(ref.deploymentId, ref.waveIndex)).find(
      (r) => r.targetId === ref.targetId,
    );
    if (!theirs?.previousVersion || theirs.newVersion !== version) break;
    if (theirs.previousVersion !== version) withdrawn.push(version);
    via.push(ref.deploymentId);
    version = theirs.previousVersion;
    owner = theirs.previousOwner;
  }
  return { version, withdrawn, via };
}

/**
 * Marks a deployment as rolling back, with why, before any alias is touched (the fence's first
 * step). The first reason wins: a second caller (another check, the watcher on a duplicate event)
 * keeps it and gets the record as it is.
 */
export async function beginRollback(
  deps: Pick<StepDeps, 'store' | 'clock' | 'log'>,
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
  scope: {
    readonly waveIndex?: number;
    /** Targets to leave as they are (a release rollback's `leave`). */
    readonly except?: ReadonlySet<string>;
  },
): Promise<{ id: string; outcome: RevertOutcome }[]> {
  const all = await deps.store.getTargets(deployment.id);
  const inScope = all.filter(
    (r) =>
      (scope.waveIndex === undefined || r.waveIndex === scope.waveIndex) &&
      !scope.except?.has(r.targetId) &&
      r.previousVersion &&
      r.newVersion &&
      r.status !== 'rolled_back',
  );
  const defs = new Map(pipeline.waves.flatMap((w) => w.targets.map((t) => [t.id, t] as const)));
  const results = await Promise.allSettled(
    inScope.map(async (progress) => ({
      id: progress.targetId,
      outcome: await revertOne(deps, deployment, defs.get(progress.targetId)!, progress),
    })),
  );
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) throw failures[0]!.reason;
  return results.map((r) => (r as PromiseFulfilledResult<{ id: string; outcome: RevertOutcome }>).value);
}

/** One target of {@link revertTargets}. */
async function revertOne(
  deps: StepDeps,
  deployment: DeploymentRecord,
  t: Target,
  progress: TargetRecord,
): Promise<RevertOutcome> {
  const key = aliasKey(t);
  const lock = await acquireLock(deps, key, deployment.id, isoNow(deps.clock));
  if (!lock.acquired) {
    const holder = await deps.store.getDeployment(lock.holder);
    if (holder?.rollback) {
      // It may have read us as running before we began: wait until it lets go, then revert
      // whatever it restored (see restoreFor).
      deps.log.info('target held by a deployment rolling back: trying again later', {
        target: t.id,
        holder: lock.holder,
      });
      return 'busy';
    }
    await leave(deps, deployment.id, progress, lock.holder);
    return 'left';
  }
  const restore = await restoreFor(deps, progress);
  const { outcome, routing } = await revertTarget(deps, deployment.id, t, progress.newVersion!, restore);
  if (outcome === 'foreign') {
    // A newer change took the target after our wave finished there, and has since let go of it
    // (its wave is done too): its version serves, and it is that change's, not someone else's.
    const owner = await deps.store.getAliasOwner(key);
    const serving = [routing.primary, routing.candidate?.version];
    if (owner && owner.deploymentId !== deployment.id && serving.includes(owner.version)) {
      await deps.store.releaseLock(key, deployment.id);
      await leave(deps, deployment.id, progress, owner.deploymentId);
      return 'left';
    }
  }
  await deps.store.updateTarget(deployment.id, progress.waveIndex, t.id, {
    status: outcome === 'foreign' ? 'failed' : 'rolled_back',
    weight: 0,
    updatedAt: isoNow(deps.clock),
  });
  const passing =
    restore.via.length > 0
      ? ` (not v${progress.previousVersion}: deployment ${restore.via.join(', ')} rolled back since)`
      : '';
  await record(deps, deployment.id, {
    key: `rolled-back:${progress.waveIndex}:${t.id}`,
    type: outcome === 'foreign' ? 'rollback-skipped' : 'target-rolled-back',
    wave: progress.waveIndex,
    target: t.id,
    message:
      outcome === 'foreign'
        ? `${t.id} not rolled back: its alias now routes ${describeRouting(routing)}, which this deployment did not put there`
        : `${t.id} rolled back: 100% on v${restore.version}${passing}`,
    data: {
      weight: 0,
      ...(restore.via.length > 0 ? { restored: restore.version, withdrawnBy: restore.via } : {}),
    },
  });
  return outcome;
}

/** Records that a target is left to the newer change that has taken it. */
async function leave(deps: StepDeps, deploymentId: string, progress: TargetRecord, newer: string) {
  await record(deps, deploymentId, {
    key: `rollback-left:${progress.waveIndex}:${progress.targetId}`,
    type: 'rollback-left-to-newer-change',
    wave: progress.waveIndex,
    target: progress.targetId,
    message: `${progress.targetId} left as it is: deployment ${newer} has taken it since this change finished there; should that one roll back, it restores v${progress.previousVersion}, not this change's v${progress.newVersion}`,
    data: { newer },
  });
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
  const busy = done.filter((d) => d.outcome === 'busy').map((d) => d.id);
  if (busy.length > 0) {
    throw new TransientError(
      `${busy.join(', ')}: held by a newer deployment that is rolling back; reverting once it lets go`,
    );
  }
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
    const outcome = failedTargets ? 'failed' : expired ? 'expired' : 'rolled_back';
    await deps.store.updateDeployment(deployment.id, {
      status: outcome,
      updatedAt: now,
      endedAt: now,
      rollback: ended,
    });
    if (view?.deployment.status !== outcome) countRolledBack(deps, deployment, outcome);
    if (!rollback.trafficOffAt) recordTrafficOff(deps, deployment, rollback, ended.trafficOffAt);
  }
  return { reverted: done.filter((d) => d.outcome === 'reverted').map((d) => d.id), failed: 0 };
}
