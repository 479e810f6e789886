import * as z from 'zod/mini';

/*
 * The shapes the state machines pass to each step, parsed at the handler edge so a definition /
 * handler mismatch fails loudly with the path. zod/mini keeps each step Lambda's bundle small
 * (the full zod API is only needed where users write documents).
 */

const Index = z.number().check(z.int(), z.nonnegative());
const Id = z.string().check(z.minLength(1));

export const StartDeploymentInput = z.object({
  request: z.unknown(),
  executionName: Id,
});

export const WaveInput = z.object({ deploymentId: Id, waveIndex: Index });

/** The ReleaseRollback workflow's step: which deployment's finished release to take back. */
export const RollBackReleaseInput = z.object({ deploymentId: Id });

export const RolloutStepSchema = z.object({
  index: Index,
  kind: z.enum(['one-box', 'rolling']),
  weight: z.number().check(z.gt(0), z.lte(100)),
  bakeSeconds: z.number().check(z.nonnegative()),
  minDataPoints: z.number().check(z.int(), z.nonnegative()),
  /** The target hooks that run once this step has baked (afterOneBox, afterTraffic), if any. */
  hook: z.optional(z.enum(['afterOneBox', 'afterTraffic'])),
});

const HookMomentSchema = z.enum(['beforeTraffic', 'afterOneBox', 'afterTraffic']);

export const TargetInput = z.extend(WaveInput, { targetIndex: Index });
export const ShiftInput = z.extend(TargetInput, { step: RolloutStepSchema });
/** A step's targets: indexes within the wave, at most a batch (the wave's concurrency, ≤ 40). */
const BatchTargets = z.array(Index).check(z.minLength(1), z.maxLength(40));
export const BatchInput = z.extend(WaveInput, { targets: BatchTargets });
export const BatchShiftInput = z.extend(BatchInput, { step: RolloutStepSchema });

/** What the previous check saw; `dataPoints` once they have been counted. */
const Previous = z.object({
  verdict: z.string(),
  signature: z.string(),
  dataPoints: z.optional(z.number().check(z.nonnegative())),
  dataPointsAtMs: z.optional(z.number()),
});

export const CheckInput = z.discriminatedUnion('scope', [
  z.extend(WaveInput, {
    scope: z.literal('batch'),
    batchIndex: Index,
    targets: z.array(Index).check(z.minLength(1)),
    step: RolloutStepSchema,
    shift: z.array(z.object({ appliedAtMs: z.number() })).check(z.minLength(1)),
    previous: Previous,
  }),
  z.extend(WaveInput, {
    scope: z.literal('wave'),
    startedAtMs: z.number(),
    previous: Previous,
  }),
]);
export type CheckInputT = z.output<typeof CheckInput>;

const StepError = z.looseObject({ Error: z.optional(z.string()), Cause: z.optional(z.string()) });

export const RollBackInput = z.discriminatedUnion('scope', [
  z.extend(WaveInput, { scope: z.literal('wave'), error: z.optional(StepError) }),
  z.object({ deploymentId: Id, scope: z.literal('deployment'), error: z.optional(StepError) }),
]);
export type RollBackInputT = z.output<typeof RollBackInput>;

export const RecordProgressInput = z.discriminatedUnion('event', [
  z.extend(WaveInput, { event: z.literal('wave-bake-started') }),
  z.extend(WaveInput, { event: z.literal('wave-succeeded') }),
  z.object({ deploymentId: Id, event: z.literal('deployment-succeeded') }),
]);

/** A hook step: the wave's hooks at one moment, for a batch's targets or (without targets) the wave. */
export const RunHooksInput = z.extend(WaveInput, {
  at: HookMomentSchema,
  targets: z.optional(BatchTargets),
});
export type RunHooksInputT = z.output<typeof RunHooksInput>;
