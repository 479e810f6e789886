import * as z from 'zod';
import { DurationSchema } from './duration-schema.js';
import { InvalidInputError } from './errors.js';
import { DEFAULT_MAX_HOLD_SECONDS } from './hold.js';
import { MAX_HOOK_TIMEOUT_SECONDS } from './hook-limits.js';
import { historyBudgetIssues } from './rollout.js';
import { parseOrThrow } from './validation.js';
import { TimeWindowSchema } from './window-schema.js';

/*
 * The pipeline model: what authors write (TypeScript through definePipeline, or JSON), validated
 * by these schemas, then resolved (defaults applied to every wave) into a ResolvedPipeline that the
 * workflow runs. Weights are percentages of traffic on the new version (0-100).
 */

const Slug = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, {
  message: 'expected 1-80 letters, digits, ".", "_" or "-", starting with a letter or digit',
});

export const TargetSchema = z
  .object({
    id: Slug.meta({ description: 'Unique id of the target in the pipeline, e.g. "use1-cell1".' }),
    account: z.string().regex(/^\d{12}$/, { message: 'expected a 12-digit AWS account id' }),
    region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, {
      message: 'expected an AWS region like "us-east-1"',
    }),
    cell: z.string().min(1).optional().meta({ description: 'Cell or AZ name, for display and alarm names.' }),
    functionName: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, {
      message: 'expected a Lambda function name (1-64 letters, digits, - or _)',
    }),
    alias: z
      .string()
      .regex(/^(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}$/, { message: 'expected a Lambda alias name (not a number)' })
      .refine((a) => a !== '$LATEST', { message: 'an alias cannot be $LATEST' }),
    window: TimeWindowSchema.optional().meta({
      description: 'When this target may start; overrides the wave and pipeline window.',
    }),
  })
  .strict();

export const BakeSchema = z
  .object({
    duration: DurationSchema,
    minDataPoints: z.number().int().nonnegative().meta({
      description: 'Invocations the new version must have served during the bake (across the targets baked).',
    }),
  })
  .strict();

const Weight = z.number().gt(0).lte(100);

/** The longest a lost alarm event may go unnoticed, and the shortest poll worth its cost. */
export const MAX_SAFETY_POLL_SECONDS = 900;
export const MIN_SAFETY_POLL_SECONDS = 10;

const SafetyPollSchema = DurationSchema.refine(
  (s) => s >= MIN_SAFETY_POLL_SECONDS && s <= MAX_SAFETY_POLL_SECONDS,
  {
    error: (issue) =>
      `expected from 10s to 15m (alarms tell Breakwater at once; this poll only catches a lost alarm event), got ${String(issue.input)} seconds`,
  },
);

export const OneBoxSchema = z
  .object({
    weight: z
      .number()
      .gt(0)
      .lt(100)
      .meta({ description: 'Percent of traffic on the new version in the one-box.' }),
    bake: BakeSchema,
  })
  .strict();

export const RollingSchema = z
  .object({
    weights: z
      .array(Weight)
      .min(1)
      .refine((ws) => ws.every((w, i) => i === 0 || w > (ws[i - 1] ?? 0)), {
        error: (issue) => `expected strictly increasing weights, got ${JSON.stringify(issue.input)}`,
      })
      .refine((ws) => ws[ws.length - 1] === 100, {
        error: (issue) => `expected the last rolling weight to be 100, got ${JSON.stringify(issue.input)}`,
      })
      .meta({ description: 'Percent of traffic on the new version at each rolling step; the last is 100.' }),
    healthCheck: DurationSchema.meta({
      description: 'How long each rolling step is watched before the next.',
    }),
  })
  .strict();

export const AlarmsSchema = z
  .object({
    rollback: z.array(z.string().min(1).max(255)).meta({
      description:
        'Alarms (metric or composite) in each target region that roll the change back. ' +
        'Names may use {target.id}, {target.region}, {target.cell}, {target.functionName}, {target.alias}, {wave}.',
    }),
    oneBox: z.array(z.string().min(1).max(255)).default([]).meta({
      description:
        'Alarms scoped to the new version (ExecutedVersion dimension), per target; same placeholders.',
    }),
  })
  .strict();

