import * as z from 'zod';
import { parseDuration } from '../core/duration.js';
import { DurationSchema } from '../core/duration-schema.js';
import type { ResolvedPipeline } from '../core/pipeline.js';
import { parseOrThrow } from '../core/validation.js';
import { parseRule, RULE_LIMITS, RuleSyntaxError, ruleLimitViolations } from './fleet/rule.js';

/*
 * The simulation scenario: what a user writes to say how the simulated fleet behaves — traffic,
 * the old and new version's health, the alarms that watch them, and the faults to inject. Times
 * in the document are offsets from `start` ("30m") or ISO times; parsing resolves both to epoch
 * milliseconds so the simulator never does date arithmetic on user input.
 */

const DEFAULT_START = '2026-11-23T09:00:00Z';

/** A point in time: an offset from the scenario start (a duration) or an ISO time. */
type TimeRef = { readonly afterSeconds: number } | { readonly atMs: number };

const TIME_HELP = 'expected a duration from the start like "30m" or an ISO time like "2026-11-23T10:00:00Z"';
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const TimeRefSchema = z
  .union([z.string(), z.number()])
  .transform((value, ctx): TimeRef => {
    if (typeof value === 'number') {
      if (Number.isInteger(value) && value >= 0) return { afterSeconds: value };
    } else if (ISO_TIME.test(value) && !Number.isNaN(Date.parse(value))) {
      return { atMs: Date.parse(value) };
    } else {
      const seconds = value === '' ? undefined : parseDuration(value);
      if (seconds !== undefined) return { afterSeconds: seconds };
    }
    ctx.addIssue({ code: 'custom', message: `${TIME_HELP}, got ${JSON.stringify(value)}`, input: value });
    return z.NEVER;
  })
  .meta({ description: 'An offset from `start` ("30m", "1h30m", or seconds) or an ISO time.' });

const Fraction = z.number().min(0).max(1);
const TargetSelectors = z
  .array(z.string().min(1))
  .min(1, { message: 'expected at least one target id, wave name or "*"' })
  .meta({ description: '"*" for every target, or target ids and wave names.' });

export const BehaviourSchema = z
  .object({
    errorRate: Fraction.meta({ description: 'Share of invocations that fail (0..1).' }),
    latencyMs: z.number().positive().meta({ description: 'Mean duration of an invocation in ms.' }),
    throttleRate: Fraction.default(0).meta({
      description: 'Share of requests throttled (not invoked); they count in Throttles, not Invocations.',
    }),
  })
  .strict();

export const TrafficSchema = z
  .object({
    requestsPerMinute: z.number().nonnegative().default(600).meta({
      description: 'Requests per minute reaching each target alias.',
    }),
    perTarget: z
      .record(z.string(), z.number().nonnegative())
      .default({})
      .meta({ description: 'Requests per minute for particular target ids, overriding the default.' }),
    diurnalSwing: Fraction.default(0).meta({
      description:
        'Daily swing of traffic (0..1): requests × (1 − swing × cos(2π·hour/24)) on the virtual clock in UTC, ' +
        'lowest at midnight, highest at noon.',
    }),
  })
  .strict();

export const NoiseSchema = z
  .object({
    counts: z
      .boolean()
      .default(true)
      .meta({
        description:
          "Draw each version's requests per minute (Poisson), then its throttles and errors (binomial), " +
          'instead of rounding the expected values; false keeps the counts exact.',
      }),
    latencyCv: z
      .number()
      .nonnegative()
      .default(0.1)
      .meta({
        description:
          "Coefficient of variation (standard deviation / mean) of each version's Duration per minute of 600 " +
          'invocations: its mean (and p50) and its p99 are drawn apart, lognormally around latencyMs and ' +
          '1.8 × latencyMs; a minute of n invocations spreads √(600/n) times more (a percentile of fewer ' +
          'requests is noisier); 0 keeps latency exact.',
      }),
  })
  .strict();

export const AlarmMetricSchema = z.enum(['Errors', 'Invocations', 'Duration', 'Throttles', 'ErrorRate']);
export const AlarmStatSchema = z.enum(['Sum', 'Average', 'Maximum', 'SampleCount', 'p99']);
export const ComparisonSchema = z.enum([
  'GreaterThanThreshold',
  'GreaterThanOrEqualToThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
]);
export const TreatMissingDataSchema = z.enum(['missing', 'ignore', 'breaching', 'notBreaching']);

