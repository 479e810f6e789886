import type { InputIssue } from './errors.js';
import type { ResolvedPipeline, ResolvedWave } from './pipeline.js';

/** One traffic step of a batch: the one-box, then each rolling weight. */
export interface RolloutStep {
  readonly index: number;
  readonly kind: 'one-box' | 'rolling';
  /** Percent of traffic on the new version once the step is applied. */
  readonly weight: number;
  /** How long the step is watched before the next one. */
  readonly bakeSeconds: number;
  /** Invocations of the new version needed before the step may end (0 for rolling health checks). */
  readonly minDataPoints: number;
  /** Target hooks that run once this step has baked: after the one-box, or once at 100 %. */
  readonly hook?: 'afterOneBox' | 'afterTraffic';
}

/** Whether the wave has hooks at this moment and scope. */
export function hasHooks(
  wave: Pick<ResolvedWave, 'hooks'>,
  at: 'beforeTraffic' | 'afterOneBox' | 'afterTraffic',
  scope: 'target' | 'wave',
): boolean {
  return (wave.hooks ?? []).some((h) => h.at === at && h.scope === scope);
}

/** The steps every batch of a wave goes through, in order (with where target hooks run). */
export function rolloutSteps(wave: ResolvedWave): RolloutStep[] {
  const steps = plainSteps(wave);
  return steps.map((step, i) => {
    const hook =
      i === 0 && hasHooks(wave, 'afterOneBox', 'target')
        ? ('afterOneBox' as const)
        : i === steps.length - 1 && hasHooks(wave, 'afterTraffic', 'target')
          ? ('afterTraffic' as const)
          : undefined;
    return hook ? { ...step, hook } : step;
  });
}

function plainSteps(wave: ResolvedWave): RolloutStep[] {
  const steps: RolloutStep[] = [
    {
      index: 0,
      kind: 'one-box',
      weight: wave.oneBox.weight,
      bakeSeconds: wave.oneBox.bake.duration,
      minDataPoints: wave.oneBox.bake.minDataPoints,
    },
  ];
  for (const weight of wave.rolling.weights) {
    if (weight <= wave.oneBox.weight) continue;
    steps.push({
      index: steps.length,
      kind: 'rolling',
      weight,
      bakeSeconds: wave.rolling.healthCheck,
      minDataPoints: 0,
    });
  }
  return steps;
}

/**
 * Cuts a wave's targets into batches, deployed one batch after the other; returns target indexes
 * within the wave. `in-order`: the targets as listed, `concurrency` at a time. `per-region`: each
 * round takes the next target (AZ, cell) of every region, regions in the order they first appear,
 * so a batch never holds two targets of one region; a round larger than `concurrency` is split.
 *
 * @example targetBatches({ batching: 'per-region', concurrency: 3, targets: [a1, a2, b1, b2] }) // [[0, 2], [1, 3]]
 */
export function targetBatches(
  wave: Pick<ResolvedWave, 'targets' | 'concurrency'> & { readonly batching?: ResolvedWave['batching'] },
): number[][] {
  const chunks = (indexes: readonly number[]) => {
    const out: number[][] = [];
    for (let i = 0; i < indexes.length; i += wave.concurrency)
      out.push(indexes.slice(i, i + wave.concurrency));
    return out;
  };
  if (wave.batching !== 'per-region') return chunks(wave.targets.map((_, i) => i));
  const byRegion = new Map<string, number[]>();
  wave.targets.forEach((t, i) => {
    const queue = byRegion.get(t.region) ?? [];
    queue.push(i);
    byRegion.set(t.region, queue);
  });
  const queues = [...byRegion.values()];
  const batches: number[][] = [];
  for (let round = 0; queues.some((q) => q.length > round); round++) {
    batches.push(...chunks(queues.filter((q) => q.length > round).map((q) => q[round] as number)));
  }
  return batches;
}

/** Seconds a wave takes when nothing fails, no data is short and no blocker holds it. */
export function waveLeadTimeSeconds(wave: ResolvedWave): number {
  const perBatch = rolloutSteps(wave).reduce((sum, s) => sum + s.bakeSeconds, 0);
  return targetBatches(wave).length * perBatch + wave.bake.duration;
}

/*
 * Step Functions history events per execution, as AWS counts them: a Lambda Task costs 5
 * (Entered, Scheduled, Started, Succeeded, Exited), a Wait or Choice or Pass 2, a Map 4 plus 2 per
 * iteration, a startExecution.sync Task 6. One bake poll (Task + Choice + Wait) is 9.
 */
const POLL_EVENTS = 9;
const TASK_EVENTS = 5;