export const BatchingSchema = z.enum(['in-order', 'per-region']).meta({
  description:
    'How a wave is cut into batches. "in-order": the targets as listed, `concurrency` at a time. "per-region": each ' +
    'batch takes at most one target (AZ or cell) from each region of the wave, the regions in parallel, then the next ' +
    'cell of each region; `concurrency` still caps a batch.',
});

export const StageSchema = z.enum(['pre-production', 'production']).meta({
  description:
    'Pre-production waves (alpha, beta, gamma: test stages, usually with a one-box and short bakes) come before every ' +
    'production wave; they are shown apart in plan, API and dashboard.',
});

export const AnalysisSettingsSchema = z
  .object({
    metrics: z
      .array(z.enum(['errorRate', 'latencyP99', 'latencyP50']))
      .min(1)
      .default(['errorRate', 'latencyP99'])
      .meta({ description: "What to compare between the new and the previous version's minutes." }),
    maxRelativeIncrease: z.number().min(0).max(100).default(0.5).meta({
      description: 'How much worse the new version may be before it fails: 0.5 = 50 % worse.',
    }),
    confidence: z.number().gt(0.5).lt(1).default(0.95).meta({
      description: 'A metric fails when it is worse than allowed with this confidence (p < 1 - confidence).',
    }),
    minSamples: z.number().int().min(3).max(1440).default(10).meta({
      description: 'Minutes with traffic each version needs before a verdict; fewer is inconclusive.',
    }),
  })
  .strict()
  .meta({
    description:
      "Statistical one-box analysis: during each one-box bake and health check, the new version's per-minute errors " +
      "and latency are compared with the previous version's in the same target (both serve at once); fail rolls back.",
  });

/** The longest a hook may take to answer (src/core/hook-limits.ts). */
export { MAX_HOOK_TIMEOUT_SECONDS };

export const HookSchema = z
  .object({
    name: Slug.meta({
      description: 'The hook\'s name in the timeline and in failure reasons, e.g. "smoke-test".',
    }),
    function: z
      .string()
      .regex(
        /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/,
        {
          message: "expected a Lambda function name (in the target's account and region) or a function ARN",
        },
      )
      .meta({
        description:
          "The Lambda function to invoke: a name (invoked in the target's account and region; for a wave hook, its first target's) or an ARN, optionally with a version or alias.",
      }),
    at: z.enum(['beforeTraffic', 'afterOneBox', 'afterTraffic']).meta({
      description:
        '"beforeTraffic": the new version is published, no traffic yet. "afterOneBox": the one-box has baked, before the rolling steps. ' +
        '"afterTraffic": the target is at 100 %, before the wave bake (or the next batch).',
    }),
    scope: z.enum(['target', 'wave']).default('target').meta({
      description:
        '"target": once per target, with its versions. "wave": once for the wave, before its first batch (beforeTraffic) or after its last (afterTraffic).',
    }),
    timeout: DurationSchema.default(300)
      .refine((s) => s >= 1 && s <= MAX_HOOK_TIMEOUT_SECONDS, {
        error: (issue) => `expected from 1s to 14m, got ${String(issue.input)} seconds`,
      })
      .meta({ description: 'No answer by then is a failure (default 5m, at most 14m).' }),
  })
  .strict()
  .superRefine((hook, ctx) => {
    if (hook.scope === 'wave' && hook.at === 'afterOneBox') {
      ctx.addIssue({
        code: 'custom',
        path: ['scope'],
        message: `hook "${hook.name}": afterOneBox runs per target (each batch has its own one-box); use scope "target"`,
      });
    }
  });

