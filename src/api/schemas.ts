import * as z from 'zod';
import { InvalidInputError } from '../core/errors.js';
import { PipelineSchema } from '../core/pipeline.js';
import { StartRequestSchema } from '../core/start-request.js';
import { issuesFromZod } from '../core/validation.js';

/*
 * The shapes of the HTTP API: what requests carry (parsed at the edge with these schemas) and
 * what responses return. The OpenAPI document (openapi.ts) is generated from the same schemas,
 * so it cannot drift from what the handlers accept.
 */

// ---- path and query parameters ------------------------------------------------------------------

export const PipelineNameSchema = PipelineSchema.shape.name;
export const DeploymentIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, {
  message: 'expected a deployment id (1-80 letters, digits, "_" or "-")',
});
export const BlockerIdSchema = z.string().min(1).max(200);
export const ChangeIdSchema = z.string().min(1).max(200);

const PositiveIntString = (max?: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: 'expected a positive integer' })
    .transform(Number)
    .pipe(max === undefined ? z.number().int().min(1) : z.number().int().min(1).max(max));

// Query schemas are strict: a parameter a route does not take is a 400 that names it (a typo
// such as `?versoin=2` would otherwise be silently ignored).
export const NoQuerySchema = z.strictObject({});

export const GetPipelineQuerySchema = z.strictObject({ version: PositiveIntString().optional() });

export const MAX_PAGE_SIZE = 100;
export const ListDeploymentsQuerySchema = z.strictObject({
  limit: PositiveIntString(MAX_PAGE_SIZE).optional(),
  cursor: z.string().min(1).max(2000).optional(),
});

const Instant = (what: string) =>
  z.iso.datetime({ offset: true, message: 'expected an ISO 8601 instant like 2026-11-01T00:00:00Z' }).meta({
    description: what,
  });

export const MetricsQuerySchema = z.strictObject({
  from: Instant('Start of the period (inclusive); default: 30 days before `to`.').optional(),
  to: Instant('End of the period (exclusive); default: now.').optional(),
  bucket: z.enum(['day', 'week']).optional().meta({
    description: 'Series per day or per ISO week (Monday, UTC); default: day up to 62 days, else week.',
  }),
});
export type MetricsQuery = z.output<typeof MetricsQuerySchema>;

// ---- request bodies -----------------------------------------------------------------------------

const Person = z.string().trim().min(1).max(200);
const Reason = z.string().trim().min(1).max(1000);

export const StartBodySchema = StartRequestSchema.pick({ change: true, expedite: true })
  .extend({
    requestedBy: Person.meta({ description: 'Who starts the deployment; recorded on it.' }),
  })
  .strict()
  .meta({ id: 'StartDeploymentRequest' });
export type StartBody = z.output<typeof StartBodySchema>;

export const StopBodySchema = z
  .object({ by: Person, reason: Reason })
  .strict()
  .meta({ id: 'StopDeploymentRequest' });

export const ReleaseRollbackBodySchema = z
  .object({
    by: Person.meta({ description: 'Who asks; recorded on the deployment and in its timeline.' }),
    reason: Reason,
    mode: z
      .enum(['fast', 'reverse-waves'])
      .optional()
      .meta({
        description:
          '"fast" (default): every target back at once. "reverse-waves": the last wave first, then each earlier wave ' +
          "after the bake of the wave taken back before it (the pipeline's wave bake duration). Sent again with " +
          '"fast" while a reverse-waves rollback runs: the remaining waves at once.',
      }),
    force: z.boolean().optional().meta({
      description:
        'Roll back the other targets even though a newer deployment has changed some since (name them in `leave`).',
    }),
    leave: z.array(z.string().min(1).max(200)).max(1000).optional().meta({
      description:
        'With `force`: the targets to leave as they are (every target a newer deployment has changed).',
    }),
  })
  .strict()
  .refine((b) => b.leave === undefined || b.force === true, {
    message:
      '"leave" only counts with "force": true (it names the targets a forced rollback leaves as they are)',
    path: ['leave'],
  })
  .meta({ id: 'ReleaseRollbackRequest' });

export const ApproveExpediteBodySchema = z
  .object({ by: Person.meta({ description: 'The approver: anyone but the requester.' }) })
  .strict()
  .meta({ id: 'ApproveExpediteRequest' });

