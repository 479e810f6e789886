import type { BakeVerdict } from '../core/bake.js';
import type { DeploymentMetricName, DeploymentMetricUnit } from '../ports/deployment-metrics.js';
import type {
  DeploymentRecord,
  DeploymentStatus,
  ReleaseRollbackRequest,
  RollbackInfo,
} from '../ports/store.js';
import type { StepDeps } from './deps.js';

/*
 * What the workflow counts, in one place: each function is called where the workflow has just
 * committed the fact (the record created, the status written), and only by the call that
 * committed it, so a retried step does not count it twice. Recording never fails a step.
 */

type MetricDeps = Pick<StepDeps, 'deploymentMetrics' | 'log'>;

function emit(
  deps: MetricDeps,
  name: DeploymentMetricName,
  value: number,
  unit: DeploymentMetricUnit,
  dimensions: { readonly pipeline: string } & Record<string, string>,
): void {
  try {
    deps.deploymentMetrics?.record(name, value, unit, dimensions);
  } catch (error) {
    deps.log.warn('could not record a metric', { metric: name, error: String(error) });
  }
}

/** Seconds from `from` to `to` (ISO strings), or undefined when either is unreadable or time ran backwards. */
function secondsBetween(from: string | undefined, to: string): number | undefined {
  if (from === undefined) return undefined;
  const seconds = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** A deployment record was created (not found already there by a retry). */
export function countStarted(deps: MetricDeps, deployment: DeploymentRecord): void {
  emit(deps, 'DeploymentsStarted', 1, 'Count', { pipeline: deployment.pipelineName });
}

/**
 * A deployment succeeded at `endedAt`: counted, with its lead time from the change's creation
 * (its commit's time, when the trigger knew it) or else from the deployment's start.
 */
export function countSucceeded(deps: MetricDeps, deployment: DeploymentRecord, endedAt: string): void {
  const pipeline = deployment.pipelineName;
  emit(deps, 'DeploymentsSucceeded', 1, 'Count', { pipeline });
  const lead = secondsBetween(deployment.change.createdAt ?? deployment.createdAt, endedAt);
  if (lead !== undefined) emit(deps, 'LeadTimeSeconds', lead, 'Seconds', { pipeline });
}

/** A deployment ended through its rollback, as `outcome` (rolled_back, or failed / expired). */
export function countRolledBack(
  deps: MetricDeps,
  deployment: DeploymentRecord,
  outcome: Extract<DeploymentStatus, 'rolled_back' | 'failed' | 'expired'>,
): void {
  emit(deps, 'DeploymentsRolledBack', 1, 'Count', { pipeline: deployment.pipelineName, outcome });
}

/** A bake (one-box, health check or wave) reached a new verdict. */
export function countBakeVerdict(deps: MetricDeps, pipeline: string, verdict: BakeVerdict): void {
  emit(deps, 'BakeVerdicts', 1, 'Count', { pipeline, verdict });
}

/**
 * Traffic came off the new version at `trafficOffAt` (first recorded now): how long after the
 * alarm that caused the rollback entered ALARM. Rollbacks without an alarm record nothing.
 */
export function recordTrafficOff(
  deps: MetricDeps,
  deployment: DeploymentRecord,
  rollback: Pick<RollbackInfo, 'alarmAt'>,
  trafficOffAt: string,
): void {
  const seconds = secondsBetween(rollback.alarmAt, trafficOffAt);
  if (seconds !== undefined) {
    emit(deps, 'AlarmToTrafficOffSeconds', seconds, 'Seconds', { pipeline: deployment.pipelineName });
  }
}

/**
 * The mode a release rollback was first asked for: a hurried rollback (`hurriedBy`) was
 * `reverse-waves` before it became `fast`. One dimension value per rollback, whenever it is counted.
 */
function requestedMode(request: ReleaseRollbackRequest): ReleaseRollbackRequest['mode'] {
  return request.hurriedBy !== undefined ? 'reverse-waves' : request.mode;
}

/** A release rollback started (its start recorded now, not found recorded already by a retry). */
export function countReleaseRollbackStarted(
  deps: MetricDeps,
  deployment: DeploymentRecord,
  request: ReleaseRollbackRequest,
): void {
  emit(deps, 'ReleaseRollbacksStarted', 1, 'Count', {
    pipeline: deployment.pipelineName,
    mode: requestedMode(request),
  });
}

/**
 * A release rollback ended as `outcome` (its status written now, by the call that moved it from
 * rolling_back). Fully rolled back, it also records how long it took from the request to
 * `restoredAt`, when the last of its targets was back on its previous version.
 */
export function countReleaseRollbackCompleted(
  deps: MetricDeps,
  deployment: DeploymentRecord,
  request: ReleaseRollbackRequest,
  outcome: Extract<DeploymentStatus, 'rolled_back' | 'failed'>,
  restoredAt: string,
): void {
  const pipeline = deployment.pipelineName;
  const mode = requestedMode(request);
  emit(deps, 'ReleaseRollbacksCompleted', 1, 'Count', { pipeline, mode, outcome });
  if (outcome !== 'rolled_back') return;
  const seconds = secondsBetween(request.requestedAt, restoredAt);
  if (seconds !== undefined) emit(deps, 'ReleaseRollbackSeconds', seconds, 'Seconds', { pipeline, mode });
}
