import { describeBake } from '../core/bake.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../core/errors.js';
import type { ResolvedPipeline } from '../core/pipeline.js';
import { targetBatches } from '../core/rollout.js';
import { type StartRequest, StartRequestSchema } from '../core/start-request.js';
import { parseOrThrow } from '../core/validation.js';
import { refusalOfVetoedChange } from '../core/veto.js';
import { isoNow } from '../ports/clock.js';
import type {
  BakeProgress,
  DeploymentRecord,
  DeploymentStatus,
  DeploymentView,
  OverrideRecord,
  TargetRecord,
  WaveRecord,
} from '../ports/store.js';
import { checkChangeFitsPipeline } from '../workflow/start-deployment.js';
import { vetoInForce } from '../workflow/veto.js';
import { type DeploymentCharts, deploymentCharts } from './deployment-charts.js';
import type { ApiDeps } from './deps.js';
import { ForbiddenError, UnprocessableError } from './errors.js';
import type { StartBody } from './schemas.js';

/** The only status in which commands (stop, approve, override) still change what happens. */
const ACTIVE: readonly DeploymentStatus[] = ['running'];

/**
 * Starts a deployment by hand: checks the change against the pipeline as the workflow will
 * (a `versions` artifact needs a version for every target) and refuses a vetoed change (409,
 * naming the veto and how to lift it), then starts the workflow
 * asynchronously under a new id. The deployment record itself is written by the workflow's
 * first step, so the response carries the id to poll.
 *
 * @example await startDeploymentByHand(deps, 'payments', { change: { id: 'abc', version: '7' }, requestedBy: 'alice' })
 */
export async function startDeploymentByHand(
  deps: Pick<ApiDeps, 'store' | 'starter' | 'newId'>,
  pipelineName: string,
  body: StartBody,
): Promise<{ deploymentId: string; executionArn: string }> {
  const pipeline = await deps.store.getPipeline(pipelineName);
  if (!pipeline) throw new NotFoundError(`no pipeline "${pipelineName}"`);
  checkChangeFitsPipeline(body.change, pipeline.definition);
  const veto = await vetoInForce(deps, pipelineName, body.change.id);
  if (veto) {
    throw new ConflictError(refusalOfVetoedChange(pipelineName, body.change.id, veto.vetoed), veto);
  }
  if (body.expedite && !pipeline.definition.expedite) {
    throw new InvalidInputError('start request', [
      {
        path: 'expedite',
        message: `pipeline "${pipelineName}" has no expedite policy; add "expedite" to the pipeline to allow it`,
      },
    ]);
  }
  const deploymentId = deps.newId();
  // Pinned to the version the change was checked against, and parsed as the workflow will parse it.
  const request: StartRequest & { deploymentId: string } = {
    ...parseOrThrow(
      StartRequestSchema,
      {
        pipeline: pipelineName,
        pipelineVersion: pipeline.version,
        change: body.change,
        requestedBy: body.requestedBy,
        ...(body.expedite ? { expedite: body.expedite } : {}),
        deploymentId,
      },
      'start request',
    ),
    deploymentId,
  };
  const { executionArn } = await deps.starter.startDeployment(request);
  return { deploymentId, executionArn };
}

export interface TargetView {
  readonly targetId: string;
  readonly status: TargetRecord['status'];
  readonly weight: number;
  readonly previousVersion?: string;
  readonly newVersion?: string;
  readonly stepIndex?: number;
  readonly updatedAt?: string;
  readonly bake?: TargetRecord['bake'];
  /** Which batch of its wave, from 1, when the pipeline is known. */
  readonly batch?: number;
  readonly previousOwner?: TargetRecord['previousOwner'];
}

export interface WaveView extends Omit<WaveRecord, 'deploymentId' | 'status'> {
  readonly status: WaveRecord['status'];
  readonly stage?: 'pre-production' | 'production';
  readonly targets: readonly TargetView[];
}

export interface DeploymentDetail {
  readonly deployment: DeploymentRecord;
  readonly waves: readonly WaveView[];
  readonly events: DeploymentView['events'];
  readonly overrides: DeploymentView['overrides'];
  /** The deployment page's pictures: weights and alarm states per target, planned vs actual waves. */
  readonly charts: DeploymentCharts;
}

