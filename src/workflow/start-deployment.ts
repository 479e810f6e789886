import { ConflictError, type InputIssue, InvalidInputError } from '../core/errors.js';
import type { ResolvedPipeline } from '../core/pipeline.js';
import { type StartRequest, StartRequestSchema } from '../core/start-request.js';
import { parseOrThrow } from '../core/validation.js';
import { isoNow } from '../ports/clock.js';
import type { ChangeRef, DeploymentRecord } from '../ports/store.js';
import { record } from './context.js';
import { countStarted } from './deployment-metrics.js';
import type { StepDeps } from './deps.js';
import { enforceVeto } from './veto.js';

/** Checks that a change names what its pipeline's artifact needs (a version for every target). */
export function checkChangeFitsPipeline(change: ChangeRef, pipeline: ResolvedPipeline): void {
  if (pipeline.artifact.type !== 'versions') return;
  const issues: InputIssue[] = [];
  const known = new Set(pipeline.waves.flatMap((w) => w.targets.map((t) => t.id)));
  for (const id of Object.keys(change.versions ?? {})) {
    if (!known.has(id)) {
      issues.push({
        path: `change.versions.${id}`,
        message: `no target "${id}" in pipeline "${pipeline.name}"`,
      });
    }
  }
  for (const wave of pipeline.waves) {
    for (const t of wave.targets) {
      if (!change.versions?.[t.id] && !change.version) {
        issues.push({
          path: `change.versions.${t.id}`,
          message: `pipeline "${pipeline.name}" deploys published versions: give change.version, or change.versions["${t.id}"]`,
        });
      }
    }
  }
  if (issues.length > 0) throw new InvalidInputError('start request', issues);
}

/**
 * Creates the deployment record for a start request. Idempotent: a retry with the same id and
 * change returns the same deployment; a different change under an existing id is a conflict.
 */
export async function startDeployment(
  deps: StepDeps,
  rawRequest: unknown,
  executionName: string,
): Promise<{ deploymentId: string; waveCount: number }> {
  const request: StartRequest = parseOrThrow(StartRequestSchema, rawRequest, 'start request');
  const pipelineRecord = await deps.store.getPipeline(request.pipeline, request.pipelineVersion);
  if (!pipelineRecord) {
    throw new InvalidInputError('start request', [
      {
        path: 'pipeline',
        message: `no pipeline "${request.pipeline}"${request.pipelineVersion ? ` version ${request.pipelineVersion}` : ''} is registered`,
      },
    ]);
  }
  const pipeline = pipelineRecord.definition;
  checkChangeFitsPipeline(request.change, pipeline);
  if (request.expedite && !request.requestedBy) {
    throw new InvalidInputError('start request', [
      {
        path: 'requestedBy',
        message: 'an expedited change must name who requests it (someone else approves it)',
      },
    ]);
  }
  if (request.expedite && !pipeline.expedite) {
    throw new InvalidInputError('start request', [
      { path: 'expedite', message: `pipeline "${pipeline.name}" has no expedite policy` },
    ]);
  }

  const id = request.deploymentId ?? executionName;
  const now = isoNow(deps.clock);
  const deployment: DeploymentRecord = {
    id,
    pipelineName: pipeline.name,
    pipelineVersion: pipelineRecord.version,
    change: request.change,
    status: 'running',
    createdAt: now,
    updatedAt: now,
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
    ...(request.expedite
      ? {
          expedite: {
            requestedBy: request.requestedBy ?? 'unknown',
            reason: request.expedite.reason,
            requestedAt: now,
          },
        }
      : {}),
  };
  let stored = deployment;
  try {
    await deps.store.createDeployment(deployment);
    countStarted(deps, deployment);
  } catch (error) {
    const existing =
      error instanceof ConflictError ? (error.existing as DeploymentRecord | undefined) : undefined;
    if (!existing || existing.change.id !== request.change.id || existing.pipelineName !== pipeline.name)
      throw error;
    stored = existing;
  }
  await record(deps, id, {
    key: 'deployment-started',
    type: 'deployment-started',
    message: `deployment of change ${request.change.id} through ${pipeline.waves.length} wave(s) of pipeline ${pipeline.name} v${pipelineRecord.version} started${request.requestedBy ? ` by ${request.requestedBy}` : ''}`,
  });
  // Started before the change was vetoed (or around the triggers' check): it begins its rollback
  // now, before any wave, so it ends without moving traffic and says why.
  await enforceVeto(deps, stored);
  return { deploymentId: id, waveCount: pipeline.waves.length };
}