export const OverrideBodySchema = z
  .object({
    blockerId: z
      .string()
      .regex(/^(alarm:.+|window|manual:.+)$/, {
        message: 'expected a blocker id: "alarm:<name>", "window" or "manual:<id>"',
      })
      .max(300)
      .meta({ description: "The blocker to go ahead despite, as shown in the wave's `blocked` list." }),
    by: Person,
    reason: Reason,
    fixesAlarm: z.boolean().optional().meta({
      description: 'Required (true) for an alarm blocker: this change ships the fix for that alarm.',
    }),
  })
  .strict()
  .meta({ id: 'OverrideRequest' });

export const VetoBodySchema = z
  .object({
    by: Person.meta({ description: 'Who marks the change bad; recorded.' }),
    reason: Reason.meta({ description: 'Why; recorded, and named in the rollback and every refusal.' }),
  })
  .strict()
  .meta({ id: 'VetoRequest' });

export const LiftVetoBodySchema = z
  .object({
    by: Person.meta({ description: 'Who lifts the veto; recorded.' }),
    reason: Reason.meta({ description: 'Why the change is good after all; recorded.' }),
  })
  .strict()
  .meta({ id: 'LiftVetoRequest' });

export const BlockerScopeSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('global') }).strict(),
    z.object({ kind: z.literal('pipeline'), pipeline: PipelineNameSchema }).strict(),
    z.object({ kind: z.literal('wave'), pipeline: PipelineNameSchema, wave: z.string().min(1) }).strict(),
    z.object({ kind: z.literal('target'), pipeline: PipelineNameSchema, target: z.string().min(1) }).strict(),
  ])
  .meta({
    id: 'BlockerScope',
    description: 'What the block holds: everything, a pipeline, a wave or a target.',
  });

export const CreateBlockerBodySchema = z
  .object({
    scope: BlockerScopeSchema,
    reason: Reason,
    author: Person,
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: 'When the block lapses by itself (ISO 8601); absent: until deleted.' }),
  })
  .strict()
  .meta({ id: 'CreateBlockerRequest' });

/**
 * A PipelineRecord as `GET /pipelines/{name}` returns it, sent back to `PUT`: its `definition` is
 * registered; `version`, `registeredAt` and `registeredBy` say where it came from and are not
 * read. (A plain pipeline document has no `definition` field, so the two cannot be confused.)
 */
export const PipelineRecordBodySchema = z
  .object({
    name: z.string().optional(),
    version: z.number().int().optional(),
    registeredAt: z.string().optional(),
    registeredBy: z.string().optional(),
    definition: z.record(z.string(), z.unknown()),
  })
  .strict();

// ---- responses (documentation only: the handlers return store records) --------------------------

export const ErrorBodySchema = z
  .object({
    error: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    status: z.string().optional(),
    conflicts: z
      .array(z.object({ targetId: z.string(), waveIndex: z.number().int(), deploymentId: z.string() }))
      .optional()
      .meta({
        description:
          'For a refused release rollback: each target a newer deployment has changed since, and which.',
      }),
    requestId: z.string().optional(),
  })
  .meta({ id: 'Error' });

const Iso = z.string().meta({ description: 'ISO 8601 instant (UTC).' });

const ChangeSchema = StartRequestSchema.shape.change;

const VetoActionSchema = z.object({ by: z.string(), reason: z.string(), at: Iso });

export const PipelineRecordSchema = z
  .object({
    name: z.string(),
    version: z.number().int(),
    definition: z
      .record(z.string(), z.unknown())
      .meta({ description: 'The resolved pipeline: defaults applied to every wave, durations in seconds.' }),
    registeredAt: Iso,
    registeredBy: z.string().optional(),
  })
  .meta({ id: 'PipelineRecord' });

const ExpediteSchema = z.object({
  requestedBy: z.string(),
  reason: z.string(),
  requestedAt: Iso,
  approvedBy: z.string().optional(),
  approvedAt: Iso.optional(),
});

