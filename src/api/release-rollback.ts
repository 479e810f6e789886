import { ConflictError, InvalidInputError, NotFoundError } from '../core/errors.js';
import type { ResolvedPipeline } from '../core/pipeline.js';
import {
  type MovedTarget,
  type ReleaseRollbackMode,
  scopeReleaseRollback,
  type TargetConflict,
} from '../core/release-rollback.js';
import { aliasKey } from '../core/targets.js';
import { isoNow } from '../ports/clock.js';
import type { DeploymentRecord, DeploymentStore, TargetRef } from '../ports/store.js';
import type { ApiDeps } from './deps.js';

/** What `POST /deployments/{id}/rollback` takes. */
export interface ReleaseRollbackBody {
  readonly by: string;
  readonly reason: string;
  /** @default 'fast' */
  readonly mode?: ReleaseRollbackMode;
  /** Roll back the other targets even though some were changed by a newer deployment since. */
  readonly force?: boolean;
  /** With `force`: the targets to leave as they are (every target a newer deployment changed). */
  readonly leave?: readonly string[];
}

/** The answer: the deployment as it is now, and the execution that takes the release back. */
export interface ReleaseRollbackStarted {
  readonly deployment: DeploymentRecord;
  readonly executionArn: string;
}

/**
 * Rolls back a release that had succeeded: every target it moved goes back to the version it
 * served before, never held by blockers or windows — all at once (`fast`, the default) or wave by
 * wave in reverse order with the pipeline's bake between (`reverse-waves`). Refused (409, naming
 * each target and deployment) when a newer deployment has changed a target since, unless the caller
 * sends `force` and names those targets in `leave`. Recorded (who, why) before the workflow starts.
 *
 * Asking again while a `reverse-waves` rollback runs, with `mode: "fast"`, takes the remaining waves
 * back at once; asking again with the same request starts the workflow if it had not started.
 *
 * @example await rollBackReleaseByHand(deps, 'd-1', { by: 'alice', reason: 'error budget burn since 14:00' })
 */
export async function rollBackReleaseByHand(
  deps: Pick<ApiDeps, 'store' | 'starter' | 'clock'>,
  id: string,
  body: ReleaseRollbackBody,
): Promise<ReleaseRollbackStarted> {
  const deployment = await deps.store.getDeployment(id);
  if (!deployment) throw new NotFoundError(`no deployment "${id}"`);
  if (deployment.releaseRollback && deployment.status === 'rolling_back') {
    return {
      deployment: await hurryIfAsked(deps, deployment, body),
      ...(await deps.starter.startReleaseRollback({ deploymentId: id })),
    };
  }
  if (deployment.status !== 'succeeded') throw notFinished(deployment);
  const pipeline = await deps.store.getPipeline(deployment.pipelineName, deployment.pipelineVersion);
  if (!pipeline) {
    throw new NotFoundError(
      `pipeline "${deployment.pipelineName}" version ${deployment.pipelineVersion} (of deployment "${id}") is not registered`,
    );
  }
  const moved = await movedTargets(deps.store, id, pipeline.definition);
  const scope = scopeReleaseRollback(id, moved, { force: body.force === true, leave: body.leave ?? [] });
  if (!scope.ok) {
    if (scope.unknownLeave.length > 0) {
      throw new InvalidInputError('rollback request', [
        {
          path: 'leave',
          message: `${scope.unknownLeave.map((t) => `"${t}"`).join(', ')} ${scope.unknownLeave.length === 1 ? 'is not a target' : 'are not targets'} this deployment moved; expected some of: ${moved.map((t) => t.targetId).join(', ')}`,
        },
      ]);
    }
    throw new ConflictError(await conflictMessage(deps.store, id, scope.conflicts, body.force === true), {
      status: deployment.status,
      conflicts: scope.conflicts,
    });
  }
  const now = isoNow(deps.clock);
  const mode = body.mode ?? 'fast';
  let updated: DeploymentRecord;
  try {
    updated = await deps.store.updateDeployment(
      id,
      {
        status: 'rolling_back',
        updatedAt: now,
        releaseRollback: {
          by: body.by,
          reason: body.reason,
          mode,
          requestedAt: now,
          ...(deployment.endedAt ? { releasedAt: deployment.endedAt } : {}),
          leave: scope.left.map((l) => ({ targetId: l.targetId, deploymentId: l.deploymentId })),
        },
        rollback: {
          reason: `release rolled back by ${body.by}: ${body.reason}`,
          triggeredBy: 'release-rollback',
          detectedAt: now,
        },
      },
      { onlyIfStatusIn: ['succeeded'] },
    );
  } catch (error) {
    if (error instanceof ConflictError) {
      const current = error.existing as DeploymentRecord | undefined;
      throw current ? notFinished(current) : error;
    }
    throw error;
  }
  await deps.store.appendEvent({
    deploymentId: id,
    at: now,
    key: 'release-rollback-requested',
    type: 'release-rollback-requested',
    message: `${body.by} asked to roll back this release (${mode === 'fast' ? 'every wave at once' : 'wave by wave, last wave first'}${scope.left.length > 0 ? `, leaving ${scope.left.map((l) => l.targetId).join(', ')}` : ''}): ${body.reason}`,
    data: { by: body.by, reason: body.reason, mode, leave: scope.left.map((l) => l.targetId) },
  });
  const started = await deps.starter.startReleaseRollback({ deploymentId: id });
  return { deployment: updated, ...started };
}

