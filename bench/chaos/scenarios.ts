import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import paymentsPipeline from '../../examples/payments.pipeline.js';
import {
  expandAlarmName,
  type PipelineInput,
  type ResolvedPipeline,
  resolvePipeline,
} from '../../src/core/pipeline.js';
import type { ScenarioInput } from '../../src/local/scenario.js';
import type { Random } from './random.js';

/*
 * Random worlds for part 1: a shortened variant of an example pipeline (bakes of minutes, so one
 * simulation takes about a second) and a scenario of faults, API faults, alarm and manual
 * blockers, low traffic and lost alarm events over it. Everything generated is valid by
 * construction: a scenario the product refuses is a bug of this generator, counted apart.
 */

const CHECKOUT_FILE = fileURLToPath(new URL('../../examples/checkout.pipeline.json', import.meta.url));
const SCENARIO_START_MS = Date.parse('2026-11-23T09:00:00Z');
const MINUTE_S = 60;
/** API faults on the Lambda calls a rollback needs stay shorter than its ~16 minutes of retries. */
const MAX_LAMBDA_OUTAGE_MIN = 12;
const MAX_LAMBDA_FAULT_COUNT = 4;

/** The Lambda APIs a rollback needs: their faults are bounded (see {@link apiFault}). */
export const ROLLBACK_APIS = new Set(['GetAlias', 'UpdateAlias', 'GetFunctionConfiguration']);

export interface ChaosWorld {
  /** Which example it was made from, and how (for the findings). */
  readonly label: string;
  readonly pipeline: ResolvedPipeline;
  readonly scenario: ScenarioInput;
  /** Virtual seconds a healthy run would take (no holds, no retries): where faults are placed. */
  readonly plannedSeconds: number;
}

const minutes = (random: Random, min: number, max: number) => `${random.int(min, max)}m`;

/** Short wave settings for a variant: each run is minutes of virtual time, a second of wall time. */
function shortSettings(random: Random) {
  return {
    oneBox: {
      weight: random.pick([5, 10, 25]),
      bake: { duration: minutes(random, 3, 12), minDataPoints: random.pick([0, 0, 20, 100, 400]) },
    },
    rolling: { weights: random.pick([[100], [50, 100], [33, 66, 100]]), healthCheck: minutes(random, 1, 4) },
    bake: { duration: minutes(random, 5, 20), minDataPoints: random.pick([0, 0, 50, 300, 1000]) },
    safetyPoll: random.pick(['1m', '2m', '5m', '15m']),
    inconclusiveTimeout: minutes(random, 5, 20),
  };
}

function stripWaveBakes<W extends { bake?: unknown }>(waves: readonly W[]): Omit<W, 'bake'>[] {
  return waves.map(({ bake: _bake, ...rest }) => rest);
}

/** A variant of one example pipeline, resolved (and so validated) by resolvePipeline. */
function pipelineVariant(random: Random): { label: string; pipeline: ResolvedPipeline } {
  const kind = random.weighted([
    ['payments', 4],
    ['payments-canary', 2],
    ['payments-s3-zip', 2],
    ['checkout', 2],
  ] as const);
  const blockerAlarms = random.chance(0.2) ? ['chaos-freeze-{target.region}'] : undefined;
  // Long enough, now and then, to wait a weekend out for the checkout window.
  const maxHold = random.pick(['30m', '1h', '3h', '3d']);
  let input: PipelineInput;
  if (kind === 'checkout') {
    const checkout = JSON.parse(readFileSync(CHECKOUT_FILE, 'utf8')) as PipelineInput & {
      $schema?: string;
      defaults: Record<string, unknown>;
    };
    const { $schema: _schema, ...rest } = checkout;
    input = {
      ...rest,
      maxHold,
      // The working-hours window stays: a start at night or on a weekend waits for it.
      defaults: {
        ...checkout.defaults,
        ...shortSettings(random),
        ...(blockerAlarms ? { blockerAlarms } : {}),
      },
      waves: stripWaveBakes(checkout.waves),
    };
  } else {
    const waves = stripWaveBakes(paymentsPipeline.waves);
    input = {
      ...paymentsPipeline,
      maxHold,
      defaults: {
        ...paymentsPipeline.defaults,
        ...shortSettings(random),
        ...(blockerAlarms ? { blockerAlarms } : {}),
      },
      waves: kind === 'payments-canary' ? waves.slice(0, 1) : waves,
      ...(kind === 'payments-s3-zip'
        ? { artifact: { type: 's3-zip', bucket: 'artifacts-{region}', key: 'payments/{change}.zip' } }
        : {}),
    } as PipelineInput;
  }
  return { label: kind, pipeline: resolvePipeline(input) };
}