export const DeploymentRecordSchema = z
  .object({
    id: z.string(),
    pipelineName: z.string(),
    pipelineVersion: z.number().int(),
    change: ChangeSchema,
    status: z.enum([
      'running',
      'rolling_back',
      'succeeded',
      'rolled_back',
      'failed',
      'superseded',
      'expired',
    ]),
    createdAt: Iso,
    updatedAt: Iso,
    endedAt: Iso.optional(),
    requestedBy: z.string().optional(),
    currentWave: z.number().int().optional(),
    cancelRequest: z.object({ by: z.string(), reason: z.string(), at: Iso }).optional(),
    heldSeconds: z.record(z.string(), z.number()).optional().meta({
      description:
        'Seconds the deployment was held before a wave, batch or target started, by blocker kind (alarm, window, manual, pipelining, lock), for holds that ended.',
    }),
    rollback: z
      .object({
        reason: z.string(),
        alarm: z.string().optional(),
        alarmAt: Iso.optional().meta({ description: 'When that alarm went into ALARM, when known.' }),
        triggeredBy: z
          .enum(['alarm-event', 'check', 'step', 'hold-expired', 'hook', 'release-rollback', 'veto'])
          .optional()
          .meta({
            description:
              'What began the rollback: the alarm watcher (an alarm event), a bake or health check, a failed step, maxHold, a hook, a request to roll back the finished release, or a veto of the change.',
          }),
        detectedAt: Iso,
        trafficOffAt: Iso.optional(),
      })
      .optional(),
    expedite: ExpediteSchema.optional(),
    endReason: z.string().optional(),
    releaseRollback: z
      .object({
        by: z.string(),
        reason: z.string(),
        mode: z.enum(['fast', 'reverse-waves']),
        requestedAt: Iso,
        releasedAt: Iso.optional().meta({ description: 'When the release had succeeded.' }),
        leave: z.array(z.object({ targetId: z.string(), deploymentId: z.string() })),
        hurriedBy: z.string().optional(),
      })
      .optional()
      .meta({
        description:
          'A request to roll back this release after it had succeeded (POST /deployments/{id}/rollback).',
      }),
    veto: VetoActionSchema.extend({
      lifted: VetoActionSchema.optional().meta({ description: 'The lift of this veto, once lifted.' }),
    })
      .optional()
      .meta({
        description:
          'Set on every deployment of a change when the change is vetoed; the change counts as vetoed while `veto` has no `lifted`.',
      }),
  })
  .meta({ id: 'Deployment' });

export const ReleaseRollbackStartedSchema = z
  .object({ deployment: DeploymentRecordSchema, executionArn: z.string() })
  .meta({ id: 'ReleaseRollbackStarted' });

const BakeProgressSchema = z.object({
  phase: z.enum(['one-box', 'rolling', 'wave']),
  startedAt: Iso,
  durationSeconds: z.number(),
  minDataPoints: z.number(),
  dataPoints: z.number(),
  dataPointsAt: Iso.optional().meta({
    description: 'When `dataPoints` were counted (once the bake’s time is up); absent before.',
  }),
  verdict: z.enum(['baking', 'inconclusive', 'baked', 'failed']),
  note: z.string().optional().meta({
    description:
      'The bake in words as of this answer: elapsed and remaining time from the control plane’s clock now, data points as last counted.',
  }),
  elapsedSeconds: z.number().optional().meta({
    description: 'Seconds since `startedAt` as of this answer, while the bake runs (baking or inconclusive).',
  }),
  failsAt: Iso.optional().meta({
    description:
      'When an inconclusive bake fails safe and rolls back (start + duration + inconclusiveTimeout).',
  }),
  alarms: z.array(z.object({ name: z.string(), state: z.string() })),
});

