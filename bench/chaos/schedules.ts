import { type SimulationResult, simulate } from '../../src/cli/simulate.js';
import { InvalidInputError } from '../../src/core/errors.js';
import type { ResolvedPipeline } from '../../src/core/pipeline.js';
import type { DeploymentView } from '../../src/ports/store.js';
import { type EngineObservation, observeNextEngine } from './engine-probe.js';
import { missedAlarms } from './missed-alarms.js';
import { Random } from './random.js';
import { PartReport } from './report.js';
import { type ChaosWorld, randomWorld } from './scenarios.js';

/*
 * Part 1: random fault schedules on the embedded engine, in-process. Each schedule is one
 * `simulate()` of a random world (./scenarios.ts); after it, invariants that must hold whatever
 * the world did are checked on what the run returned and on what the engine probe saw.
 */

/** A run longer than this is stranded: the longest generated world ends within days. */
const MAX_VIRTUAL_DAYS = 10;
/** AWS Step Functions' limit of events in one execution's history. */
const HISTORY_LIMIT = 25_000;
const END_EVENT_TYPES = new Set([
  'deployment-succeeded',
  'deployment-rolled-back',
  'deployment-failed',
  'deployment-expired',
  'deployment-superseded',
]);
const ENDED_STATUSES = new Set(['succeeded', 'rolled_back', 'failed', 'superseded', 'expired']);

export const SCHEDULE_DEFECTS = {
  crashed: 'runs that threw (a stack trace)',
  stalled: 'runs where the engine stalled',
  stranded: 'stranded deployments (still running or rolling back at the end)',
  newVersionTraffic: 'new-version traffic after an unsuccessful deployment (targets)',
  notEverywhere: 'succeeded with a target not 100 % on the new version (targets)',
  duplicateKeys: 'timeline keys stored twice',
  milestones: 'deployments without exactly one "deployment-started" and one end event',
  endMismatch: 'end event that contradicts the final status',
  clockBack: 'virtual clock went back between timeline writes',
  futureEvents: 'events stamped later than the clock when written',
  history: 'executions over the 25,000-event history limit',
  missedAlarm: 'succeeded although a watched alarm was in ALARM (exact cases only)',
  shortBake: 'bakes passed short of their duration or data points',
  unrecordedRollback: 'targets moved, deployment unsuccessful, no rollback on the timeline',
} as const;

/** Figures that describe what the runs did (declared up front so they print in this order). */
const INFORMATION = [
  'schedules run',
  ...['succeeded', 'rolled_back', 'expired', 'failed', 'superseded'].map((s) => `final status ${s}`),
  ...['alarm-event', 'check', 'step', 'hold-expired'].map((t) => `rollbacks triggered by ${t}`),
  ...['baked', 'inconclusive', 'failed'].map((v) => `bake-${v} events`),
  'inconclusive bakes with an alarm in INSUFFICIENT_DATA',
  'timeline events checked',
  'alarm state changes seen',
  'watched-alarm ALARM spells judged in succeeded runs',
  'runs with a FAILED execution (by design on rollback)',
  'slowest run, ms',
];

export interface ScheduleOptions {
  readonly seed: number;
  readonly count: number;
  /** performance.now() after which no new schedule starts. */
  readonly deadline: number;
  readonly log: (line: string) => void;
  /** The seed as given on the command line (for the findings). */
  readonly displaySeed: number;
  /** Run only this schedule (1-based), to reproduce a finding. */
  readonly only?: number;
  /** One line per schedule. */
  readonly verbose?: boolean;
}

const describeWorld = (w: ChaosWorld, index: number, seed: number) =>
  `schedule #${index} (--seed ${seed} --schedule ${index}; ${w.label} variant; scenario ${JSON.stringify(w.scenario)})`;

/** The candidate's share of an alias's traffic, from its routing and which versions are candidates. */
function candidatePercent(observation: EngineObservation, targetId: string): number {
  const state = observation.fleet.get(targetId);
  if (!state) return 0;
  const candidates = new Set(state.versions.filter((v) => v.role === 'candidate').map((v) => v.version));
  const { primaryVersion, additionalVersion, additionalPercent } = state.routing;
  let percent = candidates.has(primaryVersion) ? 100 - additionalPercent : 0;
  if (additionalVersion && candidates.has(additionalVersion)) percent += additionalPercent;
  return percent;
}