const AlarmName = z
  .string()
  .min(1)
  .max(255)
  // CloudWatch: "Alarm names must contain only ASCII characters."
  .refine((name) => [...name].every((ch) => (ch.codePointAt(0) ?? 0) <= 0x7f), {
    error: (issue) => `expected an alarm name of ASCII characters only, got ${JSON.stringify(issue.input)}`,
  })
  .meta({
    description:
      'Alarm name; may use {target.id}, {target.region}, {target.cell}, {target.functionName}, {target.alias}, ' +
      '{wave}. Targets whose expanded names are equal (in one account and region) share one alarm.',
  });

export const MetricAlarmSchema = z
  .object({
    name: AlarmName,
    metric: AlarmMetricSchema.meta({
      description: 'AWS/Lambda metric; ErrorRate is the metric-math expression 100*Errors/Invocations.',
    }),
    scope: z
      .enum(['alias', 'new-version'])
      .default('alias')
      .meta({
        description:
          '"alias": every version behind the alias (FunctionName, Resource=fn:alias). "new-version": adds ' +
          'ExecutedVersion = the version the alias routes additional traffic to, or its primary when none.',
      }),
    stat: AlarmStatSchema.optional().meta({
      description:
        'Statistic; default Average for Duration, Sum otherwise. p99 only for Duration. Ignored for ErrorRate.',
    }),
    period: DurationSchema.default(60).meta({ description: 'Seconds per datapoint; a multiple of 60.' }),
    evaluationPeriods: z.number().int().min(1).max(1440).default(1),
    datapointsToAlarm: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'Default: evaluationPeriods.' }),
    comparison: ComparisonSchema.default('GreaterThanThreshold'),
    threshold: z.number(),
    treatMissingData: TreatMissingDataSchema.default('missing'),
  })
  .strict()
  .superRefine((alarm, ctx) => {
    if (alarm.period <= 0 || alarm.period % 60 !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['period'],
        message: `expected a multiple of 60 seconds, got ${alarm.period}`,
      });
    }
    if (alarm.stat === 'p99' && alarm.metric !== 'Duration') {
      ctx.addIssue({
        code: 'custom',
        path: ['stat'],
        message: `p99 is only available for Duration, not ${alarm.metric}`,
      });
    }
    // PutMetricAlarm: Period × EvaluationPeriods is at most one day for periods under an hour,
    // and at most seven days otherwise.
    const total = alarm.period * alarm.evaluationPeriods;
    const limit = alarm.period < 3600 ? 86_400 : 604_800;
    if (alarm.period > 0 && total > limit) {
      ctx.addIssue({
        code: 'custom',
        path: ['evaluationPeriods'],
        message:
          `alarm "${alarm.name}": period × evaluationPeriods is ${total} s; CloudWatch allows at most ${limit} s ` +
          `(${limit === 86_400 ? 'one day for periods under an hour' : 'seven days'})`,
      });
    }
    if (alarm.datapointsToAlarm !== undefined && alarm.datapointsToAlarm > alarm.evaluationPeriods) {
      ctx.addIssue({
        code: 'custom',
        path: ['datapointsToAlarm'],
        message: `expected at most evaluationPeriods (${alarm.evaluationPeriods}), got ${alarm.datapointsToAlarm}`,
      });
    }
  })
  .transform((alarm) => ({
    ...alarm,
    stat: alarm.stat ?? (alarm.metric === 'Duration' ? ('Average' as const) : ('Sum' as const)),
    datapointsToAlarm: alarm.datapointsToAlarm ?? alarm.evaluationPeriods,
  }));

export const CompositeAlarmSchema = z
  .object({
    name: AlarmName,
    rule: z
      .string()
      .min(1)
      .superRefine((rule, ctx) => {
        try {
          parseRule(rule);
        } catch (error) {
          if (!(error instanceof RuleSyntaxError)) throw error;
          ctx.addIssue({ code: 'custom', message: `invalid rule: ${error.message}` });
        }
      })
      .meta({
        description:
          'CloudWatch rule syntax: ALARM("a") OR (ALARM(b) AND NOT OK("c")), TRUE, FALSE, INSUFFICIENT_DATA(x); ' +
          'names may use the same placeholders as the alarm name.',
        // Checked with the alarm's name in the message (below); published for editors.
        maxLength: RULE_LIMITS.characters,
      }),
  })
  .strict()
  .superRefine((alarm, ctx) => {
    let rule: ReturnType<typeof parseRule>;
    try {
      rule = parseRule(alarm.rule);
    } catch {
      return; // reported on the rule itself
    }
    for (const violation of ruleLimitViolations(alarm.rule, rule)) {
      ctx.addIssue({
        code: 'custom',
        path: ['rule'],
        message: `composite alarm "${alarm.name}": ${violation}`,
      });
    }
  });