export const WaveSettingsSchema = z
  .object({
    concurrency: z.number().int().min(1).max(40).meta({ description: 'Targets deployed at the same time.' }),
    oneBox: OneBoxSchema,
    rolling: RollingSchema,
    bake: BakeSchema.meta({ description: 'Wave bake after every target is at 100%.' }),
    alarms: AlarmsSchema,
    safetyPoll: SafetyPollSchema.meta({
      description:
        'How often a bake or health check re-reads its alarms in case an alarm event was lost (10s to 15m). ' +
        'Alarm events roll a change back within seconds; data points are counted once the bake time is up, ' +
        'then on each safety poll while still short.',
    }),
    pollInterval: SafetyPollSchema.optional().meta({
      description: 'The old name of safetyPoll, still accepted (give one or the other).',
      deprecated: true,
    }),
    inconclusiveTimeout: DurationSchema.meta({
      description:
        'How long past the bake duration Breakwater keeps baking while data points are short or an alarm has ' +
        'INSUFFICIENT_DATA; then it rolls back and says why.',
    }),
    window: TimeWindowSchema.optional().meta({
      description: 'When a wave may start (days, hours, exclusions, blackouts, holidays). Absent: any time.',
    }),
    blockerAlarms: z
      .array(z.string().min(1).max(255))
      .optional()
      .meta({
        description:
          'Alarms read before the wave (and each of its targets) starts, in each target region: any in ALARM makes ' +
          'the wave wait. Same placeholders as alarm names. Absent: the rollback alarms.',
      }),
    batching: BatchingSchema,
    analysis: AnalysisSettingsSchema.optional(),
    hooks: z.array(HookSchema).max(10).meta({
      description:
        'Lambda functions that answer "succeeded" or "failed" at fixed moments of each target (or of the wave); a failure, or no answer by the timeout, rolls back like an alarm. Never run during a rollback.',
    }),
  })
  .strict();

export const DEFAULT_WAVE_SETTINGS = {
  concurrency: 1,
  oneBox: { weight: 10, bake: { duration: '30m', minDataPoints: 100 } },
  rolling: { weights: [33, 66, 100], healthCheck: '5m' },
  bake: { duration: '1h', minDataPoints: 500 },
  alarms: { rollback: [], oneBox: [] },
  safetyPoll: '5m',
  inconclusiveTimeout: '1h',
  batching: 'in-order',
  hooks: [],
} as const;

export const WaveSchema = z
  .object({
    name: Slug,
    stage: StageSchema.default('production'),
    targets: z.array(TargetSchema).min(1, { message: 'expected at least one target' }).max(200),
    concurrency: WaveSettingsSchema.shape.concurrency.optional(),
    oneBox: OneBoxSchema.optional(),
    rolling: RollingSchema.optional(),
    bake: BakeSchema.optional(),
    alarms: AlarmsSchema.optional(),
    safetyPoll: WaveSettingsSchema.shape.safetyPoll.optional(),
    pollInterval: WaveSettingsSchema.shape.pollInterval,
    inconclusiveTimeout: DurationSchema.optional(),
    window: TimeWindowSchema.optional(),
    blockerAlarms: z.array(z.string().min(1).max(255)).optional(),
    batching: BatchingSchema.optional(),
    hooks: WaveSettingsSchema.shape.hooks.optional(),
    analysis: z
      .union([AnalysisSettingsSchema, z.literal(false)])
      .optional()
      .meta({
        description: "The wave's analysis settings, or false to switch off an analysis the defaults ask for.",
      }),
  })
  .strict();

export const ExpediteSchema = z
  .object({
    bakeFraction: z.number().gt(0).lte(1).meta({
      description: 'Bakes (one-box, health checks, wave) are multiplied by this for an expedited change.',
    }),
    minBake: DurationSchema.meta({ description: 'No bake is ever shorter than this when expedited.' }),
    ignoreWindows: z
      .boolean()
      .default(false)
      .meta({ description: 'Whether an approved expedite may start outside time windows.' }),
  })
  .strict()
  .meta({
    description:
      'How an expedited change runs once someone other than the requester approves it. The one-box and alarm ' +
      'rollback always stay.',
  });

export const SourceSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('github'),
      owner: z.string().min(1),
      repo: z.string().min(1),
      branch: z.string().min(1),
    })
    .strict(),
  z
    .object({
      type: z.literal('codecommit'),
      repository: z.string().min(1),
      branch: z.string().min(1),
      account: z
        .string()
        .regex(/^\d{12}$/)
        .optional(),
      region: z.string().min(1).optional(),
    })
    .strict(),
  z.object({ type: z.literal('manual') }).strict(),
]);

export const ArtifactSchema = z.discriminatedUnion('type', [
  z
    .object({ type: z.literal('versions') })
    .strict()
    .meta({
      description: 'Versions already published; the start request names one per target (or one for all).',
    }),
  z
    .object({
      type: z.literal('s3-zip'),
      bucket: z.string().min(3).meta({ description: 'Bucket name; may use {region} and {account}.' }),
      key: z
        .string()
        .min(1)
        .meta({ description: 'Object key; may use {change} (the change id, e.g. the commit).' }),
    })
    .strict(),
  z
    .object({
      type: z.literal('image'),
      imageUri: z
        .string()
        .min(1)
        .meta({ description: 'Image URI; may use {region}, {account} and {change}.' }),
    })
    .strict(),
]);