const TargetViewSchema = z.object({
  targetId: z.string(),
  status: z.string(),
  weight: z.number().meta({ description: 'Percent of traffic on the new version as last applied.' }),
  previousVersion: z.string().optional(),
  newVersion: z.string().optional(),
  stepIndex: z.number().int().optional(),
  updatedAt: Iso.optional(),
  bake: BakeProgressSchema.optional(),
  hooks: z
    .record(
      z.string(),
      z.object({ status: z.enum(['succeeded', 'failed']), reason: z.string().optional(), at: Iso }),
    )
    .optional()
    .meta({ description: "Each hook's answer for this target, by `<moment>:<hook name>`." }),
  analysis: z
    .record(
      z.string(),
      z.object({
        verdict: z.enum(['pass', 'marginal', 'fail', 'inconclusive']),
        reason: z.string(),
        step: z.number().int(),
        at: Iso,
      }),
    )
    .optional()
    .meta({
      description:
        'The statistical one-box analysis of the target, when the wave asks for one: the latest verdict of each step, by step index ("0": the one-box).',
    }),
  batch: z.number().int().min(1).optional().meta({
    description: "Which batch of its wave the target is in, from 1 (see the wave's batching).",
  }),
  previousOwner: z
    .object({ deploymentId: z.string(), waveIndex: z.number().int(), targetId: z.string() })
    .optional()
    .meta({
      description:
        'The deployment whose new version previousVersion was when this one took the alias (pipelining); if that one ' +
        'rolls back, a rollback of this one restores the version from before it.',
    }),
});

const WaveViewSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  stage: z.enum(['pre-production', 'production']).optional().meta({
    description: 'Pre-production (a test stage before every production wave) or production.',
  }),
  hooks: z
    .record(
      z.string(),
      z.object({ status: z.enum(['succeeded', 'failed']), reason: z.string().optional(), at: Iso }),
    )
    .optional()
    .meta({ description: "Answers of the wave's own hooks (scope wave), by `<moment>:<hook name>`." }),
  status: z.string(),
  startedAt: Iso.optional(),
  endedAt: Iso.optional(),
  rolledBackAt: Iso.optional().meta({
    description: 'When a release rollback had taken the whole wave back.',
  }),
  bake: BakeProgressSchema.optional(),
  blocked: z
    .object({
      since: Iso,
      blockers: z.array(
        z.object({ id: z.string(), kind: z.string(), description: z.string(), until: Iso.optional() }),
      ),
    })
    .optional()
    .meta({ description: 'While the wave waits to start: what holds it (override by `id`).' }),
  targets: z.array(TargetViewSchema),
});

export const OverrideRecordSchema = z
  .object({
    deploymentId: z.string(),
    blockerId: z.string(),
    by: z.string(),
    reason: z.string(),
    fixesAlarm: z.boolean().optional(),
    at: Iso,
  })
  .meta({ id: 'Override' });

