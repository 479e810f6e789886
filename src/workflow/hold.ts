import { ConflictError, HoldExpiredError } from '../core/errors.js';
import { accrueHeld, assessHold, sameKinds } from '../core/hold.js';
import type { ResolvedPipeline } from '../core/pipeline.js';
import { isoNow } from '../ports/clock.js';
import type { DeploymentRecord } from '../ports/store.js';
import { record } from './context.js';
import type { StepDeps } from './deps.js';
import { beginRollback } from './roll-back.js';

/**
 * A start is held (the wave gate, a batch's blockers, an alias lock): the first time, records
 * since when and by which blocker `kinds` (alarm, window, manual, pipelining, lock); when the
 * kinds change, adds the seconds the previous kinds held to `heldSeconds` (a write on change,
 * never per poll); past the pipeline's maxHold, gives up — marks the deployment as rolling back with
 * `hold-expired` (it ends `expired`) and throws {@link HoldExpiredError}, so the workflow takes
 * its rollback path and every target it moved goes back to the previous version.
 */
export async function noteHold(
  deps: StepDeps,
  deployment: DeploymentRecord,
  pipeline: ResolvedPipeline,
  what: string,
  kinds: readonly string[],
): Promise<void> {
  const since = deployment.hold?.since;
  const sorted = [...new Set(kinds)].sort();
  if (!since) {
    const now = isoNow(deps.clock);
    await holdWrite(deps, deployment, { hold: { since: now, what, kinds: sorted, kindsSince: now } });
    return;
  }
  if (!sameKinds(deployment.hold?.kinds, sorted)) {
    await holdWrite(deps, deployment, {
      hold: { since, what, kinds: sorted, kindsSince: isoNow(deps.clock) },
      heldSeconds: accrueHeld(deployment.heldSeconds, deployment.hold, deps.clock.nowMs()),
    });
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

/** The start goes ahead: a hold, if there was one, is over; its last segment's seconds are added. */
export async function endHold(deps: StepDeps, deployment: DeploymentRecord): Promise<void> {
  if (!deployment.hold?.since) return;
  await holdWrite(deps, deployment, {
    hold: {},
    heldSeconds: accrueHeld(deployment.heldSeconds, deployment.hold, deps.clock.nowMs()),
  });
}

/**
 * Writes a change of the hold only if the segment read is still the open one: of two steps that
 * end the same segment (parallel batches), one adds its seconds and the other leaves it be.
 */
async function holdWrite(
  deps: StepDeps,
  deployment: DeploymentRecord,
  patch: Pick<DeploymentRecord, 'hold' | 'heldSeconds'>,
): Promise<void> {
  try {
    await deps.store.updateDeployment(deployment.id, patch, {
      onlyIfHoldSegment: deployment.hold?.kindsSince ?? null,
    });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
}