/** Estimated history events of the biggest execution a wave runs (wave or batch), for the plan. */
export function estimateHistoryEvents(wave: ResolvedWave): { wave: number; batch: number } {
  const steps = rolloutSteps(wave);
  const batches = targetBatches(wave);
  const polls = (seconds: number) => Math.ceil(seconds / Math.max(1, wave.safetyPoll)) + 1;
  const inconclusivePolls = polls(wave.inconclusiveTimeout);
  // One Task per step for the whole batch (not one per target), so a batch's history does not
  // grow with its size.
  const stagger = 2; // the one-second Wait before the batch reads alarms
  const prepare = TASK_EVENTS + 2; // PrepareTargets + its Choice, when nothing holds the batch
  // A batch's hook moments branch from Choices it has anyway; a wave's each add a Choice.
  const hookTask = (present: boolean) => (present ? TASK_EVENTS : 0);
  const waveHookMoment = (present: boolean) => 2 + hookTask(present);
  let batch = 4 + stagger + prepare + 4 + hookTask(hasHooks(wave, 'beforeTraffic', 'target'));
  for (const step of steps) {
    batch +=
      2 + // the step's Map iteration
      TASK_EVENTS + // ShiftWeights
      2 + // StepDone
      hookTask(step.hook !== undefined) +
      (polls(step.bakeSeconds) + inconclusivePolls) * POLL_EVENTS;
  }
  const waveEvents =
    2 +
    TASK_EVENTS +
    4 +
    batches.length * 8 +
    TASK_EVENTS +
    2 +
    TASK_EVENTS * 2 +
    2 +
    waveHookMoment(hasHooks(wave, 'beforeTraffic', 'wave')) +
    waveHookMoment(hasHooks(wave, 'afterTraffic', 'wave'));
  return {
    wave: waveEvents + (polls(wave.bake.duration) + inconclusivePolls) * POLL_EVENTS,
    batch,
  };
}

/**
 * The most history events Breakwater lets one execution plan for. Step Functions fails a
 * Standard execution at 25,000; the rest is headroom for retries and waits the estimate cannot
 * know (a target waiting for an alias lock, throttled calls retried).
 */
export const HISTORY_EVENT_LIMIT = 20_000;

/**
 * The waves whose biggest execution would pass {@link HISTORY_EVENT_LIMIT}, as input problems:
 * which wave, which execution, the estimate, the limit and what to change.
 */
export function historyBudgetIssues(pipeline: Pick<ResolvedPipeline, 'waves'>): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const wave of pipeline.waves) {
    const estimate = estimateHistoryEvents(wave);
    for (const execution of ['wave', 'batch'] as const) {
      if (estimate[execution] <= HISTORY_EVENT_LIMIT) continue;
      issues.push({
        path: `waves[${wave.index}]`,
        message:
          `wave "${wave.name}": its ${execution} execution would write an estimated ${estimate[execution].toLocaleString('en-US')} history events, ` +
          `more than the limit of ${HISTORY_EVENT_LIMIT.toLocaleString('en-US')} (Step Functions fails an execution at 25,000). ` +
          (execution === 'wave'
            ? 'Shorten the wave bake or inconclusiveTimeout, or raise safetyPoll (at most 15m).'
            : 'Shorten the one-box bake, health checks or inconclusiveTimeout, lower concurrency, or raise safetyPoll (at most 15m).'),
        received: estimate[execution],
        expected: `at most ${HISTORY_EVENT_LIMIT}`,
      });
    }
  }
  return issues;
}

/** One row of a rollout plan, for `breakwater plan`. */
export interface PlannedWave {
  readonly index: number;
  readonly name: string;
  readonly stage: 'pre-production' | 'production';
  readonly batching: 'in-order' | 'per-region';
  /** Target ids of each batch, in the order they run. */
  readonly batchTargets: readonly (readonly string[])[];
  /** The wave's hooks, in order: where each runs and how long it may take. */
  readonly hooks: readonly { name: string; at: string; scope: string; timeoutSeconds: number }[];
  /** Whether the one-box and health checks run the statistical analysis. */
  readonly analysis: boolean;
  readonly targets: readonly { id: string; region: string; account: string; cell?: string; alias: string }[];
  readonly batches: number;
  readonly steps: readonly RolloutStep[];
  readonly waveBakeSeconds: number;
  readonly waveMinDataPoints: number;
  readonly leadTimeSeconds: number;
  readonly historyEvents: { wave: number; batch: number };
}

export interface RolloutPlan {
  readonly pipeline: string;
  readonly waves: readonly PlannedWave[];
  readonly totalLeadTimeSeconds: number;
  readonly targetCount: number;
}

/** The rollout as data: waves, targets, steps, bakes and lead time. */
export function planRollout(pipeline: ResolvedPipeline): RolloutPlan {
  const waves = pipeline.waves.map((wave) => ({
    index: wave.index,
    name: wave.name,
    stage: wave.stage,
    batching: wave.batching,
    batchTargets: targetBatches(wave).map((b) => b.map((i) => wave.targets[i]!.id)),
    hooks: (wave.hooks ?? []).map((h) => ({
      name: h.name,
      at: h.at,
      scope: h.scope,
      timeoutSeconds: h.timeout,
    })),
    analysis: wave.analysis !== undefined,
    targets: wave.targets.map((t) => ({
      id: t.id,
      region: t.region,
      account: t.account,
      ...(t.cell ? { cell: t.cell } : {}),
      alias: `${t.functionName}:${t.alias}`,
    })),
    batches: targetBatches(wave).length,
    steps: rolloutSteps(wave),
    waveBakeSeconds: wave.bake.duration,
    waveMinDataPoints: wave.bake.minDataPoints,
    leadTimeSeconds: waveLeadTimeSeconds(wave),
    historyEvents: estimateHistoryEvents(wave),
  }));
  return {
    pipeline: pipeline.name,
    waves,
    totalLeadTimeSeconds: waves.reduce((s, w) => s + w.leadTimeSeconds, 0),
    targetCount: waves.reduce((s, w) => s + w.targets.length, 0),
  };
}
