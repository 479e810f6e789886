import { InvalidInputError, TransientError } from '../core/errors.js';
import type { ResolvedPipeline } from '../core/pipeline.js';
import { nextReleaseRollbackStep, type ReleaseWave } from '../core/release-rollback.js';
import { aliasKey } from '../core/targets.js';
import { isoNow } from '../ports/clock.js';
import type { DeploymentRecord, DeploymentView } from '../ports/store.js';
import { acquireLock, loadDeployment, loadPipeline, record, releaseAll } from './context.js';
import { countReleaseRollbackCompleted, countReleaseRollbackStarted } from './deployment-metrics.js';
import type { StepDeps } from './deps.js';
import { revertTargets } from './roll-back.js';

/** What the ReleaseRollback workflow does after a step: end, or wait this long and ask again. */
export type ReleaseRollbackProgress =
  | { readonly done: true; readonly status: DeploymentRecord['status'] }
  | { readonly done: false; readonly waitSeconds: number };

/** A wait is at most this long when the pipeline names no safety poll (the request to hurry is seen within it). */
const DEFAULT_MAX_WAIT_SECONDS = 300;

/**
 * The ReleaseRollback workflow's one step: takes back the waves of a succeeded release that are
 * due (all at once, or the last wave first with the pipeline's bake between), and ends the
 * rollback once every wave is back. Idempotent and restartable: what is done is read from the
 * records (targets rolled back, waves' `rolledBackAt`), never carried in the execution. Never
 * held by blockers, windows or approvals.
 */
export async function rollBackRelease(
  deps: StepDeps,
  input: { readonly deploymentId: string },
): Promise<ReleaseRollbackProgress> {
  const deployment = await loadDeployment(deps, input.deploymentId);
  const request = deployment.releaseRollback;
  if (!request) {
    throw new InvalidInputError('ReleaseRollback input', [
      {
        path: 'deploymentId',
        message: `deployment "${deployment.id}" has no release rollback requested (status ${deployment.status})`,
      },
    ]);
  }
  if (deployment.status !== 'rolling_back') return { done: true, status: deployment.status };
  const pipeline = await loadPipeline(deps, deployment.pipelineName, deployment.pipelineVersion);
  const except = new Set(request.leave.map((l) => l.targetId));
  let view = await viewOf(deps, deployment.id);
  if (!view.events.some((e) => e.type === 'release-rollback-started')) {
    await begin(deps, deployment, pipeline, view, except);
    view = await viewOf(deps, deployment.id);
  }
  const maxWait = Math.min(...pipeline.waves.map((w) => w.safetyPoll), DEFAULT_MAX_WAIT_SECONDS);
  for (;;) {
    const current = await loadDeployment(deps, deployment.id);
    const mode = current.releaseRollback?.mode ?? request.mode;
    const step = nextReleaseRollbackStep(
      mode,
      releaseWaves(view, pipeline, except),
      deps.clock.nowMs(),
      maxWait,
    );
    if (step.action === 'wait') return { done: false, waitSeconds: step.seconds };
    if (step.action === 'finish') return { done: true, status: await finish(deps, current, pipeline, view) };
    for (const waveIndex of step.waves) await revertWave(deps, current, pipeline, waveIndex, except);
    view = await viewOf(deps, deployment.id);
  }
}

async function viewOf(deps: StepDeps, id: string): Promise<DeploymentView> {
  const view = await deps.store.getDeploymentView(id);
  if (!view) throw new TransientError(`deployment "${id}" could not be read`);
  return view;
}

/**
 * Takes the alias lock of every target to take back, so no newer change starts on one while the
 * release is rolled back (a target whose lock another running deployment holds is left to it when
 * its wave comes), and records the targets the caller chose to leave.
 */
async function begin(
  deps: StepDeps,
  deployment: DeploymentRecord,
  pipeline: ResolvedPipeline,
  view: DeploymentView,
  except: ReadonlySet<string>,
): Promise<void> {
  const definitions = new Map(pipeline.waves.flatMap((w) => w.targets.map((t) => [t.id, t] as const)));
  const now = isoNow(deps.clock);
  // One conditional write per alias, independent of each other: all at once, as revertTargets does.
  await Promise.all(
    view.targets.map(async (t) => {
      const definition = definitions.get(t.targetId);
      if (!definition || except.has(t.targetId) || !t.newVersion || t.status === 'rolled_back') return;
      await acquireLock(deps, aliasKey(definition), deployment.id, now);
    }),
  );
  for (const left of deployment.releaseRollback?.leave ?? []) {
    const target = view.targets.find((t) => t.targetId === left.targetId);
    await record(deps, deployment.id, {
      key: `release-left:${left.targetId}`,
      type: 'rollback-left-to-newer-change',
      ...(target ? { wave: target.waveIndex } : {}),
      target: left.targetId,
      message: `${left.targetId} left as it is, as asked: deployment ${left.deploymentId} has changed it since this release`,
      data: { newer: left.deploymentId },
    });
  }
  const mode = deployment.releaseRollback?.mode ?? 'fast';
  await record(deps, deployment.id, {
    key: 'release-rollback-started',
    type: 'release-rollback-started',
    message: `rolling back the release ${mode === 'fast' ? 'on every wave at once' : 'wave by wave, last wave first, with the pipeline bake between'}`,
  });
  // Counted by the call that recorded the start; a retry finds it recorded and does not begin again.
  if (deployment.releaseRollback) countReleaseRollbackStarted(deps, deployment, deployment.releaseRollback);
}

