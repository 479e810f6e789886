import { type CostEstimate, estimateCost } from '../core/cost.js';
import { formatDuration } from '../core/duration.js';
import type { ResolvedPipeline } from '../core/pipeline.js';
import { targetBatches } from '../core/rollout.js';
import type { ConsumedCapacityUnits } from '../local/dynamo-capacity.js';
import { EmbeddedEngine, type EngineStats } from '../local/engine.js';
import { asDeliveredEvent } from '../local/event-log.js';
import type { CallRatePeak } from '../local/fleet/faults.js';
import { defaultScenarioFor, parseScenario, type Scenario, type ScenarioInput } from '../local/scenario.js';
import { isoAt } from '../ports/clock.js';
import type { DeploymentStateChange } from '../ports/events.js';
import type {
  AnalysisRecord,
  BakeProgress,
  DeploymentOutcome,
  DeploymentView,
  RollbackInfo,
  TimelineEvent,
} from '../ports/store.js';
import { aliasRef } from '../workflow/routing.js';
import { type Palette, palette } from './colour.js';

export type TargetOutcome = 'succeeded' | 'rolled_back' | 'failed' | 'not_started';

/** What the simulated deployment asked of AWS, in the units AWS bills. */
export interface AwsCalls {
  /** CloudWatch DescribeAlarms API calls (one per 100 alarm names), throttled ones included. */
  readonly describeAlarms: number;
  /** CloudWatch GetMetricData metrics requested (each query of a call is one). */
  readonly getMetricDataMetrics: number;
  /** DynamoDB read request units of the workflow and the alarm watcher (not the CLI's own reads). */
  readonly dynamodbReadUnits: number;
  /** DynamoDB write request units, failed conditional writes and index writes included. */
  readonly dynamodbWriteUnits: number;
  /** Step and alarm-watcher Lambda invocations. */
  readonly lambdaInvocations: number;
  /** Step Functions state transitions of every execution. */
  readonly stateTransitions: number;
  /** Deployment state changes published to EventBridge (custom events). */
  readonly eventBridgeEvents: number;
}

/** The busiest virtual second of DescribeAlarms in one account and region. */
export interface DescribeAlarmsRate {
  readonly calls: number;
  readonly account: string;
  readonly region: string;
  /** Start of that second (ISO). */
  readonly at: string;
}

/** The busiest second overall, and each account and region's busiest, busiest first. */
export interface DescribeAlarmsPeak extends DescribeAlarmsRate {
  readonly perRegion: readonly DescribeAlarmsRate[];
}

export interface SimulationStats extends EngineStats {
  readonly awsCalls: AwsCalls;
  /** null when no DescribeAlarms call was made. */
  readonly peakDescribeAlarmsPerSecond: DescribeAlarmsPeak | null;
  /** What the calls would cost at list prices (see docs/benchmarks.md for the prices and assumptions). */
  readonly estimatedCostUsd: CostEstimate;
}

/** The `--json` document of `breakwater simulate`. */
export interface SimulationResult {
  readonly outcome: DeploymentOutcome;
  readonly deploymentId: string;
  readonly pipeline: string;
  readonly change: string;
  readonly waves: readonly {
    readonly name: string;
    readonly stage: 'pre-production' | 'production';
    readonly outcome: TargetOutcome;
    readonly targets: readonly {
      readonly id: string;
      /** Which batch of its wave the target is in, from 1 (see the wave's `batching`). */
      readonly batch: number;
      readonly outcome: TargetOutcome;
      readonly finalWeight: number;
      /** The statistical one-box analysis of the target, where the wave asks for one: each step's latest verdict. */
      readonly analysis?: readonly AnalysisRecord[];
    }[];
  }[];
  readonly rollback: null | {
    reason: string;
    alarm: string | null;
    /** When the alarm that caused the rollback went into ALARM, when the workflow knows it. */
    alarmAt: string | null;
    /** What noticed it: the alarm watcher (an alarm event), a workflow check, or a failed step. */
    triggeredBy: NonNullable<RollbackInfo['triggeredBy']> | null;
    detectedAt: string;
    trafficOffAt: string | null;
  };
  readonly stats: SimulationStats;
  readonly timeline: readonly { at: string; type: string; message: string }[];
  /**
   * The deployment state changes the workflow published, in the shape EventBridge delivers them
   * to a rule's target (`source`, `detail-type`, `time`, `detail`): what a team's own consumers
   * of Breakwater's events would receive, in order.
   */
  readonly events: readonly {
    readonly source: string;
    readonly 'detail-type': string;
    readonly time: string;
    readonly detail: DeploymentStateChange;
  }[];
}