export const FaultSchema = z
  .object({
    targets: TargetSelectors.default(['*']),
    at: TimeRefSchema,
    kind: z.enum(['sudden', 'slow-burn']).meta({
      description:
        '"sudden": full strength at `at`. "slow-burn": grows linearly to full strength over `ramp`.',
    }),
    ramp: DurationSchema.optional().meta({ description: 'For slow-burn: time to reach full strength.' }),
    errorRate: Fraction.optional().meta({ description: 'Error rate at full strength.' }),
    latencyMs: z.number().positive().optional().meta({ description: 'Mean latency at full strength.' }),
    throttleRate: Fraction.optional().meta({ description: 'Throttle rate at full strength.' }),
    version: z.enum(['candidate', 'baseline', 'all']).default('candidate').meta({
      description: 'Which versions misbehave: "candidate" is any version published after the initial one.',
    }),
    until: TimeRefSchema.optional().meta({ description: 'When the fault ends; default: never.' }),
  })
  .strict()
  .superRefine((fault, ctx) => {
    if (fault.errorRate === undefined && fault.latencyMs === undefined && fault.throttleRate === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['errorRate'],
        message: 'a fault needs at least one of errorRate, latencyMs or throttleRate',
      });
    }
    if (fault.kind === 'slow-burn' && (fault.ramp === undefined || fault.ramp <= 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ramp'],
        message: 'a slow-burn fault needs a ramp longer than 0s',
      });
    }
  });

export const ScenarioBlockerSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('alarm'),
      name: z
        .string()
        .min(1)
        .meta({ description: 'Alarm name, as a pipeline names it in blockerAlarms or rollback alarms.' }),
      region: z.string().min(1),
      account: z
        .string()
        .regex(/^\d{12}$/)
        .optional()
        .meta({ description: 'Default: every account with a target in the region.' }),
      at: TimeRefSchema,
      until: TimeRefSchema.optional(),
      reason: z.string().default('scripted by the scenario'),
    })
    .strict()
    .meta({ description: 'The alarm is in ALARM from `at` until `until` (OK otherwise).' }),
  z
    .object({
      kind: z.literal('manual'),
      id: z.string().min(1).optional(),
      scope: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('global') }).strict(),
        z.object({ kind: z.literal('pipeline'), pipeline: z.string().min(1) }).strict(),
        z.object({ kind: z.literal('wave'), pipeline: z.string().min(1), wave: z.string().min(1) }).strict(),
        z
          .object({ kind: z.literal('target'), pipeline: z.string().min(1), target: z.string().min(1) })
          .strict(),
      ]),
      reason: z.string().min(1),
      author: z.string().min(1),
      at: TimeRefSchema,
      until: TimeRefSchema.optional(),
    })
    .strict()
    .meta({ description: 'A manual block created at `at` and removed at `until`.' }),
]);

export const FleetApiSchema = z.enum([
  'GetAlias',
  'UpdateAlias',
  'PublishVersion',
  'GetFunctionConfiguration',
  'DescribeAlarms',
  'GetMetricData',
]);

export const ApiFaultSchema = z
  .object({
    api: FleetApiSchema,
    error: z.enum(['throttle', 'transient']).meta({
      description: '"throttle" throws ThrottledError, "transient" throws TransientError.',
    }),
    count: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'Fail the first N matching calls; default: all.' }),
    at: TimeRefSchema.optional().meta({ description: 'When the fault starts; default: at the start.' }),
    until: TimeRefSchema.optional(),
    targets: TargetSelectors.optional().meta({
      description: 'Only calls concerning these targets (for alarms and metrics: their account and region).',
    }),
  })
  .strict();

