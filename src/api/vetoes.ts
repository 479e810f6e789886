import { NotFoundError } from '../core/errors.js';
import { isoNow } from '../ports/clock.js';
import type { DeploymentStatus, VetoRecord } from '../ports/store.js';
import { applyLift, applyVeto, deploymentsOfChange } from '../workflow/veto.js';
import type { ApiDeps } from './deps.js';

/*
 * Marking a change bad, and lifting that mark. A vetoed change never starts or continues: its
 * running deployments roll back, the triggers and hand starts refuse it, and the next change of
 * the pipeline deploys as usual. Every veto and lift is kept with who, why and when.
 */

/** A deployment of the change, as the veto (or the lift) left it. */
export interface VetoedDeployment {
  readonly deploymentId: string;
  readonly status: DeploymentStatus;
}

export interface VetoResult {
  readonly veto: VetoRecord;
  /** Every deployment of the change on the pipeline, after the veto (or lift) was applied. */
  readonly deployments: readonly VetoedDeployment[];
}

type VetoApiDeps = Pick<ApiDeps, 'store' | 'clock' | 'log'>;

async function requirePipeline(deps: Pick<ApiDeps, 'store'>, name: string): Promise<void> {
  if (!(await deps.store.getPipeline(name))) throw new NotFoundError(`no pipeline "${name}"`);
}

/**
 * Vetoes a change of a pipeline: records the veto (who, why, when), then applies it to every
 * deployment of the change — a running one begins its rollback at once (no step moves its traffic
 * forward any more; the workflow's next check takes every target back), the others are marked.
 * Asking again while the veto is in force changes nothing (`created: false`, the veto in force
 * kept as it is) but applies it again, so a call that stopped half way can simply be repeated.
 *
 * @example await vetoChange(deps, 'payments', 'abc123', { by: 'alice', reason: 'corrupts carts' })
 */
export async function vetoChange(
  deps: VetoApiDeps,
  pipelineName: string,
  changeId: string,
  request: { readonly by: string; readonly reason: string },
): Promise<VetoResult & { readonly created: boolean }> {
  await requirePipeline(deps, pipelineName);
  const { record, created } = await deps.store.putVeto(pipelineName, changeId, {
    by: request.by,
    reason: request.reason,
    at: isoNow(deps.clock),
  });
  const deployments = await deploymentsOfChange(deps, pipelineName, changeId);
  const applied = [];
  for (const d of deployments) applied.push(await applyVeto(deps, d, record.vetoed));
  deps.log.info(created ? 'change vetoed' : 'change already vetoed', {
    pipeline: pipelineName,
    change: changeId,
    by: record.vetoed.by,
    deployments: applied.map((d) => d.id),
  });
  return { veto: record, created, deployments: applied.map(summary) };
}

/**
 * Lifts the veto of a change: the change may start again (by hand, or by a new push); a rollback
 * the veto began is not undone. Every deployment of the change records the lift. Lifting a veto
 * already lifted changes nothing; a change never vetoed is a NotFoundError (404).
 *
 * @example await liftVeto(deps, 'payments', 'abc123', { by: 'bob', reason: 'false alarm: the carts were fine' })
 */
export async function liftVeto(
  deps: VetoApiDeps,
  pipelineName: string,
  changeId: string,
  request: { readonly by: string; readonly reason: string },
): Promise<VetoResult & { readonly lifted: boolean }> {
  await requirePipeline(deps, pipelineName);
  const { record, lifted } = await deps.store.liftVeto(pipelineName, changeId, {
    by: request.by,
    reason: request.reason,
    at: isoNow(deps.clock),
  });
  const deployments = await deploymentsOfChange(deps, pipelineName, changeId);
  const applied = [];
  for (const d of deployments) applied.push(record.lifted ? await applyLift(deps, d, record.lifted) : d);
  deps.log.info(lifted ? 'veto lifted' : 'veto already lifted', {
    pipeline: pipelineName,
    change: changeId,
    by: record.lifted?.by,
  });
  return { veto: record, lifted, deployments: applied.map(summary) };
}

/** Every change of the pipeline ever vetoed, the latest decision first (404 for an unknown pipeline). */
export async function listVetoes(
  deps: Pick<ApiDeps, 'store'>,
  pipelineName: string,
): Promise<{ items: VetoRecord[] }> {
  await requirePipeline(deps, pipelineName);
  const latest = (v: VetoRecord) => v.history[v.history.length - 1]?.at ?? v.vetoed.at;
  const items = (await deps.store.listVetoes(pipelineName)).sort((a, b) =>
    latest(b).localeCompare(latest(a)),
  );
  return { items };
}

function summary(d: { readonly id: string; readonly status: DeploymentStatus }): VetoedDeployment {
  return { deploymentId: d.id, status: d.status };
}