export interface SimulateOptions {
  readonly changeId?: string;
  /** Called for every timeline event, in virtual-time order. */
  readonly onEvent?: (event: TimelineEvent) => void;
  /** Called with bake progress whenever the workflow records it, and the virtual now. */
  readonly onBake?: (bake: BakeProgress, nowMs: number) => void;
  readonly maxVirtualDays?: number;
}

function targetOutcome(status: string | undefined): TargetOutcome {
  switch (status) {
    case undefined:
    case 'pending':
    case 'waiting_for_lock':
      return 'not_started';
    case 'deployed':
      return 'succeeded';
    case 'rolled_back':
      return 'rolled_back';
    case 'failed':
      return 'failed';
    default:
      return 'failed';
  }
}

export function summarize(
  pipeline: ResolvedPipeline,
  view: DeploymentView,
  finalWeight: (targetId: string, newVersion: string | undefined) => number,
  stats: SimulationStats,
): Omit<SimulationResult, 'events'> {
  const d = view.deployment;
  // Expired (held past maxHold) and superseded are outcomes of their own, not failures.
  const outcome: DeploymentOutcome =
    d.status === 'succeeded' ||
    d.status === 'rolled_back' ||
    d.status === 'expired' ||
    d.status === 'superseded'
      ? d.status
      : 'failed';
  const waves = pipeline.waves.map((w) => {
    const record = view.waves.find((x) => x.index === w.index);
    const batchOf = new Map(targetBatches(w).flatMap((b, n) => b.map((i) => [i, n + 1] as const)));
    const targets = w.targets.map((t, i) => {
      const progress = view.targets.find((x) => x.waveIndex === w.index && x.targetId === t.id);
      return {
        id: t.id,
        batch: batchOf.get(i) ?? 1,
        outcome: targetOutcome(progress?.status),
        finalWeight: finalWeight(t.id, progress?.newVersion),
        ...(progress?.analysis
          ? { analysis: Object.values(progress.analysis).sort((a, b) => a.step - b.step) }
          : {}),
      };
    });
    let waveOutcome: TargetOutcome;
    if (!record || record.status === 'pending' || record.status === 'waiting') waveOutcome = 'not_started';
    else if (targets.some((t) => t.outcome === 'rolled_back') || record.status === 'rolled_back')
      waveOutcome = 'rolled_back';
    else if (record.status === 'succeeded') waveOutcome = 'succeeded';
    else waveOutcome = 'failed';
    return { name: w.name, stage: w.stage, outcome: waveOutcome, targets };
  });
  return {
    outcome,
    deploymentId: d.id,
    pipeline: pipeline.name,
    change: d.change.id,
    waves,
    rollback: d.rollback
      ? {
          reason: d.rollback.reason,
          alarm: d.rollback.alarm ?? null,
          alarmAt: d.rollback.alarmAt ?? null,
          triggeredBy: d.rollback.triggeredBy ?? null,
          detectedAt: d.rollback.detectedAt,
          trafficOffAt: d.rollback.trafficOffAt ?? null,
        }
      : null,
    stats,
    timeline: view.events.map((e) => ({ at: e.at, type: e.type, message: e.message })),
  };
}