/** What a simulated deployment hook answers, and after how long (a pipeline names the hooks). */
export const ScenarioHookSchema = z
  .object({
    name: z.string().min(1).meta({ description: "The hook's name, as the pipeline names it." }),
    at: z
      .enum(['beforeTraffic', 'afterOneBox', 'afterTraffic'])
      .optional()
      .meta({ description: 'Only at this moment; absent: at every moment the hook runs.' }),
    targets: TargetSelectors.optional().meta({ description: 'Only for these targets; absent: for all.' }),
    outcome: z.enum(['succeeded', 'failed', 'no-answer']).default('succeeded').meta({
      description:
        '"succeeded" or "failed" (with `reason`) after `after`; "no-answer": the hook never answers and fails at its timeout.',
    }),
    after: DurationSchema.default(5).meta({
      description: 'How long the hook takes to answer (default 5s); longer than its timeout is no answer.',
    }),
    reason: z.string().max(1000).optional().meta({ description: 'What a failed hook says.' }),
  })
  .strict();

const ScenarioObjectSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().min(1).max(200).optional(),
    description: z.string().max(2000).optional(),
    start: z
      .string()
      .refine((s) => ISO_TIME.test(s) && Date.parse(s) % 60_000 === 0, {
        message: 'expected an ISO time on a whole minute like "2026-11-23T09:00:00Z"',
      })
      .default(DEFAULT_START)
      .meta({ description: 'Where the virtual clock starts (an ISO time on a whole minute).' }),
    seed: z
      .number()
      .int()
      .min(0)
      .max(0xffff_ffff)
      .default(1)
      .meta({
        description:
          'Seeds the randomness a run has (Step Functions retry jitter, metric noise): the same pipeline, scenario ' +
          'and seed give the same result.',
      }),
    traffic: TrafficSchema.default({ requestsPerMinute: 600, perTarget: {}, diurnalSwing: 0 }),
    noise: NoiseSchema.optional().meta({
      description:
        'Random per-minute metrics, drawn from generators seeded by `seed`, the target, the minute and the ' +
        'version, so a run is still repeatable. Absent: every minute has its expected counts and mean latency.',
    }),
    baseline: BehaviourSchema.default({ errorRate: 0.001, latencyMs: 100, throttleRate: 0 }).meta({
      description: 'The version serving before the deployment.',
    }),
    candidate: BehaviourSchema.optional().meta({
      description: 'The new version; default: same as baseline.',
    }),
    alarms: z
      .object({
        metric: z.array(MetricAlarmSchema).default([]),
        composite: z.array(CompositeAlarmSchema).default([]),
      })
      .strict()
      .default({ metric: [], composite: [] }),
    faults: z.array(FaultSchema).default([]),
    apiFaults: z.array(ApiFaultSchema).default([]),
    blockers: z.array(ScenarioBlockerSchema).default([]).meta({
      description: 'Blockers over time: an alarm held in ALARM, or a manual block put in place and removed.',
    }),
    organisationAlarms: z
      .array(z.string().min(1).max(255))
      .default([])
      .meta({
        description:
          "Organisation-wide blocker alarms, as the control plane's organisationAlarms setting on AWS: read before every " +
          'wave and target starts, in each target region (same placeholders as alarm names); any in ALARM holds it.',
      }),
    hooks: z
      .array(ScenarioHookSchema)
      .default([])
      .meta({
        description:
          'What deployment hooks answer. The first entry that matches a hook (name, moment, target) decides; a hook ' +
          'no entry matches succeeds after 5s.',
      }),
    alarmEvents: z
      .enum(['delivered', 'lost'])
      .default('delivered')
      .meta({
        description:
          "Whether CloudWatch alarm state change events reach the workflow's alarm watcher through the event bus. " +
          '"delivered": each change is published at the minute it happens. "lost": no event arrives, so only ' +
          "the workflow's safety poll of the alarms can notice a change (it tests that the poll is enough).",
      }),
  })
  .strict();

function resolveTime(ref: TimeRef, startMs: number): number {
  return 'atMs' in ref ? ref.atMs : startMs + ref.afterSeconds * 1000;
}

/**
 * The scenario document. Parsing resolves every `at`/`until` to epoch ms (`atMs`, `untilMs`),
 * fills defaults, and checks that each `until` comes after its `at`.
 */
