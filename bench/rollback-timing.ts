/*
 * (f) How long a bad change keeps traffic after its alarm fires: a small pipeline (3 waves × 2
 * targets), a sudden fault on the first wave's candidate during one phase, with the fleet's alarm
 * events delivered to the alarm watcher or lost (only the workflow's own checks then notice).
 */
import { type SimulationResult, simulate } from '../src/cli/simulate.js';
import { InvalidInputError } from '../src/core/errors.js';
import { type PipelineInput, resolvePipeline } from '../src/core/pipeline.js';
import { defaultScenarioFor, type ScenarioInput } from '../src/local/scenario.js';

const START = '2026-11-23T09:00:00Z';

/**
 * One-box 30m, rolling 33/66/100 % with 10m health checks, 1 h wave bakes: wave 1 is in its
 * one-box bake for the first 30 minutes, its rolling health checks from 30m to 60m and its wave
 * bake from 60m to 120m (give or take the seconds the steps take).
 */
export function rollbackTimingPipeline(): PipelineInput {
  const regions = ['us-east-1', 'eu-west-1', 'ap-northeast-1'];
  return {
    name: 'bench-rollback-timing',
    defaults: {
      concurrency: 2,
      oneBox: { weight: 10, bake: { duration: '30m', minDataPoints: 100 } },
      rolling: { weights: [33, 66, 100], healthCheck: '10m' },
      bake: { duration: '1h', minDataPoints: 1000 },
      alarms: { rollback: ['rt-errors-{target.id}'], oneBox: ['rt-onebox-errors-{target.id}'] },
    },
    waves: regions.map((region, w) => ({
      name: `wave-${w + 1}`,
      targets: [1, 2].map((c) => ({
        id: `w${w + 1}-t${c}`,
        account: '111111111111',
        region,
        cell: `cell-${c}`,
        functionName: `rt-api-${c}`,
        alias: 'live',
      })),
    })),
  };
}

export interface RollbackCase {
  readonly name: string;
  /** When the fault starts, after the scenario start. */
  readonly faultAt: string;
  readonly faultAfterSeconds: number;
}

export const ROLLBACK_CASES: readonly RollbackCase[] = [
  { name: 'one-box bake', faultAt: '10m', faultAfterSeconds: 600 },
  { name: 'rolling health check', faultAt: '35m', faultAfterSeconds: 2100 },
  { name: 'wave bake', faultAt: '1h30m', faultAfterSeconds: 5400 },
];

export type AlarmEventsMode = 'delivered' | 'lost';

export interface RollbackTiming {
  readonly case: string;
  readonly alarmEvents: AlarmEventsMode;
  /** Why the run could not be measured (the scenario was rejected, …); the rest is then empty. */
  readonly error?: string;
  readonly outcome?: string;
  /** The step whose timeline event says the rollback began ("wave wave-1 batch 1 one-box bake"). */
  readonly caughtIn?: string;
  /** What noticed it (the deployment record's rollback.triggeredBy): alarm-event, check or step. */
  readonly caughtBy?: string;
  readonly alarm?: string | null;
  readonly faultToAlarmSeconds?: number | null;
  readonly alarmToDetectedSeconds?: number | null;
  /** `trafficOffAt − alarmAt`: the figure this bench is about. */
  readonly alarmToTrafficOffSeconds?: number | null;
  readonly faultToTrafficOffSeconds?: number | null;
  readonly wallSeconds?: number;
}

const seconds = (from: string | null | undefined, to: string | null | undefined): number | null =>
  from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : null;

function timing(
  c: RollbackCase,
  mode: AlarmEventsMode,
  r: SimulationResult,
  wallSeconds: number,
): RollbackTiming {
  const faultIso = new Date(Date.parse(START) + c.faultAfterSeconds * 1000).toISOString();
  // The alarm watcher writes "<step>: rollback begun: …", a workflow check fails its bake "<step>: alarm …".
  const begun = r.timeline.find((e) => e.type === 'bake-failed' || /: rollback begun/.test(e.message));
  const rb = r.rollback;
  return {
    case: c.name,
    alarmEvents: mode,
    outcome: r.outcome,
    caughtIn: begun?.message.split(': ')[0] ?? '-',
    caughtBy: rb?.triggeredBy ?? '-',
    alarm: rb?.alarm ?? null,
    faultToAlarmSeconds: seconds(faultIso, rb?.alarmAt),
    alarmToDetectedSeconds: seconds(rb?.alarmAt, rb?.detectedAt),
    alarmToTrafficOffSeconds: seconds(rb?.alarmAt, rb?.trafficOffAt),
    faultToTrafficOffSeconds: seconds(faultIso, rb?.trafficOffAt),
    wallSeconds,
  };
}

/** Runs one case with alarm events delivered or lost; a scenario the engine rejects is reported, not thrown. */
export async function runRollbackCase(c: RollbackCase, mode: AlarmEventsMode): Promise<RollbackTiming> {
  const pipeline = resolvePipeline(rollbackTimingPipeline());
  const scenario = {
    ...defaultScenarioFor([pipeline]),
    start: START,
    faults: [{ targets: ['wave-1'], at: c.faultAt, kind: 'sudden', errorRate: 0.5, version: 'candidate' }],
    alarmEvents: mode,
  } as ScenarioInput;
  const started = performance.now();
  try {
    const result = await simulate(pipeline, scenario, { changeId: `bench-rollback-${mode}` });
    return timing(c, mode, result, (performance.now() - started) / 1000);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return { case: c.name, alarmEvents: mode, error: error.message };
  }
}