/**
 * Simulates one deployment of `pipeline` in `scenario` on the embedded engine and returns what
 * happened. The candidate version is published on every target first (as a build would), then
 * the real Deployment state machine runs it.
 */
export async function simulate(
  pipeline: ResolvedPipeline,
  scenarioInput: ScenarioInput | Scenario | undefined,
  options: SimulateOptions = {},
): Promise<SimulationResult> {
  const scenario = parseScenario(scenarioInput ?? defaultScenarioFor([pipeline]));
  const engine = await EmbeddedEngine.start({ scenario, pipelines: [pipeline] });
  // Registering the pipeline is not part of the deployment.
  const capacityAtStart = engine.dynamo.consumedCapacity();
  try {
    if (options.onEvent) engine.onEvent(options.onEvent);
    if (options.onBake) {
      const onBake = options.onBake;
      engine.store.progressListener = (_id, _wave, bake) => onBake(bake, engine.time.nowMs());
    }
    const changeId = options.changeId ?? 'candidate';
    const versions: Record<string, string> = {};
    for (const t of pipeline.waves.flatMap((w) => w.targets)) {
      // The build publishes the candidate; the scenario's API faults are for Breakwater's calls.
      const published = await engine.fleet.publishBuild(aliasRef(t), {
        code: { s3Bucket: 'builds', s3Key: `${pipeline.name}/${changeId}.zip` },
        description: `build of ${changeId}`,
      });
      versions[t.id] = published.version;
    }
    const { deploymentId, done } = engine.startDeployment({
      pipeline: pipeline.name,
      change: { id: changeId, versions },
      requestedBy: 'breakwater simulate',
    });
    await engine.drive(done, { maxVirtualMs: (options.maxVirtualDays ?? 60) * 86_400_000 });
    const stats = simulationStats(engine, capacityAtStart);
    const view = await engine.io(() => engine.store.getDeploymentView(deploymentId));
    if (!view) throw new Error(`deployment ${deploymentId} left no record`);
    const finalWeight = (id: string, newVersion: string | undefined) => {
      if (!newVersion) return 0;
      const r = engine.fleet.routing(id);
      if (r.primaryVersion === newVersion) return 100;
      return r.additionalVersion === newVersion ? r.additionalPercent : 0;
    };
    const events = engine.published.changes
      .filter((c) => c.deploymentId === deploymentId)
      .map(asDeliveredEvent);
    return { ...summarize(pipeline, view, finalWeight, stats), events };
  } finally {
    await engine.close();
  }
}

function simulationStats(engine: EmbeddedEngine, capacityAtStart: ConsumedCapacityUnits): SimulationStats {
  const engineStats = engine.stats();
  const capacity = engine.dynamo.consumedCapacity();
  const awsCalls: AwsCalls = {
    describeAlarms: engine.fleet.callCounts.DescribeAlarms,
    getMetricDataMetrics: engine.fleet.metricsRequested,
    dynamodbReadUnits: capacity.readUnits - capacityAtStart.readUnits,
    dynamodbWriteUnits: capacity.writeUnits - capacityAtStart.writeUnits,
    lambdaInvocations: engineStats.lambdaInvocations,
    stateTransitions: engineStats.stateTransitions,
    eventBridgeEvents: engine.published.changes.length,
  };
  const rate = (p: CallRatePeak): DescribeAlarmsRate => ({
    calls: p.calls,
    account: p.account,
    region: p.region,
    at: isoAt(p.secondStartMs),
  });
  const perRegion = engine.fleet.peakCallsPerSecond('DescribeAlarms').map(rate);
  const busiest = perRegion[0];
  return {
    ...engineStats,
    awsCalls,
    peakDescribeAlarmsPerSecond: busiest ? { ...busiest, perRegion } : null,
    estimatedCostUsd: estimateCost(awsCalls),
  };
}

const usd = (amount: number) => `$${amount < 0.01 && amount > 0 ? amount.toFixed(6) : amount.toFixed(4)}`;