function checkTimeline(report: PartReport, view: DeploymentView, where: string): void {
  const keys = new Map<string, number>();
  for (const e of view.events) keys.set(e.key, (keys.get(e.key) ?? 0) + 1);
  for (const [key, n] of keys)
    if (n > 1) report.defect(SCHEDULE_DEFECTS.duplicateKeys, `${where}: key ${key} stored ${n} times`);
  const started = view.events.filter((e) => e.type === 'deployment-started').length;
  const ends = view.events.filter((e) => END_EVENT_TYPES.has(e.type));
  if (started !== 1 || ends.length !== 1) {
    report.defect(
      SCHEDULE_DEFECTS.milestones,
      `${where}: ${started} deployment-started, ${ends.length} end events (${ends.map((e) => e.type).join(', ')}), status ${view.deployment.status}`,
    );
  }
  const end = ends[0];
  const expected: Record<string, string[]> = {
    'deployment-succeeded': ['succeeded'],
    'deployment-rolled-back': ['rolled_back'],
    'deployment-failed': ['failed'],
    'deployment-expired': ['expired'],
    'deployment-superseded': ['superseded'],
  };
  if (end && ends.length === 1 && !expected[end.type]?.includes(view.deployment.status)) {
    report.defect(
      SCHEDULE_DEFECTS.endMismatch,
      `${where}: end event ${end.type} but status ${view.deployment.status}`,
    );
  }
}

/** Every bake that passed lasted its duration and counted its minimum of data points. */
function checkBakes(
  report: PartReport,
  pipeline: ResolvedPipeline,
  view: DeploymentView,
  where: string,
): void {
  for (const e of view.events) {
    const key = /^bake:(\d+):(?:wave|\d+:(\d+)):baked$/.exec(e.key);
    if (!key) continue;
    const wave = pipeline.waves[Number(key[1])];
    if (!wave) continue;
    const step = key[2] === undefined ? undefined : Number(key[2]);
    const duration =
      step === undefined
        ? wave.bake.duration
        : step === 0
          ? wave.oneBox.bake.duration
          : wave.rolling.healthCheck;
    const data = (e.data ?? {}) as { dataPoints?: number; minDataPoints?: number; elapsedSeconds?: number };
    const short = (data.elapsedSeconds ?? 0) + 1 < duration;
    const thin = (data.dataPoints ?? 0) < (data.minDataPoints ?? 0);
    if (short || thin)
      report.defect(
        SCHEDULE_DEFECTS.shortBake,
        `${where}: ${e.key} passed after ${data.elapsedSeconds} s of ${duration} s with ${data.dataPoints} of ${data.minDataPoints} data points`,
      );
  }
}

/** After a deployment that did not succeed, every target it moved has a rollback record. */
function checkRollbackRecords(report: PartReport, view: DeploymentView, where: string): void {
  if (view.deployment.status === 'succeeded') return;
  const keys = new Set(view.events.map((e) => e.key));
  for (const e of view.events) {
    const moved = /^step:(\d+):(.+):0$/.exec(e.key);
    if (!moved) continue;
    const [, wave, target] = moved;
    if (!keys.has(`rolled-back:${wave}:${target}`) && !keys.has(`rollback-left:${wave}:${target}`))
      report.defect(
        SCHEDULE_DEFECTS.unrecordedRollback,
        `${where}: ${target} (wave ${wave}) took traffic, the deployment ended ${view.deployment.status}, and no rollback of it is on the timeline`,
      );
  }
}

function checkRun(
  report: PartReport,
  world: ChaosWorld,
  result: SimulationResult,
  observation: EngineObservation,
  where: string,
): void {
  for (const e of observation.probeErrors) report.notes.push(`probe error in ${where}: ${e}`);
  const view = observation.views.find((v) => v.deployment.id === result.deploymentId);
  const status = view?.deployment.status ?? 'unknown';
  report.add(`final status ${status}`);
  if (!ENDED_STATUSES.has(status))
    report.defect(SCHEDULE_DEFECTS.stranded, `${where}: status ${status} after the run returned`);
  const targets = world.pipeline.waves.flatMap((w) => w.targets);
  for (const t of targets) {
    const percent = candidatePercent(observation, t.id);
    if (status !== 'succeeded' && percent > 0) {
      report.defect(
        SCHEDULE_DEFECTS.newVersionTraffic,
        `${where}: ended ${status} (${result.rollback?.reason ?? 'no rollback reason'}) but ${t.id} routes ${percent}% to the new version (${JSON.stringify(observation.fleet.get(t.id)?.routing)})`,
      );
    }
    if (status === 'succeeded' && percent !== 100)
      report.defect(
        SCHEDULE_DEFECTS.notEverywhere,
        `${where}: succeeded but ${t.id} is ${percent}% on the new version`,
      );
  }
  if (view) {
    checkTimeline(report, view, where);
    checkBakes(report, world.pipeline, view, where);
    checkRollbackRecords(report, view, where);
    const { judged, missed } = missedAlarms(world.pipeline, world.scenario, view, observation.alarmChanges);
    report.add('watched-alarm ALARM spells judged in succeeded runs', judged);
    for (const miss of missed) report.defect(SCHEDULE_DEFECTS.missedAlarm, `${where}: ${miss}`);
  }
  for (const e of view?.events ?? []) {
    if (e.type.startsWith('bake-')) report.add(`${e.type} events`);
    if (e.type === 'bake-inconclusive' && /INSUFFICIENT_DATA/.test(e.message))
      report.add('inconclusive bakes with an alarm in INSUFFICIENT_DATA');
  }
  if (result.rollback) report.add(`rollbacks triggered by ${result.rollback.triggeredBy ?? 'unknown'}`);
  let lastAt = Number.NEGATIVE_INFINITY;
  for (const { event } of observation.writes) {
    const at = Date.parse(event.at);
    if (at < lastAt) {
      report.add('timeline writes stamped before the previous write');
      report.notes.push(
        `${event.type} ${event.key} at ${event.at} written after ${new Date(lastAt).toISOString()}`,
      );
    }
    lastAt = Math.max(lastAt, at);
  }
  let lastNow = Number.NEGATIVE_INFINITY;
  for (const { event, nowMs } of observation.writes) {
    if (nowMs < lastNow)
      report.defect(
        SCHEDULE_DEFECTS.clockBack,
        `${where}: ${event.key} written at ${nowMs} after ${lastNow}`,
      );
    lastNow = Math.max(lastNow, nowMs);
    if (Date.parse(event.at) > nowMs)
      report.defect(
        SCHEDULE_DEFECTS.futureEvents,
        `${where}: ${event.key} at ${event.at}, clock ${new Date(nowMs).toISOString()}`,
      );
  }
  if (result.stats.maxHistoryEvents > HISTORY_LIMIT)
    report.defect(SCHEDULE_DEFECTS.history, `${where}: ${result.stats.maxHistoryEvents} history events`);
  report.add('timeline events checked', view?.events.length ?? 0);
  report.add('alarm state changes seen', observation.alarmChanges.length);
  if (observation.failedExecutions.length > 0)
    report.add('runs with a FAILED execution (by design on rollback)');
}

