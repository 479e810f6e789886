import { formatDuration } from '../core/duration.js';
import type { ResolvedPipeline } from '../core/pipeline.js';
import { EmbeddedEngine, type EngineStats } from '../local/engine.js';
import { defaultScenarioFor, parseScenario, type Scenario, type ScenarioInput } from '../local/scenario.js';
import type { BakeProgress, DeploymentOutcome, DeploymentView, TimelineEvent } from '../ports/store.js';
import { aliasRef } from '../workflow/routing.js';

export type TargetOutcome = 'succeeded' | 'rolled_back' | 'failed' | 'not_started';

/** The `--json` document of `breakwater simulate`. */
export interface SimulationResult {
  readonly outcome: DeploymentOutcome;
  readonly deploymentId: string;
  readonly pipeline: string;
  readonly change: string;
  readonly waves: readonly {
    readonly name: string;
    readonly outcome: TargetOutcome;
    readonly targets: readonly {
      readonly id: string;
      readonly outcome: TargetOutcome;
      readonly finalWeight: number;
    }[];
  }[];
  readonly rollback: null | {
    reason: string;
    alarm: string | null;
    detectedAt: string;
    trafficOffAt: string | null;
  };
  readonly stats: EngineStats;
  readonly timeline: readonly { at: string; type: string; message: string }[];
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
  stats: EngineStats,
): SimulationResult {
  const d = view.deployment;
  const outcome: DeploymentOutcome =
    d.status === 'succeeded' ? 'succeeded' : d.status === 'rolled_back' ? 'rolled_back' : 'failed';
  const waves = pipeline.waves.map((w) => {
    const record = view.waves.find((x) => x.index === w.index);
    const targets = w.targets.map((t) => {
      const progress = view.targets.find((x) => x.waveIndex === w.index && x.targetId === t.id);
      return {
        id: t.id,
        outcome: targetOutcome(progress?.status),
        finalWeight: finalWeight(t.id, progress?.newVersion),
      };
    });
    let waveOutcome: TargetOutcome;
    if (!record) waveOutcome = 'not_started';
    else if (targets.some((t) => t.outcome === 'rolled_back') || record.status === 'rolled_back')
      waveOutcome = 'rolled_back';
    else if (record.status === 'succeeded') waveOutcome = 'succeeded';
    else waveOutcome = 'failed';
    return { name: w.name, outcome: waveOutcome, targets };
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
  try {
    if (options.onEvent) engine.onEvent(options.onEvent);
    if (options.onBake) {
      const onBake = options.onBake;
      engine.store.progressListener = (_id, _wave, bake) => onBake(bake, engine.time.nowMs());
    }
    const changeId = options.changeId ?? 'candidate';
    const versions: Record<string, string> = {};
    for (const t of pipeline.waves.flatMap((w) => w.targets)) {
      const published = await engine.fleet.publishVersion(aliasRef(t), {
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
    const view = await engine.io(() => engine.store.getDeploymentView(deploymentId));
    if (!view) throw new Error(`deployment ${deploymentId} left no record`);
    const finalWeight = (id: string, newVersion: string | undefined) => {
      if (!newVersion) return 0;
      const r = engine.fleet.routing(id);
      if (r.primaryVersion === newVersion) return 100;
      return r.additionalVersion === newVersion ? r.additionalPercent : 0;
    };
    return summarize(pipeline, view, finalWeight, engine.stats());
  } finally {
    await engine.close();
  }
}

export function renderSummary(r: SimulationResult): string {
  const lines = [
    '',
    `Outcome: ${r.outcome.toUpperCase()}  (deployment ${r.deploymentId}, change ${r.change})`,
  ];
  if (r.rollback) {
    lines.push(`Rollback: ${r.rollback.reason}`);
    lines.push(
      `  detected ${r.rollback.detectedAt}, traffic off the new version ${r.rollback.trafficOffAt ?? 'NOT CONFIRMED'}`,
    );
  }
  for (const w of r.waves) {
    lines.push(
      `  ${w.name.padEnd(14)} ${w.outcome.padEnd(12)} ${w.targets.map((t) => `${t.id}=${t.finalWeight}%`).join(' ')}`,
    );
  }
  const s = r.stats;
  lines.push(
    `Simulated ${formatDuration(s.virtualSeconds)} in ${s.wallSeconds}s: ${s.executions} executions, ${s.stateTransitions} state transitions, ${s.lambdaInvocations} Lambda invocations, largest execution history ${s.maxHistoryEvents} events (limit 25,000).`,
  );
  return lines.join('\n');
}
