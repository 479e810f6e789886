import { describeVeto, isVetoInForce, vetoEffect } from '../core/veto.js';
import type { DeploymentRecord, VetoAction, VetoRecord } from '../ports/store.js';
import type { StepDeps } from './deps.js';
import { beginRollback } from './roll-back.js';

/*
 * Applying a veto (a change marked bad) to the deployments of that change. The API applies it to
 * every deployment it finds when someone vetoes; the workflow applies it again where a deployment
 * could have been missed — when its record is written after the veto (StartDeployment) and before
 * each wave (the wave gate) — so a veto holds even if the API call stopped half way or the
 * pipeline's deployment index (a GSI, eventually consistent) lagged.
 */

/** What applying a veto needs: the store, the clock and a log (no fleet: nothing moves here). */
export type VetoDeps = Pick<StepDeps, 'store' | 'clock' | 'log'>;

/** The veto in force on a change of a pipeline, or undefined (never vetoed, or lifted). */
export async function vetoInForce(
  deps: Pick<StepDeps, 'store'>,
  pipelineName: string,
  changeId: string,
): Promise<VetoRecord | undefined> {
  const record = await deps.store.getVeto(pipelineName, changeId);
  return record?.status === 'vetoed' ? record : undefined;
}

/** Every deployment of one change of a pipeline (all pages of the pipeline's deployments). */
export async function deploymentsOfChange(
  deps: Pick<StepDeps, 'store'>,
  pipelineName: string,
  changeId: string,
): Promise<DeploymentRecord[]> {
  const found: DeploymentRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.listDeployments(pipelineName, {
      limit: 100,
      ...(cursor !== undefined ? { cursor } : {}),
    });
    found.push(...page.items.filter((d) => d.change.id === changeId));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return found;
}

/**
 * Applies a veto to one deployment of the vetoed change: copies it onto the record (`veto`), puts
 * `change-vetoed` on its timeline, and — if it is running — begins its rollback, with a reason
 * that names the veto. Beginning the rollback is the fence: from then on no step moves traffic
 * forward, a waiting wave does not start, and the workflow's next check takes every target that
 * carries the change back. Idempotent: the same veto again writes nothing new.
 *
 * @example await applyVeto(deps, deployment, veto.vetoed)
 */
export async function applyVeto(
  deps: VetoDeps,
  deployment: DeploymentRecord,
  veto: VetoAction,
): Promise<DeploymentRecord> {
  const marked = deployment.veto;
  let current = deployment;
  if (!isVetoInForce(marked) || marked?.at !== veto.at) {
    current = await deps.store.updateDeployment(deployment.id, {
      veto: { by: veto.by, reason: veto.reason, at: veto.at },
    });
  }
  const effect = vetoEffect(current.status);
  const said = describeVeto(deployment.change.id, veto);
  await deps.store.appendEvent({
    deploymentId: deployment.id,
    at: veto.at,
    key: `change-vetoed:${veto.at}`,
    type: 'change-vetoed',
    message: effect === 'roll-back' ? `${said}; rolling back` : said,
    data: { by: veto.by, reason: veto.reason },
  });
  if (effect === 'roll-back') {
    current = await beginRollback(deps, deployment.id, { reason: said, triggeredBy: 'veto' });
    deps.log.info('vetoed change rolls back', { deploymentId: deployment.id, status: current.status });
  }
  return current;
}

/**
 * Records on one deployment that the veto of its change was lifted: `veto.lifted` and a
 * `change-veto-lifted` event. A rollback the veto began is not undone; the change may be started
 * again. A deployment without a veto in force is left as it is.
 */
export async function applyLift(
  deps: VetoDeps,
  deployment: DeploymentRecord,
  lift: VetoAction,
): Promise<DeploymentRecord> {
  const veto = deployment.veto;
  if (!veto || !isVetoInForce(veto)) return deployment;
  const updated = await deps.store.updateDeployment(deployment.id, { veto: { ...veto, lifted: lift } });
  await deps.store.appendEvent({
    deploymentId: deployment.id,
    at: lift.at,
    key: `change-veto-lifted:${lift.at}`,
    type: 'change-veto-lifted',
    message: `the veto of change ${deployment.change.id} (by ${veto.by}) was lifted by ${lift.by}: ${lift.reason}`,
    data: { by: lift.by, reason: lift.reason },
  });
  return updated;
}

/**
 * The workflow's own check (StartDeployment, the wave gate): when the deployment's change is
 * vetoed, applies the veto (which begins its rollback if it runs) and returns the updated record;
 * undefined when the change is not vetoed. One read.
 */
export async function enforceVeto(
  deps: VetoDeps,
  deployment: DeploymentRecord,
): Promise<DeploymentRecord | undefined> {
  const veto = await vetoInForce(deps, deployment.pipelineName, deployment.change.id);
  if (!veto) return undefined;
  return applyVeto(deps, deployment, veto.vetoed);
}
