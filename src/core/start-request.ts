import * as z from 'zod';

/** What starts a deployment: the state machine input, the API's start body, a trigger's plan. */

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
        createdAt: z.iso.datetime({ offset: true }).optional().meta({
          description:
            'When the change was created or pushed (ISO 8601). Lead time counts from it; without it, from when the deployment started.',
        }),
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