export const ScenarioSchema = ScenarioObjectSchema.superRefine((s, ctx) => {
  const startMs = Date.parse(s.start);
  const check = (list: readonly { at?: TimeRef | undefined; until?: TimeRef | undefined }[], field: string) =>
    list.forEach((item, i) => {
      if (
        item.until &&
        resolveTime(item.until, startMs) <= resolveTime(item.at ?? { afterSeconds: 0 }, startMs)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: [field, i, 'until'],
          message: 'expected `until` to be after `at`',
        });
      }
    });
  check(s.faults, 'faults');
  check(s.apiFaults, 'apiFaults');
}).transform((s) => {
  const startMs = Date.parse(s.start);
  const { $schema: _schema, ...rest } = s;
  return {
    ...rest,
    startMs,
    candidate: s.candidate ?? s.baseline,
    faults: s.faults.map(({ at, until, ...fault }) => ({
      ...fault,
      atMs: resolveTime(at, startMs),
      untilMs: until ? resolveTime(until, startMs) : undefined,
    })),
    apiFaults: s.apiFaults.map(({ at, until, ...fault }) => ({
      ...fault,
      atMs: at ? resolveTime(at, startMs) : startMs,
      untilMs: until ? resolveTime(until, startMs) : undefined,
    })),
    blockers: s.blockers.map(({ at, until, ...blocker }) => ({
      ...blocker,
      atMs: resolveTime(at, startMs),
      untilMs: until ? resolveTime(until, startMs) : undefined,
    })),
  };
});

/** What a user writes. */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
/** A validated scenario: defaults filled, times in epoch ms. */
export type Scenario = z.output<typeof ScenarioSchema>;
export type Behaviour = z.output<typeof BehaviourSchema>;
export type MetricNoise = z.output<typeof NoiseSchema>;
export type ScenarioHook = z.output<typeof ScenarioHookSchema>;
export type MetricAlarmDefinition = z.output<typeof MetricAlarmSchema>;
export type CompositeAlarmDefinition = z.output<typeof CompositeAlarmSchema>;
export type AlarmMetric = z.output<typeof AlarmMetricSchema>;
export type AlarmStat = z.output<typeof AlarmStatSchema>;
export type Comparison = z.output<typeof ComparisonSchema>;
export type TreatMissingData = z.output<typeof TreatMissingDataSchema>;
export type FleetApi = z.output<typeof FleetApiSchema>;
export type Fault = Scenario['faults'][number];
export type ApiFault = Scenario['apiFaults'][number];
export type ScenarioBlocker = Scenario['blockers'][number];

/**
 * Validates a scenario document and fills defaults. Throws InvalidInputError listing every
 * problem with its path (`faults[0].kind: ...`).
 *
 * @example
 * const scenario = parseScenario({ candidate: { errorRate: 0.2, latencyMs: 150 } });
 * scenario.startMs; // Date.parse('2026-11-23T09:00:00Z')
 */
export function parseScenario(input: unknown): Scenario {
  const name =
    input && typeof input === 'object' && typeof (input as { name?: unknown }).name === 'string'
      ? `scenario "${(input as { name: string }).name}"`
      : 'scenario';
  return parseOrThrow(ScenarioSchema, input, name);
}

/**
 * The JSON Schema of the scenario document (what users write), for editors and docs.
 *
 * @example writeFileSync('docs/schema/scenario.json', JSON.stringify(scenarioJsonSchema(), null, 2))
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ScenarioSchema, { io: 'input' }) as Record<string, unknown>;
}

/**
 * An error-rate alarm as teams usually define them: more than 2 % errors in 2 of the last 3
 * minutes; missing data is not breaching. `alias` scope watches every version behind the alias,
 * `new-version` the candidate (one-box alarms).
 */
export function errorRateAlarm(name: string, scope: 'alias' | 'new-version') {
  return {
    name,
    metric: 'ErrorRate' as const,
    scope,
    stat: 'Sum' as const,
    period: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    comparison: 'GreaterThanThreshold' as const,
    threshold: 2,
    treatMissingData: 'notBreaching' as const,
  };
}

/**
 * The world when no scenario is given: a healthy candidate, and for every alarm the pipelines
 * name an error-rate alarm of the right scope (rollback alarms on the alias, one-box alarms on
 * the new version), so a simulation watches what the pipeline would watch on AWS.
 */
export function defaultScenarioFor(pipelines: readonly ResolvedPipeline[]): ScenarioInput {
  const rollback = new Set<string>();
  const oneBox = new Set<string>();
  for (const w of pipelines.flatMap((p) => p.waves)) {
    for (const a of w.alarms.rollback) rollback.add(a);
    for (const a of w.alarms.oneBox) oneBox.add(a);
  }
  return {
    alarms: {
      metric: [
        ...[...rollback].map((n) => errorRateAlarm(n, 'alias')),
        ...[...oneBox].map((n) => errorRateAlarm(n, 'new-version')),
      ],
      composite: [],
    },
  };
}
