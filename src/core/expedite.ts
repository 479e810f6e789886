import type { ResolvedPipeline } from './pipeline.js';
import type { RolloutStep } from './rollout.js';

export interface ExpeditePolicy {
  readonly bakeFraction: number;
  readonly minBake: number;
}

/**
 * The policy in force for a deployment: only when the pipeline has one AND someone other than
 * the requester approved the request. Alarms, the one-box and rollback never change.
 */
export function activeExpedite(
  pipeline: Pick<ResolvedPipeline, 'expedite'>,
  expedite: { readonly requestedBy: string; readonly approvedBy?: string } | undefined,
): ExpeditePolicy | undefined {
  if (!pipeline.expedite || !expedite?.approvedBy || expedite.approvedBy === expedite.requestedBy)
    return undefined;
  return { bakeFraction: pipeline.expedite.bakeFraction, minBake: pipeline.expedite.minBake };
}

/**
 * A bake under an expedite policy: duration and data points scaled by the fraction, the duration
 * never below the floor (nor above the original), data points at least 1 when any were needed.
 *
 * @example expediteBake({ seconds: 3600, minDataPoints: 1000 }, { bakeFraction: 0.25, minBake: 600 })
 * // { seconds: 900, minDataPoints: 250 }
 */
export function expediteBake(
  bake: { readonly seconds: number; readonly minDataPoints: number },
  policy: ExpeditePolicy | undefined,
): { seconds: number; minDataPoints: number } {
  if (!policy) return { seconds: bake.seconds, minDataPoints: bake.minDataPoints };
  const seconds = Math.min(
    bake.seconds,
    Math.max(policy.minBake, Math.round(bake.seconds * policy.bakeFraction)),
  );
  const minDataPoints =
    bake.minDataPoints === 0 ? 0 : Math.max(1, Math.ceil(bake.minDataPoints * policy.bakeFraction));
  return { seconds, minDataPoints };
}

export function expediteSteps(
  steps: readonly RolloutStep[],
  policy: ExpeditePolicy | undefined,
): RolloutStep[] {
  return steps.map((s) => {
    const b = expediteBake({ seconds: s.bakeSeconds, minDataPoints: s.minDataPoints }, policy);
    return { ...s, bakeSeconds: b.seconds, minDataPoints: b.minDataPoints };
  });
}
