/*
 * (e) The "max pipeline" at one size, in a process of its own so that its peak RSS is its own:
 *
 *   node --import tsx bench/max-pipeline.ts 40     # prints one line of JSON (MaxPipelineFigures)
 *
 * bench/run.ts starts one such process per size and prints the table.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { fileURLToPath } from 'node:url';
import { simulate } from '../src/cli/simulate.js';
import { DEFAULT_WAVE_SETTINGS, type PipelineInput, resolvePipeline } from '../src/core/pipeline.js';

export const MAX_PIPELINE_REGIONS = [
  'us-east-1',
  'us-west-2',
  'eu-west-1',
  'eu-central-1',
  'ap-northeast-1',
  'ap-southeast-2',
] as const;

/**
 * Invocations the new version serves during a bake, across the targets baked: with the default
 * 600 requests a minute per target, one target at 10 % serves 3,600 in the 1 h one-box bake and
 * 468,000 at 100 % in the 13 h wave bake, so a healthy fleet of any size reaches these.
 */
const ONE_BOX_MIN_DATA_POINTS = 1000;
const WAVE_MIN_DATA_POINTS = 100_000;

/**
 * Six waves, one region each, of `targetsPerWave` cells; `min(N, 40)` at a time; one-box 10 %
 * for 1 h; rolling 33/66/100 % with the default health check; 13 h wave bakes; the default
 * safety poll (no `pollInterval`); a rollback alarm and a one-box alarm per target.
 */
export function maxPipeline(targetsPerWave: number): PipelineInput {
  return {
    name: `bench-max-${targetsPerWave}`,
    defaults: {
      concurrency: Math.min(targetsPerWave, 40),
      oneBox: { weight: 10, bake: { duration: '1h', minDataPoints: ONE_BOX_MIN_DATA_POINTS } },
      rolling: { weights: [33, 66, 100], healthCheck: DEFAULT_WAVE_SETTINGS.rolling.healthCheck },
      bake: { duration: '13h', minDataPoints: WAVE_MIN_DATA_POINTS },
      alarms: { rollback: ['max-errors-{target.id}'], oneBox: ['max-onebox-errors-{target.id}'] },
    },
    waves: MAX_PIPELINE_REGIONS.map((region, w) => ({
      name: `wave-${w + 1}`,
      targets: Array.from({ length: targetsPerWave }, (_, c) => ({
        id: `w${w + 1}-c${c + 1}`,
        account: '111111111111',
        region,
        cell: `cell-${c + 1}`,
        functionName: `max-api-cell-${c + 1}`,
        alias: 'live',
      })),
    })),
  };
}

/** What one size measured; `simulate --json` fields under their own names. */
export interface MaxPipelineFigures {
  readonly targetsPerWave: number;
  readonly outcome: string;
  readonly maxHistoryEvents: number;
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  readonly executions: number;
  readonly virtualSeconds: number;
  readonly estimatedCostUsd: number;
  readonly costItems: Record<string, number>;
  readonly awsCalls: Record<string, number>;
  /** Busiest virtual second of DescribeAlarms per region. */
  readonly peakDescribeAlarmsPerSecond: readonly { readonly region: string; readonly calls: number }[];
  /** Wall seconds of the `simulate()` call (engine start-up included). */
  readonly wallSeconds: number;
  /** Peak resident memory of this process, MB. */
  readonly peakRssMb: number;
}

export async function runMaxPipeline(targetsPerWave: number): Promise<MaxPipelineFigures> {
  const pipeline = resolvePipeline(maxPipeline(targetsPerWave));
  const started = performance.now();
  const result = await simulate(pipeline, undefined, { changeId: `bench-max-${targetsPerWave}` });
  const wallSeconds = (performance.now() - started) / 1000;
  const s = result.stats;
  return {
    targetsPerWave,
    outcome: result.outcome,
    maxHistoryEvents: s.maxHistoryEvents,
    stateTransitions: s.stateTransitions,
    lambdaInvocations: s.lambdaInvocations,
    executions: s.executions,
    virtualSeconds: s.virtualSeconds,
    estimatedCostUsd: s.estimatedCostUsd.total,
    costItems: { ...s.estimatedCostUsd.items },
    awsCalls: { ...s.awsCalls },
    peakDescribeAlarmsPerSecond: (s.peakDescribeAlarmsPerSecond?.perRegion ?? []).map((p) => ({
      region: p.region,
      calls: p.calls,
    })),
    wallSeconds,
    // maxRSS is in kilobytes.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const size = Number(process.argv[2]);
  if (!Number.isInteger(size) || size < 1 || size > 200) {
    process.stderr.write(
      `usage: max-pipeline.ts <targets per wave, 1-200>, got ${JSON.stringify(process.argv[2])}\n`,
    );
    process.exit(2);
  }
  runMaxPipeline(size).then(
    (figures) => process.stdout.write(`${JSON.stringify(figures)}\n`),
    (error: unknown) => {
      process.stderr.write(`max pipeline ${size} failed: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