/**
 * Everything about one deployment: two store calls — the view (deployment, waves with bake
 * progress, alarm states and blockers, targets with weights, timeline, overrides) and the
 * pipeline version it runs, so waves and targets not reached yet show as pending — and the
 * chart series drawn from them.
 */
export async function getDeploymentDetail(
  deps: Pick<ApiDeps, 'store' | 'clock'>,
  id: string,
): Promise<DeploymentDetail> {
  const view = await deps.store.getDeploymentView(id);
  if (!view) throw new NotFoundError(`no deployment "${id}"`);
  const pipeline = await deps.store.getPipeline(
    view.deployment.pipelineName,
    view.deployment.pipelineVersion,
  );
  const nowMs = deps.clock.nowMs();
  const waves = buildWaves(view, pipeline?.definition).map((w) =>
    w.bake ? { ...w, bake: bakeAsOf(w.bake, nowMs) } : w,
  );
  return {
    deployment: view.deployment,
    waves,
    events: view.events,
    overrides: view.overrides,
    charts: deploymentCharts({
      deployment: view.deployment,
      waves,
      events: view.events,
      ...(pipeline ? { pipeline: pipeline.definition } : {}),
      nowMs: deps.clock.nowMs(),
    }),
  };
}

/** Wave records in pipeline order, each with its targets; pending placeholders for the rest. */
export function buildWaves(view: DeploymentView, pipeline: ResolvedPipeline | undefined): WaveView[] {
  const targetsOf = (index: number, planned: readonly string[]): TargetView[] => {
    const recorded = view.targets.filter((t) => t.waveIndex === index).map(toTargetView);
    const seen = new Set(recorded.map((t) => t.targetId));
    const pending = planned
      .filter((targetId) => !seen.has(targetId))
      .map((targetId): TargetView => ({ targetId, status: 'pending', weight: 0 }));
    return [...recorded, ...pending];
  };
  const waveIndexes = new Set<number>([
    ...(pipeline?.waves.map((w) => w.index) ?? []),
    ...view.waves.map((w) => w.index),
    ...view.targets.map((t) => t.waveIndex),
  ]);
  return [...waveIndexes]
    .sort((a, b) => a - b)
    .map((index) => {
      const planned = pipeline?.waves[index];
      const record = view.waves.find((w) => w.index === index);
      const { deploymentId: _ignored, ...wave } = record ?? {
        deploymentId: view.deployment.id,
        index,
        name: planned?.name ?? `wave-${index}`,
        status: 'pending' as const,
      };
      const batchOf = new Map(
        (planned ? targetBatches(planned) : []).flatMap((b, n) =>
          b.map((i) => [planned!.targets[i]!.id, n + 1] as const),
        ),
      );
      const targets = targetsOf(index, planned?.targets.map((t) => t.id) ?? []).map((t) => {
        const batch = batchOf.get(t.targetId);
        return batch === undefined ? t : { ...t, batch };
      });
      return { ...wave, ...(planned ? { stage: planned.stage ?? 'production' } : {}), targets };
    });
}

/**
 * A recorded bake as of now: its `note` and `elapsedSeconds` from the clock at read time (the
 * record is written only when a check sees something change, so it carries no elapsed time).
 */
export function bakeAsOf(
  bake: BakeProgress,
  nowMs: number,
): BakeProgress & { readonly elapsedSeconds?: number } {
  const { text, elapsedSeconds } = describeBake(bake, nowMs);
  return { ...bake, note: text, ...(elapsedSeconds !== undefined ? { elapsedSeconds } : {}) };
}

function toTargetView(t: TargetRecord): TargetView {
  const { deploymentId: _d, waveIndex: _w, ...rest } = t;
  return rest;
}

/**
 * Asks a running deployment to stop. The workflow polls `cancelRequest` and rolls back every
 * target that carries the new version. One conditional write: a deployment that is no longer
 * running is a ConflictError carrying its status.
 */
