import { NotFoundError } from '../core/errors.js';
import { DEFAULT_MAX_HOLD_SECONDS } from '../core/hold.js';
import type { ResolvedPipeline, ResolvedWave, Target } from '../core/pipeline.js';
import { aliasKey } from '../core/targets.js';
import { isoNow } from '../ports/clock.js';
import type { DeploymentRecord, TimelineEvent } from '../ports/store.js';
import type { StepDeps } from './deps.js';

/*
 * Pipeline definitions are immutable per (store, name, version), so a warm Lambda (or the
 * embedded engine) may keep them: a bake poll then reads only what changes.
 */
const definitionsByStore = new WeakMap<object, Map<string, ResolvedPipeline>>();

export async function loadPipeline(deps: StepDeps, name: string, version: number): Promise<ResolvedPipeline> {
  const key = `${name}@${version}`;
  let definitions = definitionsByStore.get(deps.store);
  if (!definitions) {
    definitions = new Map();
    definitionsByStore.set(deps.store, definitions);
  }
  const cached = definitions.get(key);
  if (cached) return cached;
  const record = await deps.store.getPipeline(name, version);
  if (!record) throw new NotFoundError(`pipeline "${name}" version ${version} is not registered`);
  const definition = upgradeDefinition(record.definition);
  definitions.set(key, definition);
  return definition;
}

/**
 * Definitions registered by an older Breakwater lack settings added since: give them today's
 * defaults (`pollInterval` became `safetyPoll`; `maxHold`, `stage`, `batching` and `hooks` are new).
 */
function upgradeDefinition(definition: ResolvedPipeline): ResolvedPipeline {
  type Stored = Omit<ResolvedWave, 'safetyPoll' | 'stage' | 'batching' | 'hooks'> & {
    hooks?: ResolvedWave['hooks'];
    safetyPoll?: number;
    pollInterval?: number;
    stage?: ResolvedWave['stage'];
    batching?: ResolvedWave['batching'];
  };
  const waves = definition.waves as readonly Stored[];
  return {
    ...definition,
    maxHold: definition.maxHold ?? DEFAULT_MAX_HOLD_SECONDS,
    waves: waves.map(({ pollInterval, ...w }) => ({
      ...w,
      stage: w.stage ?? 'production',
      batching: w.batching ?? 'in-order',
      hooks: w.hooks ?? [],
      safetyPoll: w.safetyPoll ?? Math.min(pollInterval ?? 300, 900),
    })),
  };
}

export async function loadDeployment(deps: Pick<StepDeps, 'store'>, id: string): Promise<DeploymentRecord> {
  const deployment = await deps.store.getDeployment(id);
  if (!deployment) throw new NotFoundError(`deployment "${id}" does not exist`);
  return deployment;
}

export interface WaveContext {
  readonly deployment: DeploymentRecord;
  readonly pipeline: ResolvedPipeline;
  readonly wave: ResolvedWave;
}

export async function loadWave(
  deps: StepDeps,
  deploymentId: string,
  waveIndex: number,
): Promise<WaveContext> {
  const deployment = await loadDeployment(deps, deploymentId);
  const pipeline = await loadPipeline(deps, deployment.pipelineName, deployment.pipelineVersion);
  const wave = pipeline.waves[waveIndex];
  if (!wave) {
    throw new NotFoundError(
      `pipeline "${pipeline.name}" has no wave ${waveIndex} (it has ${pipeline.waves.length})`,
    );
  }
  return { deployment, pipeline, wave };
}

export function targetAt(wave: ResolvedWave, index: number): Target {
  const target = wave.targets[index];
  if (!target)
    throw new NotFoundError(`wave "${wave.name}" has no target ${index} (it has ${wave.targets.length})`);
  return target;
}

/** Timeline events that are also published as deployment state changes. */
export const PUBLISHED_EVENT_TYPES: ReadonlySet<string> = new Set([
  'deployment-started',
  'wave-blocked',
  'wave-unblocked',
  'wave-started',
  'wave-succeeded',
  'wave-rolled-back',
  'bake-failed',
  'override-applied',
  'expedite-applied',
  'deployment-succeeded',
  'deployment-rolled-back',
  'deployment-failed',
  'deployment-expired',
  'hold-expired',
  'deployment-superseded',
  'release-rollback-started',
  'release-rolled-back',
]);

/**
 * Appends a timeline event (`key` makes a retried step write it once) and publishes the
 * milestones. Publishing comes first: a step that fails after it is retried and publishes again
 * (at least once; consumers deduplicate on `key`), never zero times.
 */
export async function record(
  deps: StepDeps,
  deploymentId: string,
  event: Omit<TimelineEvent, 'deploymentId' | 'at'> & { at?: string },
): Promise<void> {
  const at = event.at ?? isoNow(deps.clock);
  if (deps.events && PUBLISHED_EVENT_TYPES.has(event.type)) {
    const deployment = await deps.store.getDeployment(deploymentId);
    await deps.events.publish({
      deploymentId,
      pipeline: deployment?.pipelineName ?? 'unknown',
      status: event.type,
      ...(event.wave !== undefined ? { waveIndex: event.wave } : {}),
      message: event.message,
      at,
      key: event.key,
    });
  }
  await deps.store.appendEvent({ deploymentId, at, ...event });
}

/** The lock that keeps one change per wave of a pipeline. */
export const waveSlotKey = (pipeline: string, waveIndex: number) => `wave-slot:${pipeline}:${waveIndex}`;

/** Statuses of a deployment that has ended: it holds nothing any more. */
export const ENDED_STATUSES: ReadonlySet<DeploymentRecord['status']> = new Set([
  'succeeded',
  'rolled_back',
  'failed',
  'superseded',
  'expired',
]);

/**
 * Takes a lock (an alias, a wave slot) for a deployment. A lock still held by a deployment that has
 * ended (its last step stopped between ending and releasing: a crash, a kill) is released and
 * taken: an ended deployment holds nothing. Otherwise as {@link DeploymentStore.acquireLock}.
 */
export async function acquireLock(deps: StepDeps, key: string, deploymentId: string, at: string) {
  const lock = await deps.store.acquireLock(key, deploymentId, at);
  if (lock.acquired) return lock;
  const holder = await deps.store.getDeployment(lock.holder);
  if (holder && !ENDED_STATUSES.has(holder.status)) return lock;
  deps.log.warn('taking a lock an ended deployment still held', { key, holder: lock.holder });
  await deps.store.releaseLock(key, lock.holder);
  return deps.store.acquireLock(key, deploymentId, at);
}

/** Releases every alias lock and wave slot a deployment may hold (a no-op for those it does not). */
export async function releaseAll(
  deps: StepDeps,
  pipeline: ResolvedPipeline,
  deploymentId: string,
): Promise<void> {
  await Promise.all([
    ...pipeline.waves.flatMap((w) => w.targets).map((t) => deps.store.releaseLock(aliasKey(t), deploymentId)),
    ...pipeline.waves.map((w) => deps.store.releaseLock(waveSlotKey(pipeline.name, w.index), deploymentId)),
  ]);
}
