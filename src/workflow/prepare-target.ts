import { decidePrepare } from '../core/alias.js';
import { DeploymentCancelledError, InvalidInputError, RollbackStartedError } from '../core/errors.js';
import type { ResolvedPipeline, Target } from '../core/pipeline.js';
import { aliasKey } from '../core/targets.js';
import { isoNow } from '../ports/clock.js';
import type { CodeSource } from '../ports/fleet.js';
import type { DeploymentRecord, TargetRecord, TargetRef } from '../ports/store.js';
import { checkBatchStart } from './batch-start.js';
import { acquireLock, loadWave, record, targetAt, type WaveContext } from './context.js';
import type { StepDeps } from './deps.js';
import { endHold, noteHold } from './hold.js';
import { settleAll } from './parallel.js';
import { aliasRef, toRouting } from './routing.js';

export type PrepareResult =
  | { status: 'ready'; newVersion: string; previousVersion: string }
  | { status: 'locked'; holder: string; waitSeconds: number };

function fill(template: string, t: Target, change: string): string {
  return template
    .replaceAll('{region}', t.region)
    .replaceAll('{account}', t.account)
    .replaceAll('{change}', change);
}

function codeFor(
  pipeline: ResolvedPipeline,
  t: Target,
  deployment: DeploymentRecord,
): CodeSource | undefined {
  const a = pipeline.artifact;
  if (a.type === 's3-zip')
    return { s3Bucket: fill(a.bucket, t, deployment.change.id), s3Key: fill(a.key, t, deployment.change.id) };
  if (a.type === 'image') return { imageUri: fill(a.imageUri, t, deployment.change.id) };
  return undefined;
}

/** The version this deployment puts on a target: given at start, or published from the artifact. */
async function resolveNewVersion(
  deps: StepDeps,
  pipeline: ResolvedPipeline,
  t: Target,
  deployment: DeploymentRecord,
): Promise<string> {
  const code = codeFor(pipeline, t, deployment);
  if (code) {
    const published = await deps.router.publishVersion(aliasRef(t), {
      code,
      description: `breakwater ${deployment.id} change ${deployment.change.id}`.slice(0, 256),
    });
    return published.version;
  }
  const version = deployment.change.versions?.[t.id] ?? deployment.change.version;
  if (!version) {
    throw new InvalidInputError('change', [
      { path: `change.versions.${t.id}`, message: 'no version given for this target' },
    ]);
  }
  await deps.router.assertVersionExists(aliasRef(t), version);
  return version;
}

/** What a batch's prepare step answers: every target ready, or some wait for an alias lock. */
export type BatchPrepareResult =
  | { status: 'ready' }
  | { status: 'blocked'; blocked: string[]; waitSeconds: number }
  | { status: 'locked'; waiting: { target: string; holder: string }[]; waitSeconds: number };

/**
 * Takes every target of a batch for a deployment, in one invocation: first whatever may hold
 * their start ({@link checkBatchStart}), then each target's alias lock, its new version, and the version serving
 * now (recorded before any traffic moves, so a rollback knows where to go). The deployment, the
 * pipeline and the target records are read once. Idempotent.
 */
export async function prepareBatch(
  deps: StepDeps,
  input: { deploymentId: string; waveIndex: number; targets: readonly number[] },
): Promise<BatchPrepareResult> {
  const ctx = await loadWave(deps, input.deploymentId, input.waveIndex);
  const { deployment, pipeline, wave } = ctx;
  if (deployment.cancelRequest) {
    throw new DeploymentCancelledError(
      `stopped by ${deployment.cancelRequest.by}: ${deployment.cancelRequest.reason}`,
    );
  }
  if (deployment.rollback) throw new RollbackStartedError(`rollback begun: ${deployment.rollback.reason}`);
  const records = new Map(
    (await deps.store.getTargets(deployment.id, wave.index)).map((r) => [r.targetId, r]),
  );
  // Blockers first (a blocked target is only recorded as such, nothing else is written).
  const start = await checkBatchStart(deps, ctx, records, input.targets);
  if (start.status === 'blocked') return start;
  const results = await settleAll(input.targets, (index) => {
    const t = targetAt(wave, index);
    return prepareOne(deps, ctx, t, records.get(t.id));
  });
  const waiting = results.flatMap((r, i) =>
    r.status === 'locked'
      ? [{ target: targetAt(wave, input.targets[i] as number).id, holder: r.holder }]
      : [],
  );
  if (waiting.length === 0) {
    // Nothing holds the batch any more (blockers were checked first, then the locks).
    await endHold(deps, deployment);
    return { status: 'ready' };
  }
  await noteHold(
    deps,
    deployment,
    pipeline,
    `${waiting.map((w) => `${w.target} waits for deployment ${w.holder} to release its alias`).join('; ')}`,
    ['lock'],
  );
  return { status: 'locked', waiting, waitSeconds: wave.safetyPoll };
}