export async function stopDeployment(
  deps: Pick<ApiDeps, 'store' | 'clock'>,
  id: string,
  request: { readonly by: string; readonly reason: string },
): Promise<DeploymentRecord> {
  try {
    return await deps.store.updateDeployment(
      id,
      { cancelRequest: { by: request.by, reason: request.reason, at: isoNow(deps.clock) } },
      { onlyIfStatusIn: ACTIVE },
    );
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError(`no deployment "${id}"`, { cause: error });
    if (error instanceof ConflictError) {
      const status = (error.existing as DeploymentRecord | undefined)?.status;
      throw new ConflictError(
        `deployment "${id}" is ${status ?? 'not running'}: only a running deployment can be stopped`,
        error.existing,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Approves an expedite request. The approver must be someone other than the requester (403);
 * there must be a request not yet approved, on a running deployment (409).
 */
export async function approveExpedite(
  deps: Pick<ApiDeps, 'store' | 'clock'>,
  id: string,
  request: { readonly by: string },
): Promise<DeploymentRecord> {
  const deployment = await deps.store.getDeployment(id);
  if (!deployment) throw new NotFoundError(`no deployment "${id}"`);
  const expedite = deployment.expedite;
  if (!expedite) throw new ConflictError(`deployment "${id}" has no expedite request`, deployment);
  if (expedite.approvedBy !== undefined) {
    throw new ConflictError(
      `the expedite request of deployment "${id}" was already approved by ${expedite.approvedBy} at ${expedite.approvedAt ?? 'an earlier time'}`,
      deployment,
    );
  }
  if (samePerson(request.by, expedite.requestedBy)) {
    throw new ForbiddenError(
      `${request.by} requested the expedite of deployment "${id}": someone else must approve it`,
    );
  }
  try {
    return await deps.store.updateDeployment(
      id,
      { expedite: { ...expedite, approvedBy: request.by, approvedAt: isoNow(deps.clock) } },
      { onlyIfStatusIn: ACTIVE, onlyIfExpediteUnapproved: true },
    );
  } catch (error) {
    if (error instanceof ConflictError) {
      const current = error.existing as DeploymentRecord | undefined;
      if (current?.expedite?.approvedBy) {
        throw new ConflictError(
          `the expedite request of deployment "${id}" was already approved by ${current.expedite.approvedBy}`,
          current,
        );
      }
      const status = current?.status;
      throw new ConflictError(
        `deployment "${id}" is ${status ?? 'not running'}: an expedite can only be approved while it runs`,
        error.existing,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Records a named person's decision to go ahead despite one blocker of one deployment, and puts
 * it on the timeline. Alarm blockers may be overridden only to ship the fix for that alarm
 * (`fixesAlarm: true`, else 422); a deployment that is no longer running cannot be (409).
 */
export async function overrideBlocker(
  deps: Pick<ApiDeps, 'store' | 'clock'>,
  id: string,
  request: {
    readonly blockerId: string;
    readonly by: string;
    readonly reason: string;
    readonly fixesAlarm?: boolean;
  },
): Promise<OverrideRecord> {
  if (request.blockerId.startsWith('alarm:') && request.fixesAlarm !== true) {
    throw new UnprocessableError(
      `${request.blockerId} is an alarm blocker: it can only be overridden to ship the fix for that alarm ` +
        '(send "fixesAlarm": true if this change is that fix)',
    );
  }
  const deployment = await deps.store.getDeployment(id);
  if (!deployment) throw new NotFoundError(`no deployment "${id}"`);
  if (!ACTIVE.includes(deployment.status)) {
    throw new ConflictError(
      `deployment "${id}" is ${deployment.status}: overrides only apply to a running deployment`,
      deployment,
    );
  }
  const at = isoNow(deps.clock);
  const override: OverrideRecord = {
    deploymentId: id,
    blockerId: request.blockerId,
    by: request.by,
    reason: request.reason,
    ...(request.fixesAlarm !== undefined ? { fixesAlarm: request.fixesAlarm } : {}),
    at,
  };
  await deps.store.putOverride(override);
  await deps.store.appendEvent({
    deploymentId: id,
    at,
    key: `override:${request.blockerId}`,
    type: 'blocker-overridden',
    message: `${request.by} overrode ${request.blockerId}: ${request.reason}`,
    data: {
      blockerId: request.blockerId,
      by: request.by,
      ...(request.fixesAlarm ? { fixesAlarm: true } : {}),
    },
  });
  return override;
}

function samePerson(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
