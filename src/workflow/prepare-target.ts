import { decidePrepare } from '../core/alias.js';
import { DeploymentCancelledError, InvalidInputError, RollbackStartedError } from '../core/errors.js';
import type { ResolvedPipeline, Target } from '../core/pipeline.js';
import { aliasKey } from '../core/targets.js';
import { isoNow } from '../ports/clock.js';
import type { CodeSource } from '../ports/fleet.js';
import type { DeploymentRecord } from '../ports/store.js';
import { loadWave, record, targetAt } from './context.js';
import type { StepDeps } from './deps.js';
import { noteHold } from './hold.js';
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

/**
 * Takes a target for a deployment (its blockers were assessed for the batch just before): its alias lock, its new version, and the version serving now
 * (recorded before any traffic moves, so a rollback knows where to go). Idempotent.
 */
export async function prepareTarget(
  deps: StepDeps,
  input: { deploymentId: string; waveIndex: number; targetIndex: number },
): Promise<PrepareResult> {
  const { deployment, pipeline, wave } = await loadWave(deps, input.deploymentId, input.waveIndex);
  const t = targetAt(wave, input.targetIndex);
  if (deployment.cancelRequest) {
    throw new DeploymentCancelledError(
      `stopped by ${deployment.cancelRequest.by}: ${deployment.cancelRequest.reason}`,
    );
  }
  if (deployment.rollback) throw new RollbackStartedError(`rollback begun: ${deployment.rollback.reason}`);
  const now = isoNow(deps.clock);
  // Blockers (windows, alarms, manual blocks) were assessed for the whole batch before this step.
  const existing = (await deps.store.getTargets(deployment.id, wave.index)).find((r) => r.targetId === t.id);
  const lock = await deps.store.acquireLock(aliasKey(t), deployment.id, now);
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
    await noteHold(
      deps,
      deployment,
      pipeline,
      `${t.id} waits for deployment ${lock.holder} to release its alias`,
    );
    return { status: 'locked', holder: lock.holder, waitSeconds: wave.safetyPoll };
  }
  if (existing?.previousVersion && existing.newVersion) {
    return { status: 'ready', newVersion: existing.newVersion, previousVersion: existing.previousVersion };
  }

  const newVersion = await resolveNewVersion(deps, pipeline, t, deployment);
  const { previousVersion } = decidePrepare(toRouting(await deps.router.getAlias(aliasRef(t))), newVersion);
  await deps.store.putTarget({
    deploymentId: deployment.id,
    waveIndex: wave.index,
    targetId: t.id,
    status: 'prepared',
    previousVersion,
    newVersion,
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