/** The "AWS calls / estimated cost" lines of the summary. */
function renderCosts(s: SimulationStats): string[] {
  const c = s.awsCalls;
  const items = s.estimatedCostUsd.items;
  const { lambdaMemoryMb, lambdaDurationMs, region } = s.estimatedCostUsd.prices;
  const count = (n: number) => n.toLocaleString('en-US');
  const rows: [string, string, number][] = [
    ['Step Functions', `${count(c.stateTransitions)} state transitions`, items.stateTransitions],
    ['CloudWatch', `${count(c.getMetricDataMetrics)} GetMetricData metrics`, items.getMetricData],
    ['CloudWatch', `${count(c.describeAlarms)} DescribeAlarms calls`, items.describeAlarms],
    [
      'Lambda',
      `${count(c.lambdaInvocations)} invocations (${lambdaMemoryMb} MB × ${lambdaDurationMs} ms assumed)`,
      items.lambda,
    ],
    [
      'DynamoDB',
      `${count(c.dynamodbReadUnits)} read + ${count(c.dynamodbWriteUnits)} write request units`,
      items.dynamodb,
    ],
    ['EventBridge', `${count(c.eventBridgeEvents)} events`, items.eventBridge ?? 0],
  ];
  const width = Math.max(...rows.map(([, detail]) => detail.length));
  const peak = s.peakDescribeAlarmsPerSecond;
  return [
    `AWS calls / estimated cost (${region} list prices, no free tier):`,
    ...rows.map(
      ([service, detail, amount]) => `  ${service.padEnd(16)}${detail.padEnd(width)}  ${usd(amount)}`,
    ),
    `  ${'total'.padEnd(16)}${''.padEnd(width)}  ${usd(s.estimatedCostUsd.total)}`,
    peak
      ? `  Busiest second: ${peak.calls} DescribeAlarms calls in ${peak.region} (account ${peak.account}) at ${peak.at}`
      : '  No DescribeAlarms calls.',
  ];
}

/** The outcome's colour: green went out, yellow went nowhere, red went back or failed. */
function outcomeStyle(outcome: DeploymentOutcome, colours: Palette): (text: string) => string {
  if (outcome === 'succeeded') return colours.green;
  if (outcome === 'superseded' || outcome === 'expired') return colours.yellow;
  return colours.red;
}

/** The human summary of a simulation; `colours` styles the outcome (plain by default). */
export function renderSummary(r: SimulationResult, colours: Palette = palette(false)): string {
  const lines = [
    '',
    `Outcome: ${outcomeStyle(r.outcome, colours)(r.outcome.toUpperCase())}  (deployment ${r.deploymentId}, change ${r.change})`,
  ];
  if (r.rollback) {
    lines.push(`Rollback: ${r.rollback.reason}`);
    lines.push(
      `  ${r.rollback.alarm ? `alarm ${r.rollback.alarmAt ?? 'time unknown'}, ` : ''}detected ${r.rollback.detectedAt}${r.rollback.triggeredBy ? ` (${r.rollback.triggeredBy})` : ''}, traffic off the new version ${r.rollback.trafficOffAt ?? 'NOT CONFIRMED'}`,
    );
  }
  for (const w of r.waves) {
    lines.push(
      `  ${(w.stage === 'pre-production' ? `${w.name} (pre-prod)` : w.name).padEnd(14)} ${w.outcome.padEnd(12)} ${w.targets.map((t) => `${t.id}=${t.finalWeight}%`).join(' ')}`,
    );
  }
  const s = r.stats;
  lines.push(
    `Simulated ${formatDuration(s.virtualSeconds)} in ${s.wallSeconds}s: ${s.executions} executions, ${s.stateTransitions} state transitions, ${s.lambdaInvocations} Lambda invocations, largest execution history ${s.maxHistoryEvents} events (limit 25,000).`,
  );
  lines.push(...renderCosts(s));
  return lines.join('\n');
}