/** Virtual seconds of a run where every bake passes at once. */
export function plannedSeconds(pipeline: ResolvedPipeline): number {
  let total = 0;
  for (const w of pipeline.waves) {
    const batches = Math.ceil(w.targets.length / w.concurrency);
    const steps = w.rolling.weights.filter((x) => x > w.oneBox.weight).length;
    total += batches * (w.oneBox.bake.duration + steps * w.rolling.healthCheck) + w.bake.duration;
  }
  return total;
}

/** An ISO time on a whole minute, the form `start` requires. */
const isoMinute = (ms: number) =>
  new Date(Math.floor(ms / 60_000) * 60_000).toISOString().replace('.000Z', 'Z');

function selectors(random: Random, pipeline: ResolvedPipeline): string[] {
  const targets = pipeline.waves.flatMap((w) => w.targets.map((t) => t.id));
  const pick = () =>
    random.weighted([
      ['*', 2],
      [random.pick(pipeline.waves).name, 3],
      [random.pick(targets), 4],
    ] as const);
  return random.chance(0.2) ? [pick(), pick()] : [pick()];
}

/** Most alarms are what teams write (2 of 3 minutes above 2-5 % errors); the rest are anything valid. */
function metricAlarm(random: Random, name: string, scope: 'alias' | 'new-version', calm: boolean) {
  if (calm || random.chance(0.6)) {
    return {
      name,
      scope,
      metric: 'ErrorRate' as const,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: random.pick([2, 5]),
      treatMissingData: 'notBreaching' as const,
    };
  }
  const kind = random.weighted([
    ['error-rate', 6],
    ['errors', 1],
    ['errors-average', 1],
    ['duration', 1],
    ['throttles', 1],
    ['low-traffic', 1],
  ] as const);
  const evaluationPeriods = random.int(1, 5);
  const common = {
    name,
    scope,
    period: random.weighted([
      [60, 6],
      [120, 2],
      [300, 1],
    ] as const),
    evaluationPeriods,
    datapointsToAlarm: random.int(1, evaluationPeriods),
    treatMissingData: random.pick(['missing', 'ignore', 'breaching', 'notBreaching'] as const),
  };
  switch (kind) {
    case 'error-rate':
      return { ...common, metric: 'ErrorRate' as const, threshold: random.pick([1, 2, 5]) };
    case 'errors':
      return { ...common, metric: 'Errors' as const, stat: 'Sum' as const, threshold: random.int(1, 20) };
    case 'errors-average':
      return {
        ...common,
        metric: 'Errors' as const,
        stat: 'Average' as const,
        threshold: random.pick([0.01, 0.02, 0.05]),
      };
    case 'duration':
      return {
        ...common,
        metric: 'Duration' as const,
        stat: random.pick(['Average', 'p99', 'Maximum'] as const),
        threshold: random.int(300, 1500),
      };
    case 'throttles':
      return { ...common, metric: 'Throttles' as const, stat: 'Sum' as const, threshold: random.int(1, 10) };
    case 'low-traffic':
      return {
        ...common,
        metric: 'Invocations' as const,
        stat: 'Sum' as const,
        comparison: 'LessThanThreshold' as const,
        threshold: random.int(1, 30),
      };
  }
}

