/*
 * Rolling back a finished (succeeded) release: which targets it may take back, and what the
 * ReleaseRollback workflow does next. Pure: the service and the step gather the records and apply
 * the answer.
 */

/** How a finished release is taken back. */
export type ReleaseRollbackMode = 'fast' | 'reverse-waves';

/** One target a finished deployment moved, as the decision needs it. */
export interface MovedTarget {
  readonly targetId: string;
  readonly waveIndex: number;
  /** The deployment that last took the target's alias (undefined: none recorded). */
  readonly ownerDeploymentId?: string;
}

/** A target another deployment has changed since the release. */
export interface TargetConflict {
  readonly targetId: string;
  readonly waveIndex: number;
  /** The deployment that has taken the target since. */
  readonly deploymentId: string;
}

export type ReleaseRollbackScope =
  | {
      readonly ok: true;
      /** Targets to take back. */
      readonly targets: readonly MovedTarget[];
      /** Targets left as they are (named by the caller). */
      readonly left: readonly TargetConflict[];
    }
  | {
      readonly ok: false;
      /** Targets another deployment changed that the caller did not name to leave. */
      readonly conflicts: readonly TargetConflict[];
      /** Names in `leave` that are not targets of the deployment. */
      readonly unknownLeave: readonly string[];
    };

/**
 * Decides which targets a release rollback takes back. A target another deployment has taken
 * since (its alias owner is not this deployment) is a conflict, unless the caller forces the
 * rollback and names it in `leave`; a target named in `leave` is left as it is either way.
 *
 * @example
 * scopeReleaseRollback('d1', [{ targetId: 'a', waveIndex: 0, ownerDeploymentId: 'd2' }], { force: false, leave: [] })
 * // { ok: false, conflicts: [{ targetId: 'a', waveIndex: 0, deploymentId: 'd2' }], unknownLeave: [] }
 */
export function scopeReleaseRollback(
  deploymentId: string,
  moved: readonly MovedTarget[],
  request: { readonly force: boolean; readonly leave: readonly string[] },
): ReleaseRollbackScope {
  const leave = new Set(request.leave);
  const known = new Set(moved.map((t) => t.targetId));
  const unknownLeave = request.leave.filter((id) => !known.has(id));
  const conflicts: TargetConflict[] = [];
  const left: TargetConflict[] = [];
  const targets: MovedTarget[] = [];
  for (const t of moved) {
    const taken = t.ownerDeploymentId !== undefined && t.ownerDeploymentId !== deploymentId;
    const conflict = {
      targetId: t.targetId,
      waveIndex: t.waveIndex,
      deploymentId: t.ownerDeploymentId ?? '',
    };
    if (request.force && leave.has(t.targetId)) left.push(conflict);
    else if (taken) conflicts.push(conflict);
    else targets.push(t);
  }
  if (conflicts.length > 0 || unknownLeave.length > 0) return { ok: false, conflicts, unknownLeave };
  return { ok: true, targets, left };
}

/** A wave of the release as the workflow sees it while rolling back. */
export interface ReleaseWave {
  readonly index: number;
  /** Targets of this wave still to take back (not rolled back, not left). */
  readonly pending: number;
  /** When this wave's targets were all back (the release rollback's own time), if they are. */
  readonly rolledBackAtMs?: number;
  /** The pipeline's bake duration of this wave, in seconds. */
  readonly bakeSeconds: number;
}

export type ReleaseRollbackStep =
  /** Take back these waves' targets now. */
  | { readonly action: 'revert'; readonly waves: readonly number[] }
  /** Wait (the bake after the wave last taken back), then ask again. */
  | {
      readonly action: 'wait';
      readonly seconds: number;
      readonly untilMs: number;
      readonly afterWave: number;
    }
  /** Every wave is back: end the release rollback. */
  | { readonly action: 'finish' };

/**
 * What the ReleaseRollback workflow does next. `fast`: every wave at once. `reverse-waves`: the
 * last wave first, then each earlier one once the bake of the wave taken back before it has
 * passed. A wait is at most `maxWaitSeconds` long, so a request to hurry (switching to `fast`) is
 * seen within that time.
 *
 * @example
 * nextReleaseRollbackStep('reverse-waves', [{ index: 0, pending: 2, bakeSeconds: 3600 }, { index: 1, pending: 3, bakeSeconds: 1800 }], 0, 300)
 * // { action: 'revert', waves: [1] }
 */
export function nextReleaseRollbackStep(
  mode: ReleaseRollbackMode,
  waves: readonly ReleaseWave[],
  nowMs: number,
  maxWaitSeconds: number,
): ReleaseRollbackStep {
  const pending = waves.filter((w) => w.pending > 0);
  if (pending.length === 0) return { action: 'finish' };
  if (mode === 'fast') return { action: 'revert', waves: pending.map((w) => w.index) };
  const next = pending.reduce((a, b) => (b.index > a.index ? b : a));
  // The bake that gates `next` is the one of the latest wave taken back after it (a later wave).
  const before = waves
    .filter((w) => w.index > next.index && w.rolledBackAtMs !== undefined)
    .reduce<ReleaseWave | undefined>(
      (a, b) => (!a || b.rolledBackAtMs! > a.rolledBackAtMs! ? b : a),
      undefined,
    );
  if (before) {
    const untilMs = before.rolledBackAtMs! + before.bakeSeconds * 1000;
    if (nowMs < untilMs) {
      const seconds = Math.max(1, Math.min(maxWaitSeconds, Math.ceil((untilMs - nowMs) / 1000)));
      return { action: 'wait', seconds, untilMs, afterWave: before.index };
    }
  }
  return { action: 'revert', waves: [next.index] };
}