/**
 * Runs `count` random schedules (or as many as fit before the deadline) and checks each.
 *
 * @example
 * const report = await runSchedules({ seed: 1, count: 10, deadline: performance.now() + 60_000, log: console.log });
 */
export async function runSchedules(options: ScheduleOptions): Promise<PartReport> {
  const report = new PartReport('1. random fault schedules');
  for (const name of Object.values(SCHEDULE_DEFECTS)) report.figure(name, true);
  for (const name of INFORMATION) report.figure(name, false);
  const started = performance.now();
  const random = new Random(options.seed);
  for (let i = 1; i <= options.count; i++) {
    if (performance.now() > options.deadline) {
      report.notes.push(`budget reached: ran ${i - 1} of ${options.count} schedules`);
      break;
    }
    // Each schedule draws from its own generator, so `--seed S` with schedule #i is reproducible alone.
    const scheduleSeed = random.seed();
    if (options.only !== undefined && options.only !== i) continue;
    let world: ChaosWorld;
    try {
      world = randomWorld(new Random(scheduleSeed));
    } catch (error) {
      report.add('generator errors (a bug of the bench, not a defect)');
      report.notes.push(`generator error #${i}: ${String((error as Error).message)}`);
      continue;
    }
    const where = describeWorld(world, i, options.displaySeed);
    const observation = observeNextEngine();
    const runStarted = performance.now();
    try {
      const result = await simulate(world.pipeline, world.scenario, { maxVirtualDays: MAX_VIRTUAL_DAYS });
      report.add('schedules run');
      checkRun(report, world, result, observation, where);
      if (options.verbose)
        options.log(
          `  #${i} ${world.label}: ${result.outcome} ${result.rollback?.reason.slice(0, 400) ?? ''}`,
        );
    } catch (error) {
      report.add('schedules run');
      const message = String((error as Error)?.message ?? error);
      if (error instanceof InvalidInputError) {
        report.add('scenarios refused as invalid (a bug of the bench, not a defect)');
        report.notes.push(`invalid scenario in ${where}: ${message}`);
      } else if (/virtual time passed its bound/.test(message)) {
        report.defect(
          SCHEDULE_DEFECTS.stranded,
          `${where}: still running after ${MAX_VIRTUAL_DAYS} virtual days`,
        );
      } else if (/stalled/.test(message)) {
        report.defect(SCHEDULE_DEFECTS.stalled, `${where}: ${message}`);
      } else {
        const stack = String((error as Error)?.stack ?? error)
          .split('\n')
          .slice(0, 4)
          .join(' / ');
        report.defect(SCHEDULE_DEFECTS.crashed, `${where}: ${stack}`);
      }
    }
    const seconds = (performance.now() - runStarted) / 1000;
    const slowest = report.figure('slowest run, ms', false);
    slowest.value = Math.max(slowest.value, Math.round(seconds * 1000));
    if (i % 10 === 0) options.log(`  schedules: ${i}/${options.count}, ${report.defects} defect(s) so far`);
  }
  report.wallSeconds = (performance.now() - started) / 1000;
  return report;
}