/** A second request while a reverse-waves rollback runs: `fast` takes the rest back at once. */
async function hurryIfAsked(
  deps: Pick<ApiDeps, 'store' | 'clock'>,
  deployment: DeploymentRecord,
  body: ReleaseRollbackBody,
): Promise<DeploymentRecord> {
  const request = deployment.releaseRollback!;
  if (body.mode !== 'fast' || request.mode === 'fast') return deployment;
  const updated = await deps.store.updateDeployment(
    deployment.id,
    { releaseRollback: { ...request, mode: 'fast', hurriedBy: body.by }, updatedAt: isoNow(deps.clock) },
    { onlyIfStatusIn: ['rolling_back'] },
  );
  await deps.store.appendEvent({
    deploymentId: deployment.id,
    at: isoNow(deps.clock),
    key: 'release-rollback-hurried',
    type: 'release-rollback-hurried',
    message: `${body.by} asked to take the remaining waves back at once: ${body.reason}`,
    data: { by: body.by, reason: body.reason },
  });
  return updated;
}

function notFinished(deployment: DeploymentRecord): ConflictError {
  const hint =
    deployment.status === 'running'
      ? `: stop it instead (POST /deployments/${deployment.id}/stop), which rolls it back`
      : deployment.status === 'rolling_back'
        ? ': it is being rolled back already'
        : ': only a succeeded release can be rolled back';
  return new ConflictError(`deployment "${deployment.id}" is ${deployment.status}${hint}`, deployment);
}

/** Every target the deployment moved (a recorded new and previous version), with its alias's owner now. */
async function movedTargets(
  store: DeploymentStore,
  id: string,
  pipeline: ResolvedPipeline,
): Promise<MovedTarget[]> {
  const definitions = new Map(pipeline.waves.flatMap((w) => w.targets.map((t) => [t.id, t] as const)));
  const records = (await store.getTargets(id)).filter(
    (t) => t.previousVersion && t.newVersion && t.status !== 'rolled_back',
  );
  return Promise.all(
    records.map(async (t) => {
      const definition = definitions.get(t.targetId);
      const owner = definition ? await store.getAliasOwner(aliasKey(definition)) : undefined;
      const handedBack = owner && owner.deploymentId !== id && (await rolledBackTo(store, owner, id));
      return {
        targetId: t.targetId,
        waveIndex: t.waveIndex,
        ...(owner && !handedBack ? { ownerDeploymentId: owner.deploymentId } : {}),
      };
    }),
  );
}

/**
 * Whether the newer deployment that took a target has rolled it back to this release's version
 * (its `previousOwner` is this deployment): the target serves this release again, so it is ours.
 */
async function rolledBackTo(store: DeploymentStore, owner: TargetRef, id: string): Promise<boolean> {
  const theirs = (await store.getTargets(owner.deploymentId, owner.waveIndex)).find(
    (r) => r.targetId === owner.targetId,
  );
  return theirs?.status === 'rolled_back' && theirs.previousOwner?.deploymentId === id;
}

async function conflictMessage(
  store: DeploymentStore,
  id: string,
  conflicts: readonly TargetConflict[],
  forced: boolean,
): Promise<string> {
  const owners = new Map<string, DeploymentRecord | undefined>();
  for (const c of conflicts) {
    if (!owners.has(c.deploymentId)) owners.set(c.deploymentId, await store.getDeployment(c.deploymentId));
  }
  const lines = conflicts.map((c) => {
    const owner = owners.get(c.deploymentId);
    const what = owner ? ` (change ${owner.change.id}, ${owner.status})` : '';
    return `${c.targetId} was changed since by deployment ${c.deploymentId}${what}`;
  });
  const ids = conflicts.map((c) => `"${c.targetId}"`).join(', ');
  return (
    `deployment "${id}" cannot be rolled back as asked: ${lines.join('; ')}. ` +
    (forced
      ? `Name every such target in "leave" (missing: ${ids}).`
      : `Send "force": true and "leave": [${ids}] to roll back the other targets and leave these as they are.`)
  );
}