/**
 * Takes one target (see {@link prepareBatch}).
 *
 * @example await prepareTarget(deps, { deploymentId: 'd1', waveIndex: 0, targetIndex: 0 })
 */
export async function prepareTarget(
  deps: StepDeps,
  input: { deploymentId: string; waveIndex: number; targetIndex: number },
): Promise<PrepareResult> {
  const ctx = await loadWave(deps, input.deploymentId, input.waveIndex);
  const t = targetAt(ctx.wave, input.targetIndex);
  const existing = (await deps.store.getTargets(ctx.deployment.id, ctx.wave.index)).find(
    (r) => r.targetId === t.id,
  );
  return prepareOne(deps, ctx, t, existing);
}

async function prepareOne(
  deps: StepDeps,
  ctx: WaveContext,
  t: Target,
  existing: TargetRecord | undefined,
): Promise<PrepareResult> {
  const { deployment, pipeline, wave } = ctx;
  const now = isoNow(deps.clock);
  const lock = await acquireLock(deps, aliasKey(t), deployment.id, now);
  if (!lock.acquired) {
    if (existing?.status !== 'waiting_for_lock') {
      await deps.store.putTarget({
        deploymentId: deployment.id,
        waveIndex: wave.index,
        targetId: t.id,
        status: 'waiting_for_lock',
        weight: 0,
        updatedAt: now,
      });
      await record(deps, deployment.id, {
        key: `lock-wait:${wave.index}:${t.id}:${lock.holder}`,
        type: 'target-waiting-for-lock',
        wave: wave.index,
        target: t.id,
        message: `${t.id} waits: deployment ${lock.holder} holds ${t.functionName}:${t.alias} in ${t.region}`,
      });
    }
    return { status: 'locked', holder: lock.holder, waitSeconds: wave.safetyPoll };
  }
  if (existing?.previousVersion && existing.newVersion) {
    return { status: 'ready', newVersion: existing.newVersion, previousVersion: existing.previousVersion };
  }

  const newVersion = await resolveNewVersion(deps, pipeline, t, deployment);
  const { previousVersion } = decidePrepare(toRouting(await deps.router.getAlias(aliasRef(t))), newVersion);
  const previousOwner = await takeOwnership(
    deps,
    t,
    { deploymentId: deployment.id, waveIndex: wave.index, targetId: t.id },
    previousVersion,
    newVersion,
    now,
  );
  await deps.store.putTarget({
    deploymentId: deployment.id,
    waveIndex: wave.index,
    targetId: t.id,
    status: 'prepared',
    previousVersion,
    newVersion,
    ...(previousOwner ? { previousOwner } : {}),
    weight: 0,
    updatedAt: now,
  });
  await record(deps, deployment.id, {
    key: `prepared:${wave.index}:${t.id}`,
    type: 'target-prepared',
    wave: wave.index,
    target: t.id,
    message:
      previousVersion === newVersion
        ? `${t.id} already serves v${newVersion}: nothing to shift`
        : `${t.id} prepared: v${previousVersion} serves now, v${newVersion} is the candidate`,
    data: { previousVersion, newVersion },
  });
  return { status: 'ready', newVersion, previousVersion };
}

/**
 * Records this deployment as the alias's owner (under its lock) and answers whose version the one
 * serving now is: the last owner, if it put exactly that version there. A retried prepare finds
 * itself as owner and keeps the answer it recorded the first time.
 */
async function takeOwnership(
  deps: StepDeps,
  t: Target,
  me: TargetRef,
  previousVersion: string,
  newVersion: string,
  at: string,
): Promise<TargetRef | undefined> {
  const key = aliasKey(t);
  const owner = await deps.store.getAliasOwner(key);
  const previousOwner =
    owner?.deploymentId === me.deploymentId
      ? owner.previousOwner
      : owner && owner.version === previousVersion
        ? { deploymentId: owner.deploymentId, waveIndex: owner.waveIndex, targetId: owner.targetId }
        : undefined;
  await deps.store.putAliasOwner({
    aliasKey: key,
    ...me,
    version: newVersion,
    ...(previousOwner ? { previousOwner } : {}),
    at,
  });
  return previousOwner;
}
