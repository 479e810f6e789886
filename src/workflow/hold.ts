import { HoldExpiredError } from '../core/errors.js';
import { assessHold } from '../core/hold.js';
import type { ResolvedPipeline } from '../core/pipeline.js';
import { isoNow } from '../ports/clock.js';
import type { DeploymentRecord } from '../ports/store.js';
import { record } from './context.js';
import type { StepDeps } from './deps.js';
import { beginRollback } from './roll-back.js';

/**
 * A start is held (the wave gate, a batch's blockers, an alias lock): the first time, records
 * since when; past the pipeline's maxHold, gives up — marks the deployment as rolling back with
 * `hold-expired` (it ends `expired`) and throws {@link HoldExpiredError}, so the workflow takes
 * its rollback path and every target it moved goes back to the previous version.
 */
export async function noteHold(
  deps: StepDeps,
  deployment: DeploymentRecord,
  pipeline: ResolvedPipeline,
  what: string,
): Promise<void> {
  const since = deployment.hold?.since;
  if (!since) {
    await deps.store.updateDeployment(deployment.id, { hold: { since: isoNow(deps.clock), what } });
    return;
  }
  const hold = assessHold(Date.parse(since), deps.clock.nowMs(), pipeline.maxHold, what);
  if (!hold.expired) return;
  await beginRollback(deps, deployment.id, { reason: hold.reason, triggeredBy: 'hold-expired' });
  await record(deps, deployment.id, {
    key: 'hold-expired',
    type: 'hold-expired',
    message: `deployment gives up: ${hold.reason}; every target it moved goes back to the previous version`,
    data: { since, heldSeconds: Math.round(hold.heldSeconds), maxHoldSeconds: pipeline.maxHold },
  });
  throw new HoldExpiredError(hold.reason);
}

/** The start goes ahead: a hold, if there was one, is over. */
export async function endHold(deps: StepDeps, deployment: DeploymentRecord): Promise<void> {
  if (deployment.hold?.since) await deps.store.updateDeployment(deployment.id, { hold: {} });
}
