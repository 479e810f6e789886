import { DeploymentCancelledError, RollbackStartedError } from '../core/errors.js';
import { mergeWindow } from '../core/windows.js';
import { isoNow } from '../ports/clock.js';
import type { DeploymentRecord } from '../ports/store.js';
import { assessStart, BLOCKER_POLL_SECONDS, holdingBlockers } from './blocker-check.js';
import { acquireLock, loadWave, record, waveSlotKey } from './context.js';
import type { StepDeps } from './deps.js';
import { endHold, noteHold } from './hold.js';
import { enforceVeto } from './veto.js';

export type GateResult =
  | { decision: 'go' }
  | { decision: 'skip' }
  | { decision: 'superseded' }
  | { decision: 'wait'; waitSeconds: number };

/**
 * Decides whether a wave may start: the previous change has left it (one change per wave), no
 * newer change supersedes this one, and no blocker holds it — alarms, its time window, manual
 * blocks — all read again together on every check. Waits are recorded on the wave so people see
 * who and what holds it. A wave that already succeeded (a resumed deployment) is skipped.
 */
export async function checkWaveGate(
  deps: StepDeps,
  input: { deploymentId: string; waveIndex: number },
): Promise<GateResult> {
  const { deployment, pipeline, wave } = await loadWave(deps, input.deploymentId, input.waveIndex);
  if (deployment.cancelRequest) {
    throw new DeploymentCancelledError(
      `stopped by ${deployment.cancelRequest.by}: ${deployment.cancelRequest.reason}`,
    );
  }
  if (deployment.rollback) throw new RollbackStartedError(`rollback begun: ${deployment.rollback.reason}`);
  // A vetoed change never starts another wave, even if the veto's own pass missed this deployment.
  const vetoed = await enforceVeto(deps, deployment);
  if (vetoed?.rollback) throw new RollbackStartedError(`rollback begun: ${vetoed.rollback.reason}`);
  const waveRecord = await deps.store.getWave(deployment.id, wave.index);
  if (waveRecord?.status === 'succeeded') return { decision: 'skip' };
  const now = isoNow(deps.clock);

  const queue: { id: string; kind: string; description: string }[] = [];
  // Changes of this pipeline that have not entered their first wave yet, oldest first.
  const waitingForFirstWave =
    wave.index === 0
      ? (await deps.store.listDeployments(pipeline.name, { limit: 100 })).items
          .filter((d) => d.id !== deployment.id && d.status === 'running' && d.currentWave === undefined)
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      : [];
  const older = waitingForFirstWave.filter((d) => !isNewer(d, deployment));
  if (pipeline.pipelining === 'queue' && older.length > 0) {
    queue.push({
      id: 'queue',
      kind: 'pipelining',
      description: `queued behind ${older.length} earlier change(s), first ${older[0]!.id}`,
    });
  }
  const slot =
    queue.length > 0
      ? undefined
      : await acquireLock(deps, waveSlotKey(pipeline.name, wave.index), deployment.id, now);
  if (slot && !slot.acquired) {
    queue.push({
      id: 'wave-busy',
      kind: 'pipelining',
      description: `wave ${wave.name} still carries deployment ${slot.holder}`,
    });
  }

  const first = wave.targets[0]!;
  const assessment = await assessStart(deps, {
    deployment,
    pipeline,
    wave,
    targets: wave.targets,
    window: mergeWindow(wave.window, undefined, undefined),
    region: first.region,
    overrides: await deps.store.listOverrides(deployment.id),
    starting: { pipeline: pipeline.name, wave: wave.name, targets: wave.targets.map((t) => t.id) },
  });
  const holding = [...queue, ...holdingBlockers(assessment)];
  if (holding.length > 0) {
    // Only a change that has to wait can be superseded: the newest waiting change goes first.
    const newer = waitingForFirstWave.filter((d) => isNewer(d, deployment));
    if (pipeline.pipelining === 'supersede' && newer.length > 0) {
      if (slot?.acquired) await deps.store.releaseLock(waveSlotKey(pipeline.name, wave.index), deployment.id);
      return supersede(deps, deployment, newer[newer.length - 1]!);
    }
    const signature = holding.map((b) => b.id).join(',');
    const previous = waveRecord?.blocked?.blockers.map((b) => b.id).join(',');
    if (signature !== previous) {
      const blocked = { since: waveRecord?.blocked?.since ?? now, blockers: holding };
      if (waveRecord) await deps.store.updateWave(deployment.id, wave.index, { status: 'waiting', blocked });
      else
        await deps.store.putWave({
          deploymentId: deployment.id,
          index: wave.index,
          name: wave.name,
          status: 'waiting',
          blocked,
        });
      await record(deps, deployment.id, {
        key: `wave-blocked:${wave.index}:${signature}`,
        type: 'wave-blocked',
        wave: wave.index,
        message: `wave ${wave.name} waits: ${holding.map((b) => b.description).join('; ')}`,
        data: { blockers: holding },
      });
    }
    await noteHold(
      deps,
      deployment,
      pipeline,
      `wave ${wave.name} waits: ${holding.map((b) => b.description).join('; ')}`,
      holding.map((b) => b.kind),
    );
    const waitSeconds =
      queue.length > 0 ? Math.min(BLOCKER_POLL_SECONDS, wave.safetyPoll) : assessment.waitSeconds;
    return { decision: 'wait', waitSeconds };
  }

  for (const b of assessment.blockers.filter((x) => x.overriddenBy)) {
    await record(deps, deployment.id, {
      key: `override-applied:${wave.index}:${b.id}`,
      type: 'override-applied',
      wave: wave.index,
      message: `wave ${wave.name} starts despite ${b.description}: overridden by ${b.overriddenBy} (${b.overrideReason ?? 'no reason'})`,
      data: { blockerId: b.id, by: b.overriddenBy },
    });
  }
  if (waveRecord?.status === 'waiting') {
    await record(deps, deployment.id, {
      key: `wave-unblocked:${wave.index}`,
      type: 'wave-unblocked',
      wave: wave.index,
      message: `wave ${wave.name} may start: nothing holds it any more (waited since ${waveRecord.blocked?.since ?? 'earlier'})`,
    });
  }
  if (wave.index > 0) await deps.store.releaseLock(waveSlotKey(pipeline.name, wave.index - 1), deployment.id);
  await endHold(deps, deployment);
  return { decision: 'go' };
}

async function supersede(
  deps: StepDeps,
  deployment: DeploymentRecord,
  newer: DeploymentRecord,
): Promise<GateResult> {
  const now = isoNow(deps.clock);
  await deps.store.updateDeployment(
    deployment.id,
    {
      status: 'superseded',
      endedAt: now,
      endReason: `superseded by ${newer.id} (change ${newer.change.id}) before its first wave`,
    },
    { onlyIfStatusIn: ['running'] },
  );
  await record(deps, deployment.id, {
    key: 'deployment-superseded',
    type: 'deployment-superseded',
    message: `deployment superseded by ${newer.id} (change ${newer.change.id}), which is newer; nothing was deployed`,
  });
  return { decision: 'superseded' };
}

/** Creation order of changes; the id breaks ties between changes started in the same millisecond. */
function isNewer(a: DeploymentRecord, b: DeploymentRecord): boolean {
  return a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id);
}