const DefaultsSchema = WaveSettingsSchema.partial().strict();

export const PipelineSchema = z
  .object({
    $schema: z.string().optional().meta({ description: 'The JSON Schema of this document, for editors.' }),
    name: Slug,
    description: z.string().max(1000).optional(),
    source: SourceSchema.default({ type: 'manual' }),
    artifact: ArtifactSchema.default({ type: 'versions' }),
    defaults: DefaultsSchema.default({}),
    expedite: ExpediteSchema.optional(),
    maxHold: DurationSchema.optional().meta({
      description:
        'How long a deployment may wait for blockers, time windows or alias locks (in one stretch) before it gives ' +
        'up: it then ends as "expired" and every target it moved goes back to the previous version. Default 7d.',
    }),
    pipelining: z.enum(['supersede', 'queue']).default('supersede').meta({
      description:
        'When several changes wait for the first wave: "supersede" runs only the newest, "queue" runs them all in order.',
    }),
    waves: z.array(WaveSchema).min(1, { message: 'expected at least one wave' }).max(50),
  })
  .strict()
  .superRefine((p, ctx) => {
    const bothPolls = (o: { safetyPoll?: unknown; pollInterval?: unknown }, path: (string | number)[]) => {
      if (o.safetyPoll !== undefined && o.pollInterval !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'pollInterval'],
          message: 'pollInterval is the old name of safetyPoll: give only safetyPoll',
        });
      }
    };
    bothPolls(p.defaults, ['defaults']);
    p.waves.forEach((wave, w) => {
      bothPolls(wave, ['waves', w]);
    });
    const firstProduction = p.waves.findIndex((w) => w.stage === 'production');
    p.waves.forEach((wave, w) => {
      if (wave.stage === 'pre-production' && firstProduction !== -1 && w > firstProduction) {
        ctx.addIssue({
          code: 'custom',
          path: ['waves', w, 'stage'],
          message: `pre-production wave "${wave.name}" comes after production wave "${p.waves[firstProduction]!.name}": test stages must come before every production wave`,
        });
      }
    });
    const seenTargets = new Map<string, string>();
    const seenAliases = new Map<string, string>();
    const seenWaves = new Set<string>();
    p.waves.forEach((wave, w) => {
      if (seenWaves.has(wave.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['waves', w, 'name'],
          message: `duplicate wave name "${wave.name}"`,
        });
      }
      seenWaves.add(wave.name);
      const hookNames = new Set<string>();
      (wave.hooks ?? p.defaults.hooks ?? []).forEach((hook, h) => {
        if (hookNames.has(hook.name)) {
          ctx.addIssue({
            code: 'custom',
            path: [...(wave.hooks ? ['waves', w] : ['defaults']), 'hooks', h, 'name'],
            message: `duplicate hook name "${hook.name}" in wave "${wave.name}"`,
          });
        }
        hookNames.add(hook.name);
      });
      wave.targets.forEach((t, i) => {
        const where = `waves[${w}].targets[${i}]`;
        const prev = seenTargets.get(t.id);
        if (prev) {
          ctx.addIssue({
            code: 'custom',
            path: ['waves', w, 'targets', i, 'id'],
            message: `duplicate target id "${t.id}" (also at ${prev})`,
          });
        }
        seenTargets.set(t.id, where);
        const aliasKey = `${t.account}/${t.region}/${t.functionName}:${t.alias}`;
        const prevAlias = seenAliases.get(aliasKey);
        if (prevAlias) {
          ctx.addIssue({
            code: 'custom',
            path: ['waves', w, 'targets', i],
            message: `alias ${aliasKey} is already a target at ${prevAlias}`,
          });
        }
        seenAliases.set(aliasKey, where);
      });
    });
  });