const TimelineEventSchema = z.object({
  at: Iso,
  key: z.string(),
  type: z.string(),
  message: z.string(),
  wave: z.number().int().optional(),
  target: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

const IntervalSchema = z.object({ from: Iso, to: Iso });

export const DeploymentChartsSchema = z
  .object({
    from: Iso.meta({ description: "Start of the shared time axis: the deployment's start." }),
    to: Iso.meta({ description: 'End of the shared time axis: the later of `until` and the planned end.' }),
    until: Iso.meta({ description: "End of what is recorded: the deployment's end, or now while it runs." }),
    waves: z.array(
      z.object({
        index: z.number().int(),
        name: z.string(),
        status: z.string(),
        planned: z.object({ start: Iso, end: Iso }).optional().meta({
          description:
            "The plan's prediction from the deployment's start (bakes and time windows; holds and alarms are not foreseen).",
        }),
        actual: z
          .object({ start: Iso, end: Iso, ongoing: z.literal(true).optional() })
          .optional()
          .meta({ description: 'When the wave ran; `ongoing` (and `end` = `until`) while it runs.' }),
        holds: z
          .array(IntervalSchema.extend({ reasons: z.array(z.string()), ongoing: z.literal(true).optional() }))
          .meta({ description: 'While the wave waited to start, and what held it.' }),
      }),
    ),
    targets: z.array(
      z.object({
        targetId: z.string(),
        wave: z.number().int(),
        weights: z.array(z.object({ at: Iso, weight: z.number() })).meta({
          description:
            'Percent of traffic on the new version as steps: each point holds until the next, the last until `until`.',
        }),
        alarms: z
          .array(
            z.object({
              name: z.string(),
              where: z.string().meta({ description: '`<region>/<account>` of the alarm.' }),
              segments: z.array(IntervalSchema.extend({ state: z.string() })),
            }),
          )
          .meta({
            description:
              'Each alarm watching the target: its states over time (OK, ALARM, INSUFFICIENT_DATA, missing).',
          }),
      }),
    ),
  })
  .meta({ id: 'DeploymentCharts' });

export const DeploymentDetailSchema = z
  .object({
    deployment: DeploymentRecordSchema,
    waves: z.array(WaveViewSchema),
    events: z.array(TimelineEventSchema),
    overrides: z.array(OverrideRecordSchema),
    charts: DeploymentChartsSchema,
  })
  .meta({ id: 'DeploymentDetail' });

const Seconds = z.number().min(0);
const DurationSummarySchema = {
  count: z.number().int(),
  medianSeconds: Seconds.nullable().meta({
    description: 'Middle value (mean of the two middle ones for an even count); null when count is 0.',
  }),
  p90Seconds: Seconds.nullable().meta({
    description: 'Nearest-rank 90th percentile (the ⌈0.9·n⌉-th smallest); null when count is 0.',
  }),
};
const RestorePointSchema = {
  deploymentId: z.string(),
  startedAt: Iso,
  restoredAt: Iso,
  seconds: Seconds,
};

export const DeliveryMetricsSchema = z
  .object({
    pipeline: z.string(),
    from: Iso,
    to: Iso.meta({ description: 'Exclusive.' }),
    days: z.number(),
    deployments: z
      .object({
        total: z.number().int(),
        succeeded: z.number().int(),
        failed: z.number().int(),
        inProgress: z.number().int(),
        notJudged: z.number().int().meta({ description: 'Superseded or expired: never judged.' }),
      })
      .meta({ description: 'Deployments created in the period, by outcome.' }),
    frequency: z.object({
      succeeded: z.number().int(),
      perDay: z.number(),
      perWeek: z.number(),
      bucket: z.enum(['day', 'week']),
      series: z.array(
        z.object({
          start: Iso.meta({ description: 'Start of the day, or the Monday of the week (UTC).' }),
          succeeded: z.number().int(),
          failed: z.number().int(),
          inProgress: z.number().int(),
          notJudged: z.number().int(),
        }),
      ),
    }),
    leadTime: z.object({
      ...DurationSummarySchema,
      fromChangeCreatedAt: z
        .number()
        .int()
        .meta({ description: 'Lead times counted from change.createdAt.' }),
      fromDeploymentCreatedAt: z.number().int().meta({
        description:
          'Lead times counted from the deployment start: the change did not say when it was created.',
      }),
      points: z.array(
        z.object({
          deploymentId: z.string(),
          changeId: z.string(),
          endedAt: Iso,
          seconds: Seconds,
          from: z.enum(['change', 'deployment']),
        }),
      ),
    }),
    changeFailureRate: z.object({
      failed: z.number().int(),
      judged: z.number().int().meta({ description: 'Succeeded + failed.' }),
      rate: z.number().nullable().meta({ description: 'failed / judged; null when nothing was judged.' }),
      byCause: z.record(z.string(), z.number().int()).meta({
        description:
          'Failures by cause: vetoed, release-rollback, stopped, alarm-event, check, step, hook, unknown.',
      }),
    }),
    timeToRestore: z.object({
      trafficOff: z.object({
        ...DurationSummarySchema,
        points: z.array(z.object({ ...RestorePointSchema, start: z.enum(['alarm', 'detected']) })),
      }),
      nextGoodRelease: z.object({
        ...DurationSummarySchema,
        points: z.array(z.object({ ...RestorePointSchema, restoredBy: z.string() })),
        unrestored: z
          .array(z.string())
          .meta({ description: 'Failed deployments no succeeded deployment has followed yet.' }),
      }),
    }),
    held: z.object({
      byKind: z
        .record(z.string(), Seconds)
        .meta({ description: 'Seconds held before a wave or target started, by blocker kind.' }),
      deployments: z.number().int().meta({ description: 'Deployments that were held at all.' }),
    }),
  })
  .meta({
    id: 'DeliveryMetrics',
    description: 'Delivery metrics of a pipeline over a period (docs/metrics.md).',
  });

export const BlockerRecordSchema = z
  .object({
    id: z.string(),
    scope: BlockerScopeSchema,
    reason: z.string(),
    author: z.string(),
    createdAt: Iso,
    expiresAt: Iso.optional(),
  })
  .meta({ id: 'Blocker' });

export const VetoRecordSchema = z
  .object({
    pipelineName: z.string(),
    changeId: z.string(),
    status: z.enum(['vetoed', 'lifted']).meta({ description: '`vetoed` while the veto is in force.' }),
    vetoed: VetoActionSchema.meta({ description: 'The latest veto.' }),
    lifted: VetoActionSchema.optional().meta({ description: 'The latest lift, when `status` is `lifted`.' }),
    history: z
      .array(VetoActionSchema.extend({ action: z.enum(['vetoed', 'lifted']) }))
      .meta({ description: 'Every veto and lift of the change, oldest first.' }),
  })
  .meta({ id: 'Veto' });

export const VetoResultSchema = z
  .object({
    veto: VetoRecordSchema,
    created: z.boolean().optional().meta({
      description: 'Veto only: false when a veto was already in force (kept as it is, applied again).',
    }),
    lifted: z.boolean().optional().meta({
      description: 'Lift only: false when the veto was already lifted (nothing changed).',
    }),
    deployments: z
      .array(z.object({ deploymentId: z.string(), status: z.string() }))
      .meta({ description: 'Every deployment of the change on the pipeline, as the veto or lift left it.' }),
  })
  .meta({ id: 'VetoResult' });

export const StartedDeploymentSchema = z
  .object({ deploymentId: z.string(), executionArn: z.string() })
  .meta({ id: 'StartedDeployment' });

export const GithubWebhookResponseSchema = z
  .object({
    ok: z.literal(true).optional().meta({ description: 'A `ping`.' }),
    ignored: z.string().optional().meta({ description: 'The event, when it is not one Breakwater acts on.' }),
    deployments: z
      .array(
        z.object({
          pipeline: z.string(),
          deploymentId: z.string(),
          executionArn: z.string().optional(),
          duplicate: z.literal(true).optional().meta({
            description:
              'This commit was already started on the pipeline as `deploymentId`: nothing new started.',
          }),
          status: z.string().optional().meta({ description: 'For a duplicate: that deployment’s status.' }),
          message: z
            .string()
            .optional()
            .meta({ description: 'For a duplicate: how to deploy the commit again.' }),
        }),
      )
      .optional(),
    skipped: z.array(z.object({ pipeline: z.string(), reason: z.string() })).optional(),
  })
  .meta({ id: 'GithubWebhookResult' });

// ---- parsing at the edge -------------------------------------------------------------------------

/**
 * Parses a query string object (API Gateway's `queryStringParameters`, null when there is none)
 * with a strict schema. An unknown name is reported as such, with the names the route takes;
 * names are looked up as own properties only, so `constructor` or `__proto__` is just unknown.
 *
 * @example const { version } = parseQuery(GetPipelineQuerySchema, event.queryStringParameters);
 */
export function parseQuery<S extends z.ZodObject>(
  schema: S,
  input: Readonly<Record<string, string | undefined>> | null | undefined,
): z.output<S> {
  const query = input ?? {};
  const known = Object.keys(schema.shape);
  const unknown = Object.keys(query).filter((name) => !Object.hasOwn(schema.shape, name));
  if (unknown.length > 0) {
    const accepts =
      known.length === 0
        ? 'takes no query parameters'
        : `accepts ${known.map((name) => JSON.stringify(name)).join(', ')}`;
    throw new InvalidInputError(
      'request query',
      unknown.map((name) => ({
        path: 'query',
        message: `unknown query parameter ${JSON.stringify(name)}: this route ${accepts}`,
        received: name,
      })),
    );
  }
  return parseRequest(schema, query, 'query');
}

/** Where a value came from: body paths are shown as is, the others with their prefix. */
export type RequestPart = 'body' | 'query' | 'path' | 'header';

/**
 * Parses one part of a request, or throws InvalidInputError with every issue and its path:
 * `change.id` for the body, `query.limit`, `path.name`.
 *
 * @example const query = parseRequest(ListDeploymentsQuerySchema, event.queryStringParameters, 'query');
 */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, part: RequestPart): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = issuesFromZod(result.error, input).map((issue) => ({
    ...issue,
    path: part === 'body' ? issue.path : issue.path === '' ? part : `${part}.${issue.path}`,
  }));
  throw new InvalidInputError(`request ${part}`, issues);
}