/** Definitions for every alarm the pipeline names: metric alarms, a composite now and then, rarely none. */
function alarmsFor(
  random: Random,
  pipeline: ResolvedPipeline,
  calm: boolean,
): NonNullable<ScenarioInput['alarms']> {
  const metric: object[] = [];
  const composite: { name: string; rule: string }[] = [];
  const define = (name: string, scope: 'alias' | 'new-version') => {
    const roll = random.next();
    if (roll < 0.02 && !calm) return; // named but missing: the product must roll back at once
    if (roll < 0.15) {
      const children = [`${name}-errors`, `${name}-latency`];
      metric.push(
        metricAlarm(random, children[0]!, scope, calm),
        metricAlarm(random, children[1]!, scope, calm),
      );
      const op = random.pick(['OR', 'AND']);
      composite.push({ name, rule: `ALARM("${children[0]}") ${op} ALARM("${children[1]}")` });
      return;
    }
    metric.push(metricAlarm(random, name, scope, calm));
  };
  const rollback = new Set(pipeline.waves.flatMap((w) => w.alarms.rollback));
  const oneBox = new Set(pipeline.waves.flatMap((w) => w.alarms.oneBox));
  for (const name of rollback) define(name, 'alias');
  for (const name of oneBox) define(name, 'new-version');
  // Blocker alarms exist and stay OK unless a scripted blocker holds them (an impossible threshold).
  for (const name of new Set(pipeline.waves.flatMap((w) => w.blockerAlarms ?? [])))
    metric.push({ name, metric: 'Errors', stat: 'Sum', threshold: 1e9, treatMissingData: 'notBreaching' });
  return { metric, composite } as NonNullable<ScenarioInput['alarms']>;
}

function fault(random: Random, pipeline: ResolvedPipeline, planned: number) {
  const at = random.int(0, Math.ceil((planned * 1.1) / MINUTE_S)) * MINUTE_S;
  const effect = random.weighted([
    ['errors', 5],
    ['latency', 3],
    ['throttles', 2],
  ] as const);
  return {
    targets: selectors(random, pipeline),
    at,
    ...(random.chance(0.6)
      ? { kind: 'sudden' as const }
      : { kind: 'slow-burn' as const, ramp: minutes(random, 2, 40) }),
    ...(effect === 'errors' ? { errorRate: random.pick([0.02, 0.05, 0.15, 0.4]) } : {}),
    ...(effect === 'latency' ? { latencyMs: random.int(200, 3000) } : {}),
    ...(effect === 'throttles' ? { throttleRate: random.pick([0.05, 0.2, 0.6]) } : {}),
    version: random.weighted([
      ['candidate', 7],
      ['baseline', 2],
      ['all', 1],
    ] as const),
    ...(random.chance(0.4) ? { until: at + random.int(2, 30) * MINUTE_S } : {}),
  };
}

/** A flapping alarm: short bursts of errors on one target, minutes apart. */
function flapping(random: Random, pipeline: ResolvedPipeline, planned: number) {
  const target = random.pick(pipeline.waves.flatMap((w) => w.targets)).id;
  let at = random.int(0, Math.ceil(planned / MINUTE_S)) * MINUTE_S;
  const bursts = [];
  for (let i = random.int(3, 8); i > 0; i--) {
    const length = random.int(1, 3) * MINUTE_S;
    bursts.push({ targets: [target], at, until: at + length, kind: 'sudden' as const, errorRate: 0.3 });
    at += length + random.int(1, 5) * MINUTE_S;
  }
  return bursts;
}

const API_NAMES = [
  'GetAlias',
  'UpdateAlias',
  'PublishVersion',
  'GetFunctionConfiguration',
  'DescribeAlarms',
  'GetMetricData',
] as const;

function apiFault(random: Random, pipeline: ResolvedPipeline, planned: number) {
  const api = random.pick(API_NAMES);
  // A PublishVersion fault from the start hits the build's publish that simulate() makes before
  // the deployment, not the workflow: kept, but rarer, so it does not hide the rest.
  const fromStart = random.chance(api === 'PublishVersion' ? 0.15 : 0.5);
  const at = fromStart ? undefined : random.int(0, Math.ceil(planned / MINUTE_S)) * MINUTE_S;
  const bounded = ROLLBACK_APIS.has(api);
  const length = random.weighted([
    ['count', 45],
    ['until', 35],
    ['forever', bounded ? 0 : 20],
  ] as const);
  const from = at ?? 0;
  return {
    api,
    error: random.pick(['throttle', 'transient'] as const),
    ...(at !== undefined ? { at } : {}),
    ...(length === 'count' ? { count: random.int(1, bounded ? MAX_LAMBDA_FAULT_COUNT : 8) } : {}),
    ...(length === 'until'
      ? { until: from + random.int(1, bounded ? MAX_LAMBDA_OUTAGE_MIN : 30) * MINUTE_S }
      : {}),
    ...(random.chance(0.5) ? { targets: selectors(random, pipeline) } : {}),
  };
}

