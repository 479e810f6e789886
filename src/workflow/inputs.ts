import { z } from 'zod';

/*
 * The shapes the state machines pass to each step. Parsed with zod at the handler edge, so a
 * definition/handler mismatch fails loudly with the path instead of misbehaving.
 */

const Index = z.number().int().nonnegative();

export const StartRequestSchema = z
  .object({
    pipeline: z.string().min(1).max(80).meta({ description: 'Name of a registered pipeline.' }),
    change: z
      .object({
        id: z.string().min(1).max(200).meta({ description: 'Commit sha or build id.' }),
        description: z.string().max(500).optional(),
        version: z
          .string()
          .regex(/^\d+$/, { message: 'expected a published Lambda version number like "42"' })
          .optional(),
        versions: z
          .record(
            z.string(),
            z.string().regex(/^\d+$/, { message: 'expected a published Lambda version number' }),
          )
          .optional(),
      })
      .strict(),
    requestedBy: z.string().min(1).max(200).optional(),
    expedite: z
      .object({ reason: z.string().min(1).max(500) })
      .strict()
      .optional()
      .meta({ description: 'Ask to expedite under the pipeline policy; someone else must approve it.' }),
    pipelineVersion: z.number().int().positive().optional(),
    deploymentId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,80}$/)
      .optional(),
  })
  .strict();
export type StartRequest = z.output<typeof StartRequestSchema>;

export const StartDeploymentInput = z.object({
  request: z.unknown(),
  executionName: z.string().min(1),
});

export const WaveInput = z.object({ deploymentId: z.string().min(1), waveIndex: Index });

export const RolloutStepSchema = z.object({
  index: Index,
  kind: z.enum(['one-box', 'rolling']),
  weight: z.number().gt(0).lte(100),
  bakeSeconds: z.number().nonnegative(),
  minDataPoints: z.number().int().nonnegative(),
});

export const TargetInput = WaveInput.extend({ targetIndex: Index });
export const ShiftInput = TargetInput.extend({ step: RolloutStepSchema });

export const CheckInput = z.discriminatedUnion('scope', [
  WaveInput.extend({
    scope: z.literal('batch'),
    batchIndex: Index,
    targets: z.array(Index).min(1),
    step: RolloutStepSchema,
    shift: z.array(z.object({ appliedAtMs: z.number() })).min(1),
    previous: z.object({ verdict: z.string(), signature: z.string() }),
  }),
  WaveInput.extend({
    scope: z.literal('wave'),
    startedAtMs: z.number(),
    previous: z.object({ verdict: z.string(), signature: z.string() }),
  }),
]);
export type CheckInputT = z.output<typeof CheckInput>;

const StepError = z.object({ Error: z.string().optional(), Cause: z.string().optional() }).passthrough();

export const RollBackInput = z.discriminatedUnion('scope', [
  WaveInput.extend({ scope: z.literal('wave'), error: StepError.optional() }),
  z.object({ deploymentId: z.string().min(1), scope: z.literal('deployment'), error: StepError.optional() }),
]);
export type RollBackInputT = z.output<typeof RollBackInput>;

export const RecordProgressInput = z.discriminatedUnion('event', [
  WaveInput.extend({ event: z.literal('wave-bake-started') }),
  WaveInput.extend({ event: z.literal('wave-succeeded') }),
  z.object({ deploymentId: z.string().min(1), event: z.literal('deployment-succeeded') }),
]);