/** What an author writes. */
export type PipelineInput = z.input<typeof PipelineSchema>;
/** A validated pipeline, durations in seconds. */
export type Pipeline = z.output<typeof PipelineSchema>;
export type Target = z.output<typeof TargetSchema>;
export type Bake = z.output<typeof BakeSchema>;
export type Alarms = z.output<typeof AlarmsSchema>;
export type WaveSettings = z.output<typeof WaveSettingsSchema>;
export type Artifact = z.output<typeof ArtifactSchema>;
export type Source = z.output<typeof SourceSchema>;
export type Hook = z.output<typeof HookSchema>;
export type HookMoment = Hook['at'];

/** A wave with every setting resolved (defaults applied; the old name `pollInterval` folded into `safetyPoll`). */
export interface ResolvedWave extends Omit<WaveSettings, 'pollInterval'> {
  readonly index: number;
  readonly name: string;
  readonly stage: 'pre-production' | 'production';
  readonly targets: readonly Target[];
}

/** A pipeline whose waves carry every setting; this is what the workflow stores and runs. */
export interface ResolvedPipeline {
  readonly name: string;
  readonly description?: string;
  readonly source: Source;
  readonly artifact: Artifact;
  readonly expedite?: z.output<typeof ExpediteSchema>;
  readonly pipelining: 'supersede' | 'queue';
  /** Seconds a deployment may be held before it gives up (see the schema). */
  readonly maxHold: number;
  readonly waves: readonly ResolvedWave[];
}

const BUILTIN_DEFAULTS: WaveSettings = WaveSettingsSchema.parse(DEFAULT_WAVE_SETTINGS);

/**
 * Validates a pipeline document and applies defaults: built-in defaults, then the pipeline's
 * `defaults`, then each wave's own settings (a wave setting replaces the default as a whole).
 * Throws {@link InvalidInputError} listing every problem with its path.
 *
 * @example resolvePipeline(JSON.parse(text))
 */
export function resolvePipeline(input: unknown): ResolvedPipeline {
  const name =
    input && typeof input === 'object' && typeof (input as { name?: unknown }).name === 'string'
      ? `pipeline "${(input as { name: string }).name}"`
      : 'pipeline';
  const p = parseOrThrow(PipelineSchema, input, name);
  const base: WaveSettings = { ...BUILTIN_DEFAULTS, ...renamePoll(stripUndefined(p.defaults)) };
  const resolved: ResolvedPipeline = {
    name: p.name,
    ...(p.description !== undefined ? { description: p.description } : {}),
    source: p.source,
    artifact: p.artifact,
    ...(p.expedite ? { expedite: p.expedite } : {}),
    pipelining: p.pipelining,
    maxHold: p.maxHold ?? DEFAULT_MAX_HOLD_SECONDS,
    waves: p.waves.map((wave, index) => {
      const { name: waveName, stage, targets, ...own } = wave;
      const { analysis: ownAnalysis, ...rest } = own;
      const { pollInterval: _old, ...settings }: WaveSettings = {
        ...base,
        ...renamePoll(stripUndefined(rest)),
        // `analysis: false` switches off what the defaults ask for.
        ...(ownAnalysis === false ? { analysis: undefined } : ownAnalysis ? { analysis: ownAnalysis } : {}),
      };
      const { analysis, ...others } = settings;
      return { index, name: waveName, stage, targets, ...others, ...(analysis ? { analysis } : {}) };
    }),
  };
  // Every execution must fit Step Functions' history limit: refuse it now, not days into a rollout.
  const tooLong = historyBudgetIssues(resolved);
  if (tooLong.length > 0) throw new InvalidInputError(name, tooLong);
  return resolved;
}

/** `pollInterval` is the old name of `safetyPoll`. */
function renamePoll<T extends { pollInterval?: number; safetyPoll?: number }>(o: T): T {
  if (o.pollInterval === undefined) return o;
  const { pollInterval, ...rest } = o;
  return { ...rest, safetyPoll: rest.safetyPoll ?? pollInterval } as T;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Declares a pipeline in TypeScript with type checking. Compose by spreading a shared base:
 *
 * @example
 * const base = { source: { type: 'manual' }, defaults: { safetyPoll: '5m' } } satisfies Partial<PipelineInput>;
 * export default definePipeline({ ...base, name: 'payments', waves: [...] });
 */
export function definePipeline(pipeline: PipelineInput): PipelineInput {
  return pipeline;
}

export { aliasKey, expandAlarmName } from './targets.js';