function blocker(random: Random, pipeline: ResolvedPipeline, planned: number) {
  const wave = random.pick(pipeline.waves);
  const target = random.pick(wave.targets);
  const at = random.int(0, Math.ceil(planned / MINUTE_S)) * MINUTE_S;
  const until = random.chance(0.7) ? { until: at + random.int(5, 120) * MINUTE_S } : {};
  if (random.chance(0.5)) {
    const names = [...wave.alarms.rollback, ...(wave.blockerAlarms ?? [])];
    return {
      kind: 'alarm' as const,
      name: expandAlarmName(random.pick(names), target, wave.name),
      region: target.region,
      at,
      ...until,
      reason: 'chaos: scripted alarm',
    };
  }
  const scope = random.pick([
    { kind: 'global' as const },
    { kind: 'pipeline' as const, pipeline: pipeline.name },
    { kind: 'wave' as const, pipeline: pipeline.name, wave: wave.name },
    { kind: 'target' as const, pipeline: pipeline.name, target: target.id },
  ]);
  return { kind: 'manual' as const, scope, reason: 'chaos: change freeze', author: 'chaos', at, ...until };
}

function behaviour(random: Random) {
  return {
    errorRate: random.pick([0, 0.0005, 0.001, 0.005]),
    latencyMs: random.int(40, 200),
    ...(random.chance(0.1) ? { throttleRate: random.pick([0.001, 0.01]) } : {}),
  };
}

const upTo = (random: Random, weights: readonly number[]) =>
  random.weighted(weights.map((w, i) => [i, w] as const));

/**
 * One random world: a pipeline variant and a scenario over it. Two worlds in five are calm (alarms
 * as teams write them, steady traffic, a healthy candidate, at most one fault of each kind) so
 * that deployments also get through, and the runs that succeed are checked too.
 *
 * @example
 * const world = randomWorld(new Random(7));
 * await simulate(world.pipeline, world.scenario);
 */
export function randomWorld(random: Random): ChaosWorld {
  const { label, pipeline } = pipelineVariant(random);
  const calm = random.chance(0.4);
  const planned = plannedSeconds(pipeline);
  const targets = pipeline.waves.flatMap((w) => w.targets);
  const baseline = behaviour(random);
  const faults: object[] = [];
  for (let i = upTo(random, calm ? [7, 3] : [5, 3, 1, 1]); i > 0; i--)
    faults.push(fault(random, pipeline, planned));
  if (random.chance(0.15)) faults.push(...flapping(random, pipeline, planned));
  const apiFaults = [];
  for (let i = upTo(random, calm ? [7, 3] : [6, 3, 1, 1]); i > 0; i--)
    apiFaults.push(apiFault(random, pipeline, planned));
  const blockers = [];
  for (let i = upTo(random, calm ? [7, 3] : [6, 3, 1]); i > 0; i--)
    blockers.push(blocker(random, pipeline, planned));
  const lowTarget = !calm && random.chance(0.2) ? random.pick(targets).id : undefined;
  const scenario = {
    name: `chaos ${label}${calm ? ' (calm)' : ''}`,
    seed: random.seed(),
    // Any minute of a week: the checkout variant's working-hours window is open or closed.
    start: isoMinute(SCENARIO_START_MS + random.int(0, 7 * 24 * 60) * 60_000),
    traffic: {
      requestsPerMinute: calm
        ? random.pick([600, 120])
        : random.weighted([
            [600, 6],
            [120, 2],
            [20, 1],
            [3, 1],
            [0, 0.5],
          ] as const),
      perTarget: lowTarget ? { [lowTarget]: random.pick([0, 1, 5]) } : {},
      diurnalSwing: random.chance(0.3) ? random.pick([0.3, 0.8, 0.95]) : 0,
    },
    baseline,
    candidate:
      !calm && random.chance(0.2)
        ? { errorRate: random.pick([0.03, 0.1, 0.3]), latencyMs: random.int(50, 2000) }
        : behaviour(random),
    alarms: alarmsFor(random, pipeline, calm),
    faults,
    apiFaults,
    blockers,
    alarmEvents: random.chance(0.3) ? 'lost' : 'delivered',
  } as ScenarioInput;
  return { label: `${label}${calm ? ' calm' : ''}`, pipeline, scenario, plannedSeconds: planned };
}