/** The release's waves as {@link nextReleaseRollbackStep} needs them, from the records. */
function releaseWaves(
  view: DeploymentView,
  pipeline: ResolvedPipeline,
  except: ReadonlySet<string>,
): ReleaseWave[] {
  const left = new Set(
    view.events.filter((e) => e.type === 'rollback-left-to-newer-change').map((e) => e.target),
  );
  return pipeline.waves.map((w) => {
    const record = view.waves.find((r) => r.index === w.index);
    const pending = view.targets.filter(
      (t) =>
        t.waveIndex === w.index &&
        t.previousVersion &&
        t.newVersion &&
        t.status !== 'rolled_back' &&
        t.status !== 'failed' &&
        !except.has(t.targetId) &&
        !left.has(t.targetId),
    ).length;
    return {
      index: w.index,
      pending,
      bakeSeconds: w.bake.duration,
      ...(record?.rolledBackAt ? { rolledBackAtMs: Date.parse(record.rolledBackAt) } : {}),
    };
  });
}

async function revertWave(
  deps: StepDeps,
  deployment: DeploymentRecord,
  pipeline: ResolvedPipeline,
  waveIndex: number,
  except: ReadonlySet<string>,
): Promise<void> {
  const done = await revertTargets(deps, deployment, pipeline, { waveIndex, except });
  const busy = done.filter((d) => d.outcome === 'busy').map((d) => d.id);
  if (busy.length > 0) {
    throw new TransientError(
      `${busy.join(', ')}: held by a newer deployment that is rolling back; reverting once it lets go`,
    );
  }
  const wave = pipeline.waves[waveIndex];
  await deps.store.updateWave(deployment.id, waveIndex, {
    status: 'rolled_back',
    rolledBackAt: isoNow(deps.clock),
  });
  const reverted = done.filter((d) => d.outcome === 'reverted' || d.outcome === 'already').length;
  await record(deps, deployment.id, {
    key: `release-wave-rolled-back:${waveIndex}`,
    type: 'wave-rolled-back',
    wave: waveIndex,
    message: `wave ${wave?.name ?? waveIndex} of the release taken back (${reverted} target(s) on the previous version)`,
  });
}

/** Releases the locks, records the end and then the status (the commit point, as in a rollback). */
async function finish(
  deps: StepDeps,
  deployment: DeploymentRecord,
  pipeline: ResolvedPipeline,
  view: DeploymentView,
): Promise<DeploymentRecord['status']> {
  const now = isoNow(deps.clock);
  const failed = view.targets.some((t) => t.status === 'failed');
  const rollback = deployment.rollback;
  const request = deployment.releaseRollback!;
  const reverted = view.targets.filter((t) => t.status === 'rolled_back').length;
  await releaseAll(deps, pipeline, deployment.id);
  await record(deps, deployment.id, {
    key: 'release-rolled-back',
    type: failed ? 'deployment-failed' : 'release-rolled-back',
    message: failed
      ? `release rollback failed: some targets could not be rolled back (their aliases route versions this release did not put there); requested by ${request.by}: ${request.reason}`
      : `release rolled back: ${reverted} target(s) back on the versions they served before${request.leave.length > 0 ? `, ${request.leave.length} left as asked` : ''}; requested by ${request.by}: ${request.reason}`,
    data: {
      by: request.by,
      reason: request.reason,
      mode: request.mode,
      reverted,
      left: request.leave.length,
    },
  });
  const status = failed ? 'failed' : 'rolled_back';
  await deps.store.updateDeployment(deployment.id, {
    status,
    updatedAt: now,
    endedAt: now,
    ...(rollback ? { rollback: { ...rollback, trafficOffAt: rollback.trafficOffAt ?? now } } : {}),
  });
  // Counted by the call that moved it from rolling_back; a retry finds it ended and returns early.
  if (deployment.status === 'rolling_back') {
    countReleaseRollbackCompleted(deps, deployment, request, status, lastWaveBackAt(view) ?? now);
  }
  return status;
}

/** When the last wave of the release was all back (its `rolledBackAt`), if any was taken back. */
function lastWaveBackAt(view: DeploymentView): string | undefined {
  const times = view.waves.flatMap((w) => (w.rolledBackAt ? [w.rolledBackAt] : []));
  return times.length > 0 ? times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a)) : undefined;
}
